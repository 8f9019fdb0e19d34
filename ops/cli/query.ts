import { Histogram } from 'prom-client';
import type { Queryable } from '../../pipeline/tsdb/index.js';
import { prometheusApi, registryQueryable } from '../../pipeline/query/index.js';
import type { Service } from '../server/service.js';
import { TIDEMARK_VERSION } from '../server/version.js';
import type { RoleContext, RoleDefinition } from './run-role.js';
import { shardRegistryOf } from './store.js';

/** Mounts the Prometheus HTTP API (query, series, labels, metadata, read, federate, status) over `queryable`. */
export function mountQueryApi(ctx: RoleContext, queryable: Queryable): void {
  const api = prometheusApi({
    queryable,
    config: ctx.config.query,
    externalLabels: ctx.config.global.external_labels,
    version: TIDEMARK_VERSION,
    flags: {
      'config.file': ctx.flags.config ?? '',
      'web.listen-address': ctx.flags.listen,
      'query.lookback-delta': `${ctx.config.query.lookback_delta_ms / 1000}s`,
      'query.timeout': `${ctx.config.query.timeout_ms / 1000}s`,
    },
  });
  // Latency by handler, as Prometheus' prometheus_http_request_duration_seconds: what dashboards show as query latency.
  const duration = new Histogram({
    name: 'tidemark_query_request_duration_seconds',
    help: 'Time taken to answer a request of the Prometheus HTTP API, by handler (route path).',
    labelNames: ['handler'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [ctx.metrics],
  });
  for (const r of api.routes) {
    ctx.router.add(r.methods, r.path, async (req, res, url) => {
      const end = duration.startTimer({ handler: r.path });
      try {
        await r.handler(req, res, url);
      } finally {
        end();
      }
    });
  }
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
    mountQueryApi(ctx, registryQueryable({ registry: shards.registry, config: ctx.config.query, partitionCount: ctx.config.bus.partitions }));
    const registry: Service = { name: 'shard-registry', start: async () => {}, ready: () => true, stop: () => shards.close() };
    return [registry];
  },
};
