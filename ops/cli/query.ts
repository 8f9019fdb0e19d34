import { sharedEvalPool } from '../../pipeline/promql/index.js';
import { expectArrayBufferTransfers, type Queryable } from '../../pipeline/tsdb/index.js';
import { collectDecodeThreadsOnDrop, sharedDecodePool } from '../../pipeline/tsdb/select-decode/index.js';
import { sharedSelectSlabPool } from '../../pipeline/tsdb/shared-memory/index.js';
import {
  QueryMetrics,
  ReadConsistency,
  warmUpInPlaceEvaluation,
  prometheusApi,
  registryConsistencyStores,
  registryLabelStats,
  registryQueryable,
  withReadConsistency,
  withResultCache,
  ResultCache,
  registerResultCacheMetrics,
  registerSelectSlabPoolMetrics,
  type ConsistencyStore,
  type LabelStatsSource,
  type QueryApiSettings,
} from '../../pipeline/query/index.js';
import type { Service } from '../server/service.js';
import { TIDEMARK_VERSION } from '../server/version.js';
import { mountWebUi } from '../server/web-ui.js';
import type { RoleContext, RoleDefinition } from './run-role.js';
import { shardRegistryOf } from './store.js';
import { BusService } from './bus-service.js';
import { SideDataService } from './side-data.js';
import { CircularExemplarStorage, MetadataCatalog, queryActivity } from '../../pipeline/query/index.js';
import { withStoreTiers } from '../../pipeline/query/source-resolution.js';

/**
 * Mounts the Prometheus HTTP API (query, series, labels, metadata, read, federate, status) over
 * `queryable`, each endpoint counted and timed in the role's metrics; reads wait for write tokens
 * and strong consistency on `stores` (read-consistency.ts). Returns the service that warms up
 * the in-place evaluation once the role has started: the role lists it last.
 */
export function mountQueryApi(
  ctx: RoleContext,
  queryable: Queryable,
  metrics = new QueryMetrics(ctx.metrics),
  labelStats?: LabelStatsSource,
  stores?: () => Promise<readonly ConsistencyStore[]>,
  sideData: Pick<QueryApiSettings, 'metadata' | 'exemplars'> = {},
): QueryWarmUpService {
  // With tenants, what each tenant's queries read is counted (usage, max_query_samples).
  queryable = ctx.tenancy?.queryable(queryable) ?? queryable;
  // Each tenant's requests see the metric metadata it sent and its own targets'.
  if (ctx.tenancy !== undefined && sideData.metadata !== undefined) sideData = { ...sideData, metadata: ctx.tenancy.metadataReader(sideData.metadata) };
  const apiConfig = withStoreTiers(ctx.config.query, ctx.config.store.downsampling);
  const api = prometheusApi({
    queryable,
    labelStats,
    ...sideData,
    config: apiConfig,
    externalLabels: ctx.config.global.external_labels,
    version: TIDEMARK_VERSION,
    configStatus: () => ctx.configStatus,
    flags: {
      'config.file': ctx.flags.config ?? '',
      'web.listen-address': ctx.flags.listen,
      'query.lookback-delta': `${ctx.config.query.lookback_delta_ms / 1000}s`,
      'query.timeout': `${ctx.config.query.timeout_ms / 1000}s`,
    },
  });
  let routes = api.routes;
  if (stores !== undefined && ctx.config.query.result_cache_max_bytes > 0) {
    const cache = new ResultCache({
      stores: async () => (await stores()).flatMap((s) => (s.changes === undefined ? [] : [s.changes])),
      queryable,
      config: apiConfig,
      partitionCount: ctx.config.bus.partitions,
      samplesTopic: ctx.config.bus.topics.samples,
      maxBytes: ctx.config.query.result_cache_max_bytes,
      pieceMs: ctx.config.query.result_cache_piece_ms,
    });
    routes = withResultCache(routes, cache, apiConfig);
    registerResultCacheMetrics(ctx.metrics, () => cache.stats);
  }
  if (stores !== undefined) {
    routes = withReadConsistency(routes, new ReadConsistency({ stores, partitionCount: ctx.config.bus.partitions, timeoutMs: ctx.config.query.read_consistency_timeout_ms }));
  }
  const slabPool = sharedSelectSlabPool(ctx.config.query.select_slab_pool_bytes);
  registerSelectSlabPoolMetrics(ctx.metrics, slabPool);
  // The decode threads write into the pool's slabs: when it lets some go, they must collect too.
  collectDecodeThreadsOnDrop(slabPool);
  // Selects hand buffers to the pools' threads: what the start-up (a store's head restore) and
  // the first query optimize on this thread stays optimized after the first hand-off.
  expectArrayBufferTransfers();
  // The first queries after a start find every thread of each pool running, the decode threads
  // warmed up (they stop after WORKER_IDLE_MS unused, as any idle worker does).
  sharedEvalPool(ctx.config.query.workers).warm();
  sharedDecodePool().warm();
  for (const r of queryActivity.track(routes).map((route) => metrics.instrument(route))) ctx.router.add(r.methods, r.path, r.handler);
  return inPlaceWarmUp(ctx);
}

/** The service that warms up the query API's in-place evaluation (in-place-warm-up.ts). */
export interface QueryWarmUpService extends Service {
  /** How many synthetic queries the warm-up evaluated, once it has finished (0 before start). */
  finished(): Promise<number>;
}

/**
 * Evaluates synthetic queries on this thread (in-place-warm-up.ts) once started, a turn after
 * every service before it has: the time to ready does not grow. The first small queries after a
 * start otherwise ran the engine in V8's interpreter, the larger ones before them having been
 * evaluated in the pool's workers.
 */
function inPlaceWarmUp(ctx: RoleContext): QueryWarmUpService {
  let stopped = false;
  let running: Promise<number> = Promise.resolve(0);
  return {
    name: 'query-warm-up',
    start: async () => {
      running = new Promise((resolve) => setImmediate(resolve)).then(() => warmUpInPlaceEvaluation(ctx.config.query, ctx.log, () => stopped));
    },
    finished: () => running,
    ready: () => true,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/**
 * `tidemark query`: the Prometheus HTTP API over every store shard the registry (Redis) lists,
 * with partial responses (a warning) when a shard cannot be read.
 */
export const queryRole: RoleDefinition = {
  name: 'query',
  async build(ctx) {
    if (ctx.config.redis === undefined) {
      throw new Error('the query role finds store shards in Redis: give --redis or redis.url (tidemark up runs all in one process)');
    }
    const shards = shardRegistryOf(ctx);
    const metrics = new QueryMetrics(ctx.metrics);
    const queryable = registryQueryable({ registry: shards.registry, config: ctx.config.query, partitionCount: ctx.config.bus.partitions, observer: metrics.fanoutObserver() });
    // Metadata and exemplars come from their topics, which only a shared bus (Kafka) carries here.
    const bus = ctx.config.bus.type === 'kafka' ? new BusService(ctx.config, ctx.flags.data, ctx.log, ctx.fail) : undefined;
    const side = bus === undefined ? undefined : new SideDataService(ctx, bus, { follow: true });
    const sideData = side ?? { metadata: new MetadataCatalog(), exemplars: new CircularExemplarStorage(0) };
    const warmUp = mountQueryApi(
      ctx,
      queryable,
      metrics,
      registryLabelStats({ registry: shards.registry, config: ctx.config.query }),
      registryConsistencyStores({ registry: shards.registry, config: ctx.config.query }),
      { metadata: sideData.metadata, exemplars: sideData.exemplars },
    );
    mountWebUi(ctx.router, { apps: ['prometheus'] });
    const registry: Service = { name: 'shard-registry', start: async () => {}, ready: () => true, stop: () => shards.close() };
    return bus === undefined || side === undefined ? [registry, warmUp] : [registry, bus, side, warmUp];
  },
};
