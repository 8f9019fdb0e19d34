/**
 * The push endpoints' age bound follows the stores' retention unless set: a sample older than
 * `store.retention_ms` would be acknowledged and then deleted at the store's next compaction, so
 * the edge refuses it with 400 instead (a 2xx means stored). Every role takes it from the
 * configuration it loads, `tidemark ingest` too: ingest and store roles normally share one
 * `tidemark.yml`; where they do not, set `limits.max_age_ms` explicitly.
 */

import type { EdgeLimitsConfig } from '../../connectors/http-edge/index.js';

/** The connectors under `ingest` that take `limits`. */
const PUSH_CONNECTORS = ['remote_write', 'influx', 'otlp', 'import', 'pushgateway'] as const;

type PushConnector = (typeof PUSH_CONNECTORS)[number];

interface AgeBoundInput {
  readonly ingest: { readonly [K in PushConnector]: { readonly limits: EdgeLimitsConfig } };
  readonly store: { readonly retention_ms: number };
}

/**
 * `cfg` with each push connector's unset `limits.max_age_ms` set to `store.retention_ms` (0, keep
 * forever, leaves it unbounded). An explicit value, 0 included, stays.
 */
export function ingestAgeFollowsRetention<C extends AgeBoundInput>(cfg: C): C {
  const retention = cfg.store.retention_ms;
  const ingest: Record<string, unknown> = { ...cfg.ingest };
  for (const name of PUSH_CONNECTORS) {
    const connector = cfg.ingest[name];
    if (connector.limits.max_age_ms !== undefined) continue;
    // New objects: a section's default value may be shared between parses.
    ingest[name] = { ...connector, limits: { ...connector.limits, max_age_ms: retention } };
  }
  return { ...cfg, ingest };
}
