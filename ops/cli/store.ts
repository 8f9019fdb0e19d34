import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { StoreWorker, storeHttpApi } from '../../pipeline/store/index.js';
import { InProcessShardRegistry, joinChanges, RedisShardRegistry, type ShardRegistry, type ChangesAnswer, type ChangesRequest, type WaitAppliedAnswer, type WaitAppliedRequest } from '../../pipeline/store-protocol/index.js';
import { collectDecodeThreadsOnDrop } from '../../pipeline/tsdb/select-decode/index.js';
import { sharedSelectSlabPool, type SelectSlabPool } from '../../pipeline/tsdb/shared-memory/index.js';
import { MergeQuerier, emptyLabelStats, labelStatsOf, mergeLabelStats, type LabelStats, type LabelStatsRequest, type Querier } from '../../pipeline/tsdb/index.js';
import type { DecodedRecordFollower } from '../../pipeline/bus/record-follower.js';
import type { Labels, SamplesTopicRecord } from '../../schemas/index.js';
import { newRedisClient } from '../../schemas/redis-client.js';
import type { ListenAddress } from '../server/http-server.js';
import type { Service } from '../server/service.js';
import { AggregationService } from './aggregation.js';
import { mountWebUi } from '../server/web-ui.js';
import { BusService } from './bus-service.js';
import { mountBusStatus } from './bus-status-api.js';
import { moveShardsAside, parseRebuildSpec, registerRebuildProgress, type ShardMove } from './shard-rebuild.js';
import type { RoleContext, RoleDefinition } from './run-role.js';

/** The shard registry a role uses: Redis (shared, with TTLs) with --redis / `redis.url`, else in-process. */
export function shardRegistryOf(ctx: RoleContext): { registry: ShardRegistry; close(): Promise<void> } {
  const url = ctx.config.redis?.url;
  if (url === undefined) return { registry: new InProcessShardRegistry(), close: async () => {} };
  const redis = newRedisClient(url, { maxRetriesPerRequest: 2 });
  const registry = new RedisShardRegistry({ redis, onError: (err) => ctx.log.warn({ err }, 'shard registry heartbeat failed') });
  return {
    registry,
    close: async () => {
      redis.disconnect();
    },
  };
}

let storesInProcess = 0;

/**
 * The URL query roles read this store at: `store.advertise_address` (--advertise-address) when
 * set, else the bound listener with a wildcard host replaced by the hostname; `https` when the
 * listener serves TLS.
 */
export function advertisedUrl(advertise: string | undefined, bound: ListenAddress | undefined, scheme: 'http' | 'https' = 'http'): string {
  if (advertise !== undefined) return `${scheme}://${advertise}`;
  if (bound === undefined) throw new Error('the store announced its shards before its HTTP listener was bound');
  const wildcard = bound.host === '0.0.0.0' || bound.host === '::' || bound.host === '';
  const host = wildcard ? hostname() : bound.host;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound.port}`;
}

/**
 * Store workers as a role service: the shards of the partitions this member owns, of the samples
 * topic (group `store.group`) and of the aggregates topic (recording-rule output, group
 * `<store.group>.aggregates`), announced in the shard registry under the role's HTTP address so
 * query roles can find them. Reads merge both.
 */
export class StoreService implements Service {
  readonly name = 'store';
  private workers: StoreWorker[] = [];
  private readonly storeId = `${hostname()}-${process.pid}-${++storesInProcess}`;

  constructor(
    private readonly ctx: RoleContext,
    private readonly bus: BusService,
    readonly registry: ShardRegistry,
    /** Series of the samples topic not to store (aggregation `drop_input`). */
    private readonly dropInput?: () => ((labels: Labels) => boolean) | undefined,
    /** Takes the samples worker's decoded records (the aggregator of this process). */
    private readonly follower?: DecodedRecordFollower<SamplesTopicRecord>,
  ) {
    for (const r of storeHttpApi({
      querier: (mint, maxt) => this.querier(mint, maxt),
      deleteSeries: async (selectors, s, e) => {
        await Promise.all(this.running.map((w) => w.deleteSeries(selectors, s, e)));
      },
      snapshot: async () => {
        const names = [];
        for (const w of this.running) names.push(await w.snapshot());
        return names[0];
      },
      rebuildDownsampled: async () => {
        let days = 0;
        for (const w of this.running) days += await w.rebuildDownsampled();
        return days;
      },
      labelStats: (req) => this.labelStats(req),
      waitApplied: (req) => this.waitApplied(req),
      changes: (req) => this.changes(req),
      pauseConsumption: (paused) => {
        for (const w of this.running) w.pauseConsumption(paused);
      },
    }, { adminApi: ctx.flags.enableAdminApi === true, slabs: storeSlabPool() }).routes) {
      ctx.router.add(r.methods, r.path, r.handler);
    }
  }

  private get running(): StoreWorker[] {
    if (this.workers.length === 0) throw new Error('store used before it started');
    return this.workers;
  }

  /** Reads over every shard of both topics: the local Queryable of `tidemark up`. */
  querier(mint: number, maxt: number): Querier {
    return new MergeQuerier(this.running.map((w) => w.querier(mint, maxt)));
  }

  /** Read-your-writes: waits for the shards of the samples topic to apply offsets. */
  waitApplied(req: WaitAppliedRequest): Promise<WaitAppliedAnswer> {
    return this.running[0].waitApplied(req);
  }

  /** The result cache's validation over both topics' shards. */
  async changes(req: ChangesRequest): Promise<ChangesAnswer> {
    const answers = await Promise.all(this.running.map((w) => w.changes(req)));
    return { applied: answers.flatMap((a) => a.applied), ...joinChanges(answers, req.checks.length) };
  }

  /** The worker of the samples topic (undefined before start): the aggregator follows it. */
  samplesWorker(): StoreWorker | undefined {
    return this.workers[0];
  }

  /** Partitions of the samples topic held here. */
  samplesPartitions(): number[] {
    return this.workers[0]?.partitions() ?? [];
  }

  /** The label statistics of every shard of both topics, added up (`/api/v1/status/tsdb`). */
  async labelStats(req: LabelStatsRequest): Promise<LabelStats> {
    const total = emptyLabelStats();
    for (const w of this.running) {
      for (const p of w.partitions()) {
        const shard = w.shard(p);
        if (shard !== undefined) mergeLabelStats(total, await labelStatsOf(shard.tsdb, req));
      }
    }
    return total;
  }

  async start(): Promise<void> {
    const cfg = this.ctx.config;
    const dataDir = isAbsolute(cfg.store.data_dir) ? cfg.store.data_dir : join(this.ctx.flags.data, cfg.store.data_dir);
    const { rebuild, rebuildForce } = this.ctx.flags;
    let moved: ShardMove[] = [];
    if (rebuild !== undefined) {
      moved = await moveShardsAside({
        bus: this.bus.bus, dataDir, topics: [cfg.bus.topics.samples, cfg.bus.topics.aggregates],
        spec: parseRebuildSpec(rebuild), force: rebuildForce === true, stamp: new Date().toISOString().replace(/[:.]/g, '-'),
      });
      for (const m of moved) this.ctx.log.info({ topic: m.topic, partition: m.partition, movedTo: m.to }, 'shard moved aside; rebuilding it from the bus');
      if (moved.length === 0) this.ctx.log.info({ rebuild }, 'no shard directory to move aside; the shards build from the bus as they start');
    }
    const worker = (topic: string, group: string, announce: boolean) =>
      new StoreWorker({
        bus: this.bus.bus,
        topic,
        deadLetterTopic: cfg.bus.topics.deadletter,
        config: { ...cfg.store, group, data_dir: dataDir },
        registry: announce ? this.ctx.metrics : undefined,
        logger: this.ctx.log.child({ component: 'store', topic }),
        onShardsChanged: announce ? (partitions) => this.announce(partitions) : undefined,
        dropInput: topic === cfg.bus.topics.samples ? this.dropInput : undefined,
        follower: topic === cfg.bus.topics.samples ? this.follower : undefined,
        onFailed: (err) => this.ctx.fail(err),
      });
    this.workers = [
      worker(cfg.bus.topics.samples, cfg.store.group, true),
      worker(cfg.bus.topics.aggregates, `${cfg.store.group}.aggregates`, false),
    ];
    const byTopic = new Map([[cfg.bus.topics.samples, this.workers[0]], [cfg.bus.topics.aggregates, this.workers[1]]]);
    registerRebuildProgress(this.ctx.metrics, moved, (topic, partition) => byTopic.get(topic)?.shard(partition)?.appendedOffset);
    // Together: on Kafka each start waits for its group's join (a new group's first join waits
    // group.initial.rebalance.delay.ms, 3 s), so one after the other cost the start that twice.
    await Promise.all(this.workers.map((w) => w.start()));
  }

  private announce(partitions: number[]): void {
    const url = advertisedUrl(this.ctx.config.store.advertise_address, this.ctx.address(), this.ctx.scheme);
    this.registry.announce(this.storeId, url, partitions).catch((err: unknown) => {
      this.ctx.log.warn({ err }, 'announcing shards failed; the heartbeat retries');
    });
  }

  ready(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.ready());
  }

  /** The shards rank their head series once the role has started (Shard.rankHeadSeries). */
  roleStarted(): void {
    for (const w of this.workers) w.rankHeadSeries();
  }

  async stop(): Promise<void> {
    if (this.workers.length === 0) return;
    for (const w of this.workers) await w.stop();
    await this.registry.withdraw(this.storeId).catch(() => undefined);
  }
}

export const storeRole: RoleDefinition = {
  name: 'store',
  async build(ctx) {
    const bus = new BusService(ctx.config, ctx.flags.data, ctx.log, ctx.fail);
    mountBusStatus(ctx, bus);
    mountWebUi(ctx.router, { apps: ['bus'] });
    const shards = shardRegistryOf(ctx);
    // Every store of the group aggregates its own partitions; a merger emits the outputs.
    const aggregation: AggregationService = new AggregationService(ctx, bus, () => store.samplesWorker(), true);
    const store = new StoreService(ctx, bus, shards.registry, aggregation.dropInput, aggregation.follower);
    const registryCloser: Service = { name: 'shard-registry', start: async () => {}, ready: () => true, stop: () => shards.close() };
    // The store starts first: its records wait for the aggregator (see AggregationService.follower).
    return [registryCloser, bus, store, aggregation];
  },
};

/**
 * The slab pool the store API's selects decode into. Its selects decode in the decode threads as
 * the query API's do: when the pool lets slabs go, those threads collect too.
 */
function storeSlabPool(): SelectSlabPool {
  const pool = sharedSelectSlabPool();
  collectDecodeThreadsOnDrop(pool);
  return pool;
}
