import { OverloadedError } from '../../connectors/http-edge/index.js';
import { canonicalLabels, setLabel, type Labels } from '../../schemas/labels.js';
import type { AcknowledgedRecord, AppendOptions, Appender, SampleSink } from '../../schemas/sample-sink.js';
import { limitsOf, type TenantsConfig } from './config.js';
import type { TenantLimiter } from './tenant-limits.js';
import type { TenantMetrics } from './tenant-metrics.js';
import type { TenantScope } from './tenant-scope.js';

/** Seconds a tenant over its limits is told to wait (Retry-After). */
const LIMIT_RETRY_AFTER_SECONDS = 1;

export interface TenantSinkSettings {
  readonly config: () => TenantsConfig;
  readonly scope: TenantScope;
  readonly limiter: TenantLimiter;
  readonly metrics: TenantMetrics;
}

/**
 * Puts the tenant label on every sample before the bus sees it. A sample pushed in a request gets
 * the request's tenant, whatever label value the sender wrote (a forged label is overwritten),
 * and counts against that tenant's limits: over them, append throws OverloadedError and the push
 * is answered 429 with nothing stored. A sample appended outside a request (scrape loops, NATS
 * inputs, the Pushgateway re-emitting its groups) keeps the tenant label it has, which the
 * operator's configuration (relabeling, a Pushgateway grouping key) gave it, or gets
 * `default_tenant`.
 */
export class TenantSink implements SampleSink {
  constructor(
    private readonly inner: SampleSink,
    private readonly settings: TenantSinkSettings,
  ) {}

  appender(): Appender {
    return new TenantAppender(this.inner.appender(), this.settings);
  }
}

class TenantAppender implements Appender {
  private lastIn: Labels | undefined;
  private lastOut: Labels | undefined;
  /** Per tenant of this unit: samples taken from its rate, and series new to its active set. */
  private readonly taken = new Map<string, number>();
  private readonly appended = new Map<string, number>();
  private readonly newSeries = new Map<string, Set<string>>();
  private readonly seenSeries = new Map<string, Set<string>>();
  readonly acknowledged?: () => readonly AcknowledgedRecord[];

  constructor(
    private readonly inner: Appender,
    private readonly settings: TenantSinkSettings,
  ) {
    if (inner.acknowledged !== undefined) this.acknowledged = () => inner.acknowledged?.() ?? [];
  }

  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void {
    const config = this.settings.config();
    const request = this.settings.scope.current();
    const tenant = request?.tenant ?? labels[config.label] ?? config.default_tenant;
    let stamped: Labels;
    // Connectors append one label object for all the samples of a series: stamp it once.
    if (labels === this.lastIn && this.lastOut !== undefined && this.lastOut[config.label] === tenant) stamped = this.lastOut;
    else {
      stamped = withTenant(labels, config.label, tenant);
      this.lastIn = labels;
      this.lastOut = stamped;
      this.trackSeries(tenant, stamped, request !== undefined);
    }
    if (request !== undefined) this.takeRate(tenant);
    this.appended.set(tenant, (this.appended.get(tenant) ?? 0) + 1);
    this.inner.append(stamped, timestampMs, value, opts);
  }

  async commit(): Promise<void> {
    try {
      await this.inner.commit();
    } catch (err) {
      this.giveBack();
      throw err;
    }
    for (const [tenant, keys] of this.seenSeries) this.settings.limiter.markActive(tenant, keys);
    for (const [tenant, n] of this.appended) this.settings.metrics.samplesReceived.inc({ tenant }, n);
  }

  rollback(): void {
    this.giveBack();
    this.inner.rollback();
  }

  private takeRate(tenant: string): void {
    if (this.settings.limiter.takeSamples(tenant, 1)) {
      this.taken.set(tenant, (this.taken.get(tenant) ?? 0) + 1);
      return;
    }
    const l = limitsOf(this.settings.config(), tenant);
    this.refuse(tenant, 'ingestion_rate', `the request has been rejected because the tenant ${JSON.stringify(tenant)} exceeded its ingestion rate limit, set to ${l.ingestion_rate} samples/s with a maximum allowed burst of ${l.ingestion_burst_size > 0 ? l.ingestion_burst_size : l.ingestion_rate} (tenants.limits.ingestion_rate)`);
  }

  /** Counts the series toward the tenant's active series; a request's new series beyond max_active_series is refused. */
  private trackSeries(tenant: string, labels: Labels, inRequest: boolean): void {
    const key = canonicalLabels(labels);
    let seen = this.seenSeries.get(tenant);
    if (seen === undefined) this.seenSeries.set(tenant, (seen = new Set()));
    if (seen.has(key)) return;
    seen.add(key);
    const limiter = this.settings.limiter;
    if (limiter.isActive(tenant, key)) return;
    let fresh = this.newSeries.get(tenant);
    if (fresh === undefined) this.newSeries.set(tenant, (fresh = new Set()));
    fresh.add(key);
    if (inRequest && !limiter.mayAddSeries(tenant, fresh.size)) {
      const max = limitsOf(this.settings.config(), tenant).max_active_series;
      this.refuse(tenant, 'max_active_series', `per-tenant series limit of ${max} exceeded for tenant ${JSON.stringify(tenant)} (tenants.limits.max_active_series)`);
    }
  }

  private refuse(tenant: string, limit: string, message: string): never {
    this.settings.metrics.limitRefusals.inc({ tenant, limit });
    throw new OverloadedError(message, LIMIT_RETRY_AFTER_SECONDS);
  }

  private giveBack(): void {
    for (const [tenant, n] of this.taken) this.settings.limiter.returnSamples(tenant, n);
    this.taken.clear();
  }
}

/** `labels` with the tenant label set to `tenant` (a new object: label objects are immutable). */
export function withTenant(labels: Labels, label: string, tenant: string): Labels {
  if (labels[label] === tenant) return labels;
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels)) setLabel(out, name, labels[name]);
  out[label] = tenant;
  return out;
}
