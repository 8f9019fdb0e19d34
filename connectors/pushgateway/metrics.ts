import { Counter, Gauge, type Registry } from 'prom-client';

/** Pushgateway-specific metrics, beside the http edge's received/accepted/rejected set. */
export class PushgatewayMetrics {
  readonly groups: Gauge;
  readonly emittedSamples: Counter;
  readonly staleMarkers: Counter;
  readonly expiredGroups: Counter;
  private readonly errors: Counter<'type' | 'stage'>;

  constructor(registry: Registry) {
    this.groups = reuse(registry, 'tidemark_pushgateway_groups', () => new Gauge({ name: 'tidemark_pushgateway_groups', help: 'Groups held by the Pushgateway connector.', registers: [registry] }));
    this.emittedSamples = reuse(registry, 'tidemark_pushgateway_emitted_samples_total', () =>
      new Counter({ name: 'tidemark_pushgateway_emitted_samples_total', help: 'Samples of pushed groups handed to the sink (markers included).', registers: [registry] }),
    );
    this.staleMarkers = reuse(registry, 'tidemark_pushgateway_stale_markers_total', () =>
      new Counter({ name: 'tidemark_pushgateway_stale_markers_total', help: 'Staleness markers for series of replaced, deleted or expired groups.', registers: [registry] }),
    );
    this.expiredGroups = reuse(registry, 'tidemark_pushgateway_expired_groups_total', () =>
      new Counter({ name: 'tidemark_pushgateway_expired_groups_total', help: 'Groups deleted by group_ttl.', registers: [registry] }),
    );
    this.errors = reuse(registry, 'tidemark_pushgateway_errors_total', () =>
      new Counter({ name: 'tidemark_pushgateway_errors_total', help: 'Errors by type and stage (emit, persist).', labelNames: ['type', 'stage'], registers: [registry] }),
    );
  }

  error(type: string, stage: string): void {
    this.errors.inc({ type, stage });
  }
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
