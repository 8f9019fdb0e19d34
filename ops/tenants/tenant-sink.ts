import { OverloadedError, SinkUnavailableError } from '../../connectors/http-edge/index.js';
import { canonicalLabels, setLabel, type Labels } from '../../schemas/labels.js';
import type { HistogramValue } from '../../schemas/sample.js';
import type { AcknowledgedRecord, AppendOptions, Appender, SampleSink } from '../../schemas/sample-sink.js';
import { limitsOf, type TenantLimits, type TenantsConfig } from './config.js';
import type { SharedTenantLimits } from './redis-tenant-limits.js';
import type { TenantLimiter } from './tenant-limits.js';
import type { TenantMetrics } from './tenant-metrics.js';
import type { TenantRequest, TenantScope } from './tenant-scope.js';

/** Seconds a tenant over its limits is told to wait (Retry-After). */
const LIMIT_RETRY_AFTER_SECONDS = 1;

export interface TenantSinkSettings {
  readonly config: () => TenantsConfig;
  readonly scope: TenantScope;
  readonly limiter: TenantLimiter;
  readonly metrics: TenantMetrics;
  /** With --redis: the ingestion limits shared by the replicas, checked at commit instead of `limiter`. */
  readonly shared?: SharedTenantLimits;
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
  /**
   * Stamped label sets by the label object a connector appended, for shared (frozen) ones: the
   * connectors' label caches hand the same object for a series request after request, and what
   * is downstream (the bus sink's encoders) caches its work by object too, so the stamped object
   * must be the same one each time as well.
   */
  private readonly stamped = new WeakMap<Labels, StampedSeries>();

  constructor(
    private readonly inner: SampleSink,
    private readonly settings: TenantSinkSettings,
  ) {}

  appender(): Appender {
    return new TenantAppender(this.inner.appender(), this.settings, (labels, label, tenant) => this.stamp(labels, label, tenant));
  }

  private stamp(labels: Labels, label: string, tenant: string): StampedSeries {
    const cached = this.stamped.get(labels);
    if (cached !== undefined && cached.tenant === tenant && cached.label === label) return cached;
    const out = withTenant(labels, label, tenant);
    // A new object is frozen so that what is downstream may cache by it; the connector's own is left as it is.
    if (out !== labels) Object.freeze(out);
    const series = { tenant, label, labels: out, key: canonicalLabels(out) };
    if (Object.isFrozen(labels)) this.stamped.set(labels, series);
    return series;
  }
}

interface StampedSeries {
  readonly tenant: string;
  readonly label: string;
  readonly labels: Labels;
  /** Canonical form: the series' identity among the tenant's active series. */
  readonly key: string;
}

/** Samples taken from a tenant's rate at a time: one bucket operation per this many samples, not per sample. */
const RATE_BLOCK = 512;

class TenantAppender implements Appender {
  private lastIn: Labels | undefined;
  private lastOut: StampedSeries | undefined;
  /** The request the unit belongs to (appenders are made inside it), undefined outside any. */
  private readonly request: TenantRequest | undefined;
  /** The request's tenant: samples taken from its rate, the part not used yet, samples appended. */
  private requestTaken = 0;
  private requestUnused = 0;
  private requestAppended = 0;
  /** Outside a request, samples appended per tenant; per tenant, the series it did not have active. */
  private readonly appended = new Map<string, number>();
  private readonly newSeries = new Map<string, Set<string>>();
  private readonly now = Date.now();
  /** With shared limits: per tenant, the series (canonical keys) this unit appended. */
  private readonly touched = new Map<string, Set<string>>();
  readonly acknowledged?: () => readonly AcknowledgedRecord[];
  /** Present when the inner sink carries native histograms; counted against the limits as a sample. */
  readonly appendHistogram?: (labels: Labels, timestampMs: number, histogram: HistogramValue, opts?: AppendOptions) => void;

  constructor(
    private readonly inner: Appender,
    private readonly settings: TenantSinkSettings,
    private readonly stamp: (labels: Labels, label: string, tenant: string) => StampedSeries,
  ) {
    if (inner.acknowledged !== undefined) this.acknowledged = () => inner.acknowledged?.() ?? [];
    if (inner.appendHistogram !== undefined) {
      this.appendHistogram = (labels, timestampMs, histogram, opts) => inner.appendHistogram!(this.account(labels).labels, timestampMs, histogram, opts);
    }
    this.request = settings.scope.current();
  }

  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void {
    this.inner.append(this.account(labels).labels, timestampMs, value, opts);
  }

  /** Stamps `labels` with their tenant and counts one sample against its limits. */
  private account(labels: Labels): StampedSeries {
    const config = this.settings.config();
    const request = this.request;
    const tenant = request?.tenant ?? labels[config.label] ?? config.default_tenant;
    let series = this.lastOut;
    // Connectors append one label object for all the samples of a series.
    if (labels !== this.lastIn || series === undefined || series.tenant !== tenant) {
      series = this.stamp(labels, config.label, tenant);
      this.lastIn = labels;
      this.lastOut = series;
      if (this.settings.shared === undefined) this.trackSeries(tenant, series.key, request !== undefined);
      else this.touch(tenant, series.key);
    }
    if (request !== undefined && this.settings.shared !== undefined) {
      // Counted here, taken from the shared rate at commit.
      this.requestAppended++;
    } else if (request !== undefined) {
      // One tenant for the whole unit: counted in plain fields, not per-tenant maps.
      if (this.requestUnused > 0) this.requestUnused--;
      else this.takeRate(tenant);
      this.requestAppended++;
    } else {
      this.appended.set(tenant, (this.appended.get(tenant) ?? 0) + 1);
    }
    return series;
  }

  async commit(): Promise<void> {
    if (this.settings.shared !== undefined) return this.commitShared(this.settings.shared);
    this.giveBackUnused();
    try {
      await this.inner.commit();
    } catch (err) {
      this.giveBackTaken();
      throw err;
    }
    if (this.request !== undefined && this.requestAppended > 0) this.appended.set(this.request.tenant, this.requestAppended);
    for (const [tenant, keys] of this.newSeries) this.settings.limiter.markActive(tenant, keys);
    for (const [tenant, n] of this.appended) this.settings.metrics.samplesReceived.inc({ tenant }, n);
  }

  /**
   * With limits shared through Redis: the request's samples and series are admitted as a whole
   * before the bus sees them (refused: nothing stored, 429); a Redis that does not answer fails the
   * push with 503, which its sender retries, rather than letting it past unlimited.
   */
  private async commitShared(shared: SharedTenantLimits): Promise<void> {
    const config = this.settings.config();
    const request = this.request;
    let limits: TenantLimits | undefined;
    if (request !== undefined && this.requestAppended > 0) {
      const tenant = request.tenant;
      limits = limitsOf(config, tenant);
      let verdict;
      try {
        verdict = await shared.admit(tenant, this.requestAppended, this.touched.get(tenant) ?? new Set(), limits, config.active_series_idle_timeout);
      } catch (err) {
        this.inner.rollback();
        throw new SinkUnavailableError(`samples not stored: the tenant limits shared in Redis could not be checked: ${(err as Error).message}`, LIMIT_RETRY_AFTER_SECONDS, { cause: err });
      }
      if (verdict !== 'ok') {
        this.inner.rollback();
        this.refuse(tenant, verdict, verdict === 'ingestion_rate' ? rateMessage(tenant, limits) : seriesMessage(tenant, limits));
      }
    }
    try {
      await this.inner.commit();
    } catch (err) {
      if (request !== undefined && limits !== undefined) shared.giveBack(request.tenant, this.requestAppended, limits);
      throw err;
    }
    if (request !== undefined && this.requestAppended > 0) this.appended.set(request.tenant, this.requestAppended);
    for (const [tenant, keys] of this.touched) if (tenant !== request?.tenant) shared.touch(tenant, keys, config.active_series_idle_timeout);
    for (const [tenant, n] of this.appended) this.settings.metrics.samplesReceived.inc({ tenant }, n);
  }

  /** With shared limits: notes the series for the check at commit. */
  private touch(tenant: string, key: string): void {
    let keys = this.touched.get(tenant);
    if (keys === undefined) this.touched.set(tenant, (keys = new Set()));
    keys.add(key);
  }

  rollback(): void {
    this.giveBackUnused();
    this.giveBackTaken();
    this.inner.rollback();
  }

  /** Takes from the tenant's rate for the next sample: a block when the bucket holds one, else the one sample. */
  private takeRate(tenant: string): void {
    const limiter = this.settings.limiter;
    // The single-sample fallback: a push that fits the bucket exactly is not refused for the block.
    const got = limiter.takeSamples(tenant, RATE_BLOCK) ? RATE_BLOCK : limiter.takeSamples(tenant, 1) ? 1 : 0;
    if (got > 0) {
      this.requestTaken += got;
      this.requestUnused = got - 1;
      return;
    }
    this.refuse(tenant, 'ingestion_rate', rateMessage(tenant, limitsOf(this.settings.config(), tenant)));
  }

  /** Counts the series toward the tenant's active series; a request's new series beyond max_active_series is refused. */
  private trackSeries(tenant: string, key: string, inRequest: boolean): void {
    const limiter = this.settings.limiter;
    // An active series is refreshed at once (a push that then fails keeps it active a little longer,
    // which limits nothing); a new one counts only once its push is stored.
    if (limiter.refresh(tenant, key, this.now)) return;
    let fresh = this.newSeries.get(tenant);
    if (fresh === undefined) this.newSeries.set(tenant, (fresh = new Set()));
    if (fresh.has(key)) return;
    fresh.add(key);
    if (inRequest && !limiter.mayAddSeries(tenant, fresh.size)) {
      this.refuse(tenant, 'max_active_series', seriesMessage(tenant, limitsOf(this.settings.config(), tenant)));
    }
  }

  private refuse(tenant: string, limit: string, message: string): never {
    this.settings.metrics.limitRefusals.inc({ tenant, limit });
    throw new OverloadedError(message, LIMIT_RETRY_AFTER_SECONDS);
  }

  /** Returns the part of the last block this unit did not use. */
  private giveBackUnused(): void {
    if (this.request !== undefined && this.requestUnused > 0) this.settings.limiter.returnSamples(this.request.tenant, this.requestUnused);
    this.requestTaken -= this.requestUnused;
    this.requestUnused = 0;
  }

  /** Returns all this unit took from its tenant's rate: nothing of it was stored. */
  private giveBackTaken(): void {
    if (this.request !== undefined && this.requestTaken > 0) this.settings.limiter.returnSamples(this.request.tenant, this.requestTaken);
    this.requestTaken = 0;
  }
}

/** Mimir's words for a tenant over its ingestion rate. */
function rateMessage(tenant: string, l: TenantLimits): string {
  return `the request has been rejected because the tenant ${JSON.stringify(tenant)} exceeded its ingestion rate limit, set to ${l.ingestion_rate} samples/s with a maximum allowed burst of ${l.ingestion_burst_size > 0 ? l.ingestion_burst_size : l.ingestion_rate} (tenants.limits.ingestion_rate)`;
}

function seriesMessage(tenant: string, l: TenantLimits): string {
  return `per-tenant series limit of ${l.max_active_series} exceeded for tenant ${JSON.stringify(tenant)} (tenants.limits.max_active_series)`;
}

/** `labels` with the tenant label set to `tenant` (a new object: label objects are immutable). */
export function withTenant(labels: Labels, label: string, tenant: string): Labels {
  if (labels[label] === tenant) return labels;
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels)) setLabel(out, name, labels[name]);
  out[label] = tenant;
  return out;
}
