import { busStatus, type KnownGroup } from '../../pipeline/bus/bus-status.js';
import type { TidemarkConfig } from '../config/index.js';
import type { BusService } from './bus-service.js';
import type { RoleContext } from './run-role.js';

/** The consumer groups this configuration runs: reported when the brokers cannot list groups. */
export function configuredGroups(cfg: TidemarkConfig): KnownGroup[] {
  const { samples, aggregates } = cfg.bus.topics;
  return [
    { group: cfg.store.group, topic: samples },
    { group: `${cfg.store.group}.aggregates`, topic: aggregates },
    { group: 'rules', topic: samples },
    { group: 'rules.aggregates', topic: aggregates },
    { group: cfg.aggregation.group ?? `${cfg.store.group}.aggregate`, topic: samples },
  ];
}

/**
 * `GET /api/v1/status/bus` on every role with a bus (up, ingest, store, rules): topics with
 * each partition's low and high offsets, consumer groups with committed offset and lag per
 * partition (see pipeline/bus/bus-status.ts), in Prometheus' JSON envelope.
 */
export function mountBusStatus(ctx: RoleContext, bus: BusService): void {
  ctx.router.add('GET', '/api/v1/status/bus', async (_req, res) => {
    let body: string;
    let status = 200;
    try {
      const s = await busStatus(bus.bus, configuredGroups(ctx.config));
      body = JSON.stringify({
        status: 'success',
        data: { type: ctx.config.bus.type, topics: s.topics, groups: s.groups },
        ...(s.warnings.length > 0 ? { warnings: s.warnings } : {}),
      });
    } catch (err) {
      status = 503;
      body = JSON.stringify({ status: 'error', errorType: 'unavailable', error: `bus status: ${err instanceof Error ? err.message : String(err)}` });
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}
