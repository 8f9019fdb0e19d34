import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import type { TenantsConfig } from './config.js';
import type { TenantScope } from './tenant-scope.js';
import { withTenant } from './tenant-sink.js';

/**
 * Exemplars labelled as their series are (TenantSink): the series of an exemplar pushed in a
 * request gets the request's tenant, so the tenant's rewritten exemplar queries find it.
 */
export class TenantExemplarSink implements ExemplarSink {
  constructor(
    private readonly inner: ExemplarSink,
    private readonly settings: { readonly config: () => TenantsConfig; readonly scope: TenantScope },
  ) {}

  record(...[exemplars]: Parameters<ExemplarSink['record']>): void {
    const config = this.settings.config();
    const tenant = this.settings.scope.current()?.tenant;
    this.inner.record(
      exemplars.map((e) => ({ ...e, series: withTenant(e.series, config.label, tenant ?? e.series[config.label] ?? config.default_tenant) })),
    );
  }
}
