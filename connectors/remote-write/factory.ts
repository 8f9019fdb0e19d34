import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { PushEdge, type Backpressure, type PushConnector } from '../http-edge/index.js';
import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import { newRedisClient } from '../../schemas/redis-client.js';
import { defaultRemoteWriteConfig, type RemoteWriteConfig } from './config.js';
import { MemoryHaElector, RedisHaElector, type HaElector } from './ha-elector.js';
import { RemoteWriteHandler } from './handler.js';
import { WriteRequestReader } from './write-request-reader.js';
import { WriteV2RequestReader } from './write-v2-request-reader.js';

export interface RemoteWriteSettings {
  readonly sink: SampleSink;
  /** Where metric metadata of write requests goes; none = not kept. */
  readonly metadata?: MetadataSink;
  /** Where exemplars of write requests go; none = not kept. */
  readonly exemplars?: ExemplarSink;
  readonly registry: Registry;
  /** A Redis client for the HA election (store: redis); made from `ha.redis_url` when absent. */
  readonly redis?: Redis;
  readonly backpressure?: Backpressure;
}

export const remoteWriteFactory = {
  type: 'remote_write',
  defaultConfig: defaultRemoteWriteConfig,
  create: createRemoteWriteConnector,
};

/**
 * The remote_write receiver: one route, its edge (auth, limits, metrics) and its HA elector.
 * `config` is already validated (`remoteWriteConfigSchema.parse`, done once at the edge).
 */
export function createRemoteWriteConnector(settings: RemoteWriteSettings, config: RemoteWriteConfig): PushConnector {
  const edge = new PushEdge({
    connector: 'remote_write',
    registry: settings.registry,
    auth: config.auth,
    limits: config.limits,
    backpressure: settings.backpressure,
  });
  let ownedRedis: Redis | undefined;
  let elector: HaElector | undefined;
  const ha = config.ha;
  if (ha.enabled) {
    const timing = { failoverTimeoutMs: ha.failover_timeout, updateTimeoutMs: ha.update_timeout };
    if (ha.store === 'redis') {
      let redis = settings.redis;
      if (redis === undefined) {
        redis = ownedRedis = newRedisClient(ha.redis_url as string, { lazyConnect: true, maxRetriesPerRequest: 2 });
      }
      elector = new RedisHaElector(redis, ha.key_prefix, timing);
    } else {
      elector = new MemoryHaElector(timing);
    }
  }
  const handler = new RemoteWriteHandler({
    edge,
    sink: settings.sink,
    metadata: settings.metadata,
    exemplars: settings.exemplars,
    reader: new WriteRequestReader(config.metric_name_validation_scheme, config.series_cache_size, edge.seriesLimits),
    readerV2: new WriteV2RequestReader(config.metric_name_validation_scheme),
    ha: elector === undefined ? undefined : { config: ha, elector },
  });
  let stopped = false;
  return {
    routes: [{ methods: ['POST'], path: config.path, handler: edge.handler(['POST'], (push) => handler.handle(push)) }],
    async start() {
      if (ownedRedis !== undefined && ownedRedis.status === 'wait') await ownedRedis.connect();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (ownedRedis !== undefined) ownedRedis.disconnect();
    },
  };
}
