import { limitsOf, type TenantsConfig } from './config.js';

/** A token bucket: `rate` tokens a second up to `burst`. */
class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private rate: number,
    private burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  configure(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  take(n: number, now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  give(n: number): void {
    this.tokens = Math.min(this.burst, this.tokens + n);
  }
}

/** A tenant's series seen within the idle timeout: key → last push (ms). */
class ActiveSeries {
  readonly lastSeen = new Map<string, number>();
  private prunedAt = 0;

  /** Forgets series idle for longer than `idleMs`; at most once every tenth of the timeout, as it walks every series. */
  prune(now: number, idleMs: number): void {
    if (now - this.prunedAt < idleMs / 10) return;
    this.prunedAt = now;
    for (const [key, t] of this.lastSeen) if (now - t > idleMs) this.lastSeen.delete(key);
  }
}

/**
 * The per-tenant limits of one ingest process: ingestion rate (samples/s with a burst) and active
 * series, as Mimir's distributors and ingesters enforce them. Each process enforces the full
 * limits for what it receives; they are not divided among replicas.
 */
export class TenantLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly series = new Map<string, ActiveSeries>();

  constructor(
    private config: TenantsConfig,
    private readonly now: () => number = Date.now,
  ) {}

  applyConfig(config: TenantsConfig): void {
    this.config = config;
    for (const [tenant, b] of this.buckets) {
      const l = limitsOf(config, tenant);
      b.configure(l.ingestion_rate, burstOf(l.ingestion_rate, l.ingestion_burst_size));
    }
  }

  /** Takes `n` samples from the tenant's rate; false (nothing taken) when they exceed it. */
  takeSamples(tenant: string, n: number): boolean {
    const l = limitsOf(this.config, tenant);
    if (l.ingestion_rate <= 0) return true;
    let b = this.buckets.get(tenant);
    if (b === undefined) {
      b = new Bucket(l.ingestion_rate, burstOf(l.ingestion_rate, l.ingestion_burst_size), this.now());
      this.buckets.set(tenant, b);
    }
    return b.take(n, this.now());
  }

  /** Gives back samples taken for a push that was not stored after all. */
  returnSamples(tenant: string, n: number): void {
    this.buckets.get(tenant)?.give(n);
  }

  /** Whether the series (canonical key) counts as active for the tenant already. */
  isActive(tenant: string, key: string): boolean {
    return this.series.get(tenant)?.lastSeen.has(key) ?? false;
  }

  /** Whether the series is active for the tenant; if so, it counts as pushed at `now` from here on. */
  refresh(tenant: string, key: string, now: number): boolean {
    const seen = this.series.get(tenant)?.lastSeen;
    if (seen === undefined || !seen.has(key)) return false;
    seen.set(key, now);
    return true;
  }

  /** Whether the tenant may have `added` more active series. */
  mayAddSeries(tenant: string, added: number): boolean {
    const max = limitsOf(this.config, tenant).max_active_series;
    return max <= 0 || this.activeSeries(tenant) + added <= max;
  }

  /** Records series as pushed now (after their push was stored). */
  markActive(tenant: string, keys: Iterable<string>): void {
    let s = this.series.get(tenant);
    if (s === undefined) {
      s = new ActiveSeries();
      this.series.set(tenant, s);
    }
    const now = this.now();
    for (const k of keys) s.lastSeen.set(k, now);
  }

  /** The tenant's active series now. */
  activeSeries(tenant: string): number {
    const s = this.series.get(tenant);
    if (s === undefined) return 0;
    s.prune(this.now(), this.config.active_series_idle_timeout);
    return s.lastSeen.size;
  }

  /** Tenants with series tracked. */
  tenants(): string[] {
    return [...this.series.keys()];
  }
}

function burstOf(rate: number, burst: number): number {
  return burst > 0 ? burst : rate;
}
