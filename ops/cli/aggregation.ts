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

  /** For the samples store: where its decoded records go (the aggregator, once it runs). */
  readonly follower: DecodedRecordFollower<SamplesTopicRecord> = {
    follow: async (batch, decoded) => this.aggregator?.follow(batch, decoded),
    released: (partitions) => this.aggregator?.released(partitions),
  };

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
      leader: this.leader === undefined ? undefined : { position: (p) => this.leader?.()?.position(p) },
    });
    this.aggregator = aggregator;
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
    await this.aggregator?.stop();
  }
}
