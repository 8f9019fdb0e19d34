import type { IncomingMessage } from 'node:http';
import type { Registry } from 'prom-client';
import type { MetadataReader } from '../../pipeline/query/index.js';
import type { Queryable } from '../../pipeline/tsdb/index.js';
import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import type { SilenceOwnership } from './alerting-scoping.js';
import type { TenantsConfig } from './config.js';
import { TenantGate } from './tenant-gate.js';
import { RedisTenantLimits, type SharedTenantLimits } from './redis-tenant-limits.js';
import { TenantLimiter } from './tenant-limits.js';
import { TenantMetrics } from './tenant-metrics.js';
import { TenantExemplarSink } from './tenant-exemplar-sink.js';
import { TenantMetadataReader, TenantMetadataSink } from './tenant-metadata.js';
import { TenantCountingQueryable } from './tenant-queryable.js';
import { TenantScope } from './tenant-scope.js';
import { TenantSink } from './tenant-sink.js';

/**
 * Multi-tenancy of one role process (`tenants.enabled`): the gate its HTTP listener routes
 * through, and the wrappers for the sink its connectors write to and the storage its query API
 * reads, all sharing the tenant of the request in progress, the limits and the usage metrics.
 */
export class Tenancy {
  readonly scope = new TenantScope();
  readonly limiter: TenantLimiter;
  readonly metrics: TenantMetrics;
  private config: TenantsConfig;
  private silences: () => Promise<readonly SilenceOwnership[]> = async () => [];
  private shared: SharedTenantLimits | undefined;

  /**
   * `sharedLimits`: where the ingestion limits are shared with the other replicas (the role's
   * Redis); without it each process enforces them on what it receives.
   */
  constructor(
    config: TenantsConfig,
    registry: Registry,
    private readonly sharedLimits?: { readonly redisUrl: string; readonly onError: (err: Error, what: string) => void },
  ) {
    this.config = config;
    this.limiter = new TenantLimiter(config);
    this.metrics = new TenantMetrics(registry, {
      tenants: () => (this.shared ?? this.limiter).tenants(),
      activeSeries: (t) => (this.shared ?? this.limiter).activeSeries(t),
    });
  }

  /** Closes the connection of the shared limits. */
  async close(): Promise<void> {
    await this.shared?.close();
  }

  /** Users, limits and overrides of a reloaded configuration (turning tenancy on or off needs a restart: restart-only-settings.ts). */
  applyConfig(config: TenantsConfig): void {
    this.config = config;
    this.limiter.applyConfig(config);
  }

  gate(authenticatedUser: (req: IncomingMessage) => string | undefined): TenantGate {
    return new TenantGate({
      config: () => this.config,
      scope: this.scope,
      metrics: this.metrics,
      authenticatedUser,
      silences: () => this.silences(),
    });
  }

  /** Where the role's notifier keeps its silences (the gate tells whose a silence is). */
  useSilences(list: () => Promise<readonly SilenceOwnership[]>): void {
    this.silences = list;
  }

  sink(inner: SampleSink): SampleSink {
    // Connected here, by the roles that take samples, not by every role that has a Redis.
    if (this.sharedLimits !== undefined) this.shared ??= new RedisTenantLimits(this.sharedLimits.redisUrl, this.sharedLimits.onError);
    return new TenantSink(inner, { config: () => this.config, scope: this.scope, limiter: this.limiter, metrics: this.metrics, shared: this.shared });
  }

  exemplars(inner: ExemplarSink): ExemplarSink {
    return new TenantExemplarSink(inner, { config: () => this.config, scope: this.scope });
  }

  /** Metadata pushed in a request is the request's tenant's. */
  metadata(inner: MetadataSink): MetadataSink {
    return new TenantMetadataSink(inner, { config: () => this.config, scope: this.scope });
  }

  /** The metadata a tenant's request sees: its own. */
  metadataReader(inner: MetadataReader): MetadataReader {
    return new TenantMetadataReader(inner, { config: () => this.config, scope: this.scope });
  }

  queryable(inner: Queryable): Queryable {
    return new TenantCountingQueryable(inner, { config: () => this.config, scope: this.scope, metrics: this.metrics });
  }
}
