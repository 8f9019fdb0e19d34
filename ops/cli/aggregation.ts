import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Aggregator, aggregatesStatusRoute, dropInputPredicate, PartialMerger, type AggregatorStatus, type DropInputPredicate } from '../../pipeline/aggregate/index.js';
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
 *
 * With `partials` (`tidemark store`), every store of the group aggregates the partitions it holds
 * and publishes their partial states to the partials topic; a merger member in every store (group
 * `<aggregation group>.merge`), the one holding the partials partition, emits the outputs. The
 * partitions' checkpoints are `partition-<p>.json` and the merger's `merge.json` in that directory.
 */
export class AggregationService implements Service {
  readonly name = 'aggregation';
  private aggregator: Aggregator | undefined;
  private merger: PartialMerger | undefined;
  private dropping: DropInputPredicate | undefined;

  constructor(
    private readonly ctx: RoleContext,
    private readonly bus: BusService,
    /** The store worker of the samples topic in this process, once it runs. */
    private readonly leader?: () => DecodedRecordLeader | undefined,
    /** Aggregate the partitions this store holds and merge through the partials topic (several stores in a group). */
    private readonly partials = false,
  ) {
    const r = aggregatesStatusRoute(() => this.status());
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
    const group = cfg.aggregation.group ?? `${cfg.store.group}.aggregate`;
    const partialsTopic = cfg.aggregation.partials_topic ?? `${cfg.bus.topics.aggregates}.partials`;
    const aggregator = new Aggregator({
      bus: this.bus.bus,
      samplesTopic: cfg.bus.topics.samples,
      aggregatesTopic: cfg.bus.topics.aggregates,
      group,
      checkpointFile: join(dataDir, 'aggregation', 'checkpoint.json'),
      // The merger in this store takes the partials its aggregator published as they are (no decoding them back).
      partials: this.partials ? { topic: partialsTopic, onPublished: (published) => this.merger?.handOver(published) } : undefined,
      // The store holding the first input partition merges.
      onPartitions: (held) => {
        this.holdsFirst = held.includes(0);
        void (this.holdsFirst ? this.merger?.activate() : this.merger?.deactivate())?.catch((err: unknown) => this.ctx.log.error({ err }, 'aggregation merger: taking up or handing over the merging failed'));
      },
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
    if (this.partials) {
      this.startMerger = async (rules) => {
        // Without rules there is nothing to merge (nor a partials topic to create); a reload adding some starts it.
        if (this.merger !== undefined || rules.length === 0) return;
        this.merger = new PartialMerger({
          bus: this.bus.bus,
          partialsTopic,
          aggregatesTopic: cfg.bus.topics.aggregates,
          inputPartitions: await this.bus.bus.ensureTopic(cfg.bus.topics.samples, cfg.bus.partitions),
          // Its own group: whether it merges follows the aggregation group (see onPartitions).
          group: `${group}.merge.${createHash('sha256').update(`${hostname()}\0${dataDir}`).digest('hex').slice(0, 12)}`,
          checkpointFile: join(dataDir, 'aggregation', 'merge.json'),
          checkpointIntervalMs: cfg.aggregation.checkpoint_interval_ms,
          rules,
          logger: this.ctx.log.child({ component: 'aggregation-merger' }),
          metrics: aggregator.metrics,
          onFailed: (err) => this.ctx.fail(err),
        });
        if (this.holdsFirst) await this.merger.activate();
        await this.merger.start();
      };
      await Promise.all([aggregator.start(), this.startMerger(cfg.aggregates)]);
    } else {
      await aggregator.start();
    }
  }

  /** With `partials`: whether this store's aggregator holds the first input partition (its merger then merges). */
  private holdsFirst = false;
  /** With `partials`: starts this store's merger member once there are rules. */
  private startMerger: ((rules: TidemarkConfig['aggregates']) => Promise<void>) | undefined;

  /** The aggregator's figures; with `partials`, the outputs' figures are the merger's when it merges here. */
  private status(): AggregatorStatus | undefined {
    const a = this.aggregator?.status();
    const m = this.merger?.status();
    if (a === undefined || m === undefined) return a;
    const rules = this.aggregator!.rules();
    return {
      ...a,
      merging: m.merging,
      rules: a.rules.map((r, i) => {
        const merged = m.rules.get(rules[i]!.id);
        return merged === undefined || !m.merging ? r : { ...r, closedThroughMs: merged.closedThroughMs, outputSeries: merged.outputSeries, outputSamples: merged.outputSamples };
      }),
    };
  }

  ready(): boolean {
    return !this.ctx.config.aggregation.enabled || (this.aggregator?.ready() ?? false);
  }

  async applyConfig(cfg: TidemarkConfig): Promise<void> {
    await this.aggregator?.applyRules(cfg.aggregates, cfg.aggregation);
    await this.merger?.applyRules(cfg.aggregates);
    await this.startMerger?.(cfg.aggregates);
    this.dropping = dropInputPredicate(cfg.aggregates);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endWaits();
    await Promise.all([this.aggregator?.stop(), this.merger?.stop()]);
  }
}
