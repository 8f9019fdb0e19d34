import type { MetadataReader, MetadataSource } from '../../pipeline/query/index.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import type { MetricMetadataSnapshot } from '../../schemas/metric-metadata-codec.js';
import type { TenantsConfig } from './config.js';
import type { TenantScope } from './tenant-scope.js';

interface TenantMetadataSettings {
  readonly config: () => TenantsConfig;
  readonly scope: TenantScope;
}

/**
 * Metric metadata carries its tenant as samples do: what a request pushes (remote_write, OTLP)
 * is the request's tenant's, whatever tenant the snapshot named. A scrape's metadata, announced
 * outside any request, belongs to its target's tenant (the target's tenant label).
 */
export class TenantMetadataSink implements MetadataSink {
  constructor(
    private readonly inner: MetadataSink,
    private readonly settings: TenantMetadataSettings,
  ) {}

  announce(snapshot: MetricMetadataSnapshot): void {
    const tenant = this.settings.scope.current()?.tenant;
    if (tenant === undefined) {
      this.inner.announce(snapshot);
      return;
    }
    this.inner.announce({ ...snapshot, tenant });
  }
}

/** Whose a source's metadata is: its pushing tenant, else its target's tenant label, else the default tenant's (as its samples'). */
export function metadataTenant(s: MetadataSource, config: TenantsConfig): string {
  return s.tenant ?? s.target[config.label] ?? config.default_tenant;
}

/**
 * The metadata catalog as a tenant's request sees it (`/api/v1/metadata`, `/api/v1/targets/metadata`):
 * the sources that are the tenant's only. Outside a tenant's request (an operator's) every source.
 */
export class TenantMetadataReader implements MetadataReader {
  constructor(
    private readonly inner: MetadataReader,
    private readonly settings: TenantMetadataSettings,
  ) {}

  sources(): readonly MetadataSource[] {
    const all = this.inner.sources();
    const tenant = this.settings.scope.current()?.tenant;
    if (tenant === undefined) return all;
    const config = this.settings.config();
    return all.filter((s) => metadataTenant(s, config) === tenant);
  }
}
