import { Counter, Gauge, type Registry } from 'prom-client';

/** Per-tenant usage on the role's /metrics, labelled `tenant`. */
export class TenantMetrics {
  readonly samplesReceived: Counter<'tenant'>;
  readonly limitRefusals: Counter<'tenant' | 'limit'>;
  readonly queries: Counter<'tenant' | 'endpoint'>;
  readonly querySamples: Counter<'tenant'>;
  readonly requestsRefused: Counter<'reason'>;

  constructor(registry: Registry, activeSeries: { tenants(): string[]; activeSeries(tenant: string): number }) {
    this.samplesReceived = new Counter({
      name: 'tidemark_tenant_samples_received_total',
      help: 'Samples a tenant pushed that were stored (acknowledged by the bus).',
      labelNames: ['tenant'],
      registers: [registry],
    });
    this.limitRefusals = new Counter({
      name: 'tidemark_tenant_limit_refusals_total',
      help: 'Requests of a tenant refused with 429 by one of its limits (ingestion_rate, max_active_series, max_query_samples).',
      labelNames: ['tenant', 'limit'],
      registers: [registry],
    });
    this.queries = new Counter({
      name: 'tidemark_tenant_queries_total',
      help: 'Read requests of a tenant (query, query_range, series, labels, label values, federate, remote read, exemplars), by endpoint.',
      labelNames: ['tenant', 'endpoint'],
      registers: [registry],
    });
    this.querySamples = new Counter({
      name: 'tidemark_tenant_query_samples_total',
      help: 'Samples the queries of a tenant read from storage.',
      labelNames: ['tenant'],
      registers: [registry],
    });
    this.requestsRefused = new Counter({
      name: 'tidemark_tenant_requests_refused_total',
      help: 'Requests of tenants refused before any handler: no_tenant (401), invalid_tenant (400), other_tenant (403: a mapped user naming another), not_per_tenant (403: an endpoint showing every tenant), not_found (404: another tenant\'s silence), bad_request (400: a selector or body that cannot be confined).',
      labelNames: ['reason'],
      registers: [registry],
    });
    new Gauge({
      name: 'tidemark_tenant_active_series',
      help: 'Series a tenant pushed within tenants.active_series_idle_timeout (what max_active_series limits).',
      labelNames: ['tenant'],
      registers: [registry],
      collect() {
        this.reset();
        for (const t of activeSeries.tenants()) this.set({ tenant: t }, activeSeries.activeSeries(t));
      },
    });
  }
}
