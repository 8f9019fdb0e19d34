import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { alertmanagerRenderer, type TemplateRenderer } from '../receivers/index.js';
import { isResolvedAt, type Alert } from './alert.js';
import { sleep, systemClock, type Clock } from './clock.js';
import type { AlertmanagerConfig } from './config/index.js';
import { DEFAULT_RETRY, type RetryPolicy } from './deliver.js';
import { groupKey, groupLabels } from './group-key.js';
import { flushGroup, type FlushContext, type NotifyLogger } from './group-flush.js';
import { NotifyMetrics } from './metrics.js';
import { buildNotifierPlan, type NotifierPlan } from './notifier-plan.js';
import type { GroupInsert, NotifyStateStore } from './notify-state-store.js';
import { TenantPlans } from './tenant-plans.js';

export interface DispatcherSettings {
  readonly store: NotifyStateStore;
  readonly clock?: Clock;
  /** Names this replica in lease tokens; random by default. */
  readonly replicaId?: string;
  readonly externalURL?: string;
  /** How long a claimed group stays with this replica without renewal (default 30 s). */
  readonly leaseMs?: number;
  /** Longest sleep between looks for due groups (default 50 ms): other replicas' new groups are seen this late at worst. */
  readonly pollMs?: number;
  /** Groups flushed at once by this replica (default 64). */
  readonly maxInFlight?: number;
  readonly retry?: RetryPolicy;
  readonly metrics?: NotifyMetrics;
  readonly logger?: NotifyLogger;
  readonly templates?: TemplateRenderer;
  /** Resolved alerts are kept this long for the API before being deleted (default 15 min). */
  readonly resolvedRetentionMs?: number;
  /** Expired silences are kept this long (Alertmanager's --data.retention, default 120 h). */
  readonly silenceRetentionMs?: number;
  /** The label naming an alert's tenant: each tenant's alerts are grouped and inhibited apart. */
  readonly tenantLabel?: string;
}

const quietLogger: NotifyLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Alertmanager's dispatcher over a shared store: incoming alerts are routed and put into
 * aggregation groups; due groups are claimed (one replica at a time per group) and flushed.
 * Any number of dispatchers may share one store. Lifecycle: start(), applyConfig(), stop()
 * (idempotent, safe without start, waits for flushes in progress).
 */
export class Dispatcher {
  private plansValue: TenantPlans;
  private readonly store: NotifyStateStore;
  private readonly clock: Clock;
  private readonly replicaId: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxInFlight: number;
  private readonly templates: TemplateRenderer;
  readonly metrics: NotifyMetrics;
  private readonly logger: NotifyLogger;
  private readonly inFlight = new Set<Promise<void>>();
  private abort = new AbortController();
  private stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Set by new alerts; the loop checks it before it sleeps, so a wake-up while it is busy is not lost. */
  private woken = false;
  private lastGc = 0;

  constructor(config: AlertmanagerConfig, private readonly settings: DispatcherSettings) {
    this.store = settings.store;
    this.clock = settings.clock ?? systemClock;
    this.replicaId = settings.replicaId ?? randomBytes(6).toString('hex');
    this.leaseMs = settings.leaseMs ?? 30_000;
    this.pollMs = settings.pollMs ?? 50;
    this.maxInFlight = settings.maxInFlight ?? 64;
    this.templates = settings.templates ?? alertmanagerRenderer(loadTemplateFiles(config));
    this.metrics = settings.metrics ?? new NotifyMetrics();
    this.logger = settings.logger ?? quietLogger;
    this.plansValue = new TenantPlans(buildNotifierPlan(config, this.templates), new Map(), settings.tenantLabel);
    setMaxListeners(0, this.abort.signal);
  }

  /** The main configuration's plan (every tenant's without one of its own). */
  get plan(): NotifierPlan {
    return this.plansValue.main;
  }

  get plans(): TenantPlans {
    return this.plansValue;
  }

  get id(): string {
    return this.replicaId;
  }

  /** The main configuration and the tenants' own (each with its templates); groups of routes that are gone are re-routed at their next flush. */
  applyConfig(
    config: AlertmanagerConfig,
    templates?: TemplateRenderer,
    tenants: ReadonlyMap<string, { readonly config: AlertmanagerConfig; readonly templates: TemplateRenderer }> = new Map(),
  ): void {
    const byTenant = new Map<string, NotifierPlan>();
    for (const [tenant, t] of tenants) byTenant.set(tenant, buildNotifierPlan(t.config, t.templates));
    this.plansValue = new TenantPlans(buildNotifierPlan(config, templates ?? this.templates), byTenant, this.settings.tenantLabel);
  }

  /** Store alerts (merged over earlier versions) and add them to their groups. */
  async putAlerts(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const now = this.clock.now();
    const stored = await this.store.putAlerts(alerts, now);
    await this.route(stored, now);
  }

  private async route(alerts: readonly Alert[], now: number): Promise<void> {
    const inserts: GroupInsert[] = [];
    const plans = this.plansValue;
    for (const a of alerts) {
      const tenant = plans.tenantOf(a.labels);
      for (const r of plans.planFor(tenant).tree.match(a.labels)) {
        const gl = groupLabels(r, a.labels);
        inserts.push({
          meta: { groupKey: plans.groupKey(tenant, groupKey(r, gl)), routeId: r.id, receiver: r.opts.receiver, labels: gl, createdAt: now, ...(tenant === undefined ? {} : { tenant }) },
          fingerprint: a.fingerprint,
          startsAt: a.startsAt,
          groupWait: r.opts.groupWait,
        });
      }
    }
    await this.store.insertIntoGroups(inserts, now);
    this.woken = true;
    this.wake?.();
  }

  /** Claim every group due now and flush them; resolves when all are done. For tests and shutdown. */
  async tick(): Promise<number> {
    let total = 0;
    for (;;) {
      const started = await this.claimAndFlush(this.maxInFlight);
      await Promise.all(started);
      total += started.length;
      if (started.length < this.maxInFlight) return total;
    }
  }

  private async claimAndFlush(limit: number): Promise<Promise<void>[]> {
    if (limit <= 0) return [];
    const now = this.clock.now();
    const claimed = await this.store.claimDueGroups(this.replicaId, now, this.leaseMs, limit);
    if (claimed.length === 0) return [];
    const plans = this.plansValue;
    const [silences, firing] = await Promise.all([
      this.store.listSilences(),
      plans.hasInhibitRules() ? this.store.getAlerts().then((all) => all.filter((a) => !isResolvedAt(a, now)).map((a) => a.labels)) : Promise.resolve([]),
    ]);
    const firingByTenant = plans.byTenantOf(firing);
    const shared = {
      store: this.store, clock: this.clock, retry: this.settings.retry ?? DEFAULT_RETRY, metrics: this.metrics, logger: this.logger,
      externalURL: this.settings.externalURL ?? '', leaseMs: this.leaseMs, silences, signal: this.abort.signal,
      reroute: (alerts: Parameters<FlushContext['reroute']>[0]) => this.route(alerts, this.clock.now()),
    };
    return claimed.map((c) => {
      // A group follows its tenant's configuration; only that tenant's alerts inhibit its alerts.
      const ctx: FlushContext = { ...shared, plan: plans.planFor(c.meta.tenant), firing: firingByTenant.get(c.meta.tenant) ?? [] };
      const p = flushGroup(ctx, c).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      return p;
    });
  }

  /** Run the flush loop until stop(). */
  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    // Every delivery in flight listens to this signal.
    setMaxListeners(0, this.abort.signal);
    this.stopping = new AbortController();
    this.loop = this.run(this.stopping.signal);
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const started = await this.claimAndFlush(this.maxInFlight - this.inFlight.size);
        await this.maybeGc();
        if (started.length > 0 && this.inFlight.size < this.maxInFlight) continue;
        const next = await this.store.nextDueAt();
        const now = this.clock.now();
        const wait = next === undefined ? this.pollMs : Math.max(1, Math.min(this.pollMs, next - now));
        // Alerts routed while this round ran (a group_wait of 0 is due at once): claim them now.
        if (this.woken) {
          this.woken = false;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(wait, signal).then(resolve);
        });
        this.wake = undefined;
        this.woken = false;
      } catch (err) {
        if (signal.aborted) break;
        this.metrics.errors.inc({ type: (err as Error).name, stage: 'dispatch' });
        this.logger.error({ err }, 'dispatcher loop failed; retrying');
        await sleep(Math.max(this.pollMs, 200), signal);
      }
    }
  }

  private async maybeGc(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastGc < 60_000) return;
    this.lastGc = now;
    await this.store.gcAlerts(now - (this.settings.resolvedRetentionMs ?? 15 * 60_000));
    const keepSince = now - (this.settings.silenceRetentionMs ?? 120 * 3600_000);
    for (const s of await this.store.listSilences()) if (s.endsAt < keepSince) await this.store.deleteSilence(s.id);
  }

  /**
   * Stop claiming and let flushes in progress finish for up to `graceMs`, then abort their
   * deliveries (what was written ahead is delivered by the next holder). Idempotent.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
    const all = Promise.allSettled([...this.inFlight]);
    const grace = new AbortController();
    await Promise.race([all, sleep(graceMs, grace.signal)]);
    grace.abort();
    this.abort.abort();
    await all;
  }
}

/** The config's `templates:` files; a `*` or `?` in the file name part is a glob, as upstream allows. */
export function loadTemplateFiles(config: AlertmanagerConfig): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const pattern of config.templates) {
    const dir = dirname(pattern);
    const base = basename(pattern);
    const names = /[*?[]/.test(base)
      ? readdirSync(dir).filter((f) => globToRegExp(base).test(f)).sort()
      : [base];
    for (const n of names) out.push({ name: n, text: readFileSync(join(dir, n), 'utf8') });
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}
