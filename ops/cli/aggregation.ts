import { isAbsolute, join } from 'node:path';
import { Aggregator, aggregatesStatusRoute, dropInputPredicate, type DropInputPredicate } from '../../pipeline/aggregate/index.js';
import type { DecodedRecordFollower, DecodedRecordLeader } from '../../pipeline/bus/record-follower.js';
import type { SamplesTopicRecord } from '../../schemas/index.js';
import type { TidemarkConfig } from '../config/index.js';
import type { Service } from '../server/service.js';
import type { BusService } from './bus-service.js';
import type { RoleContext } from './run-role.js';

/**
 * Streaming aggregation beside the store workers (`tidemark store` and `up`): the `aggregates`
 * rules run over the samples topic in the group `aggregation.group` (default
 * `<store.group>.aggregate`), outputs go to the aggregates topic, which the stores keep like any
 * series. The checkpoint lives in `<store.data_dir>/aggregation/checkpoint.json`. Serves
 * `/api/v1/status/aggregates`; reloads its rules with the configuration. It follows the store
 * worker of the samples topic in this process (`leader`): the records the store decodes are
 * handed over instead of being decoded a second time.
 */
export class AggregationService implements Service {
  readonly name = 'aggregation';
  private aggregator: Aggregator | undefined;
  private dropping: DropInputPredicate | undefined;

  constructor(
    private readonly ctx: RoleContext,
    private readonly bus: BusService,
    /** The store worker of the samples topic in this process, once it runs. */
    private readonly leader?: () => DecodedRecordLeader | undefined,
  ) {
    const r = aggregatesStatusRoute(() => this.aggregator?.status());
    ctx.router.add(r.methods, r.path, r.handler);
    this.dropping = dropInputPredicate(ctx.config.aggregates);
  }

  /**
   * For the samples store: where its decoded records go. The store starts first; until the
   * aggregator exists its records wait for it (or for the store to let the partition go), so
   * the aggregator takes them instead of reading them again.
   */
  readonly follower: DecodedRecordFollower<SamplesTopicRecord> = {
    follow: async (batch, decoded) => {
      const a = this.aggregator ?? (this.ctx.config.aggregation.enabled && !this.stopped ? await this.created(batch.partition) : undefined);
      await a?.follow(batch, decoded);
    },
    leaderChanged: () => {
      this.aggregator?.leaderChanged();
      // Looked at once the store's change is done: batches of partitions it let go (or of a
      // store stopping) need not wait for an aggregator.
      queueMicrotask(() => {
        for (const p of [...this.waits.keys()]) if (this.leader?.()?.position(p) === undefined) this.endWaits(p);
      });
    },
  };
  /** Store batches waiting, per partition, for the aggregator to exist. */
  private readonly waits = new Map<number, ((a: Aggregator | undefined) => void)[]>();
  private stopped = false;

  private created(partition: number): Promise<Aggregator | undefined> {
    return new Promise((resolve) => {
      const w = this.waits.get(partition) ?? [];
      w.push(resolve);
      this.waits.set(partition, w);
    });
  }

  private endWaits(partition?: number): void {
    for (const [p, w] of [...this.waits]) {
      if (partition !== undefined && p !== partition) continue;
      this.waits.delete(p);
      for (const resolve of w) resolve(this.aggregator);
    }
  }

  /** For the samples store: the series a `drop_input` rule aggregates instead of storing (undefined: none). */
  readonly dropInput = (): DropInputPredicate | undefined => this.dropping;

  async start(): Promise<void> {
    const cfg = this.ctx.config;
    if (!cfg.aggregation.enabled) return;
    const dataDir = isAbsolute(cfg.store.data_dir) ? cfg.store.data_dir : join(this.ctx.flags.data, cfg.store.data_dir);
    const aggregator = new Aggregator({
      bus: this.bus.bus,
      samplesTopic: cfg.bus.topics.samples,
      aggregatesTopic: cfg.bus.topics.aggregates,
      group: cfg.aggregation.group ?? `${cfg.store.group}.aggregate`,
      checkpointFile: join(dataDir, 'aggregation', 'checkpoint.json'),
      config: cfg.aggregation,
      rules: cfg.aggregates,
      registry: this.ctx.metrics,
      logger: this.ctx.log.child({ component: 'aggregation' }),
      onFailed: (err) => this.ctx.fail(err),
      deadLetterTopic: cfg.bus.topics.deadletter,
      leader: this.leader === undefined ? undefined : {
        position: (p) => this.leader?.()?.position(p),
        settled: () => this.leader?.()?.settled() ?? true,
      },
    });
    this.aggregator = aggregator;
    this.endWaits();
    await aggregator.start();
  }

  ready(): boolean {
    return !this.ctx.config.aggregation.enabled || (this.aggregator?.ready() ?? false);
  }

  async applyConfig(cfg: TidemarkConfig): Promise<void> {
    await this.aggregator?.applyRules(cfg.aggregates, cfg.aggregation);
    this.dropping = dropInputPredicate(cfg.aggregates);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endWaits();
    await this.aggregator?.stop();
  }
}
