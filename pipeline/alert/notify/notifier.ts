import type { Registry } from 'prom-client';

import { alertmanagerRenderer, type TemplateRenderer } from '../receivers/index.js';
import { notifyApiRoutes, tenantConfigApiRoutes, type ApiRoute } from './api/index.js';
import { systemClock, type Clock } from './clock.js';
import type { AlertmanagerConfig } from './config/index.js';
import type { RetryPolicy } from './deliver.js';
import { isResolvedAt } from './alert.js';
import { Dispatcher, loadTemplateFiles } from './dispatcher.js';
import type { NotifyLogger } from './group-flush.js';
import { MemoryStateStore } from './memory-state-store.js';
import { NotifyMetrics } from './metrics.js';
import type { NotifyStateStore } from './notify-state-store.js';
import { RedisStateStore } from './redis-state-store.js';
import { TenantConfigs } from './tenant-configs.js';

export interface NotifierSettings {
  readonly config: AlertmanagerConfig;
  /** Tenants' own configurations (Mimir's per-tenant Alertmanager); tenants not listed follow `config`. */
  readonly tenantConfigs?: ReadonlyMap<string, AlertmanagerConfig>;
  /** The label naming an alert's tenant (tenants.label): set, each tenant's alerts are grouped and inhibited apart. */
  readonly tenantLabel?: string;
  /** The tenant of the API request in progress (undefined: an operator or no tenancy); its configuration is the one the API shows. */
  readonly currentTenant?: () => string | undefined;
  /** How often a replica looks for tenants' configurations uploaded through another replica (default 1 s). */
  readonly tenantConfigSyncMs?: number;
  /** Shared state in Redis (`redis://…`); in memory when absent (`tidemark up`). */
  readonly redisUrl?: string;
  readonly redisPrefix?: string;
  /** Or any store (tests). */
  readonly store?: NotifyStateStore;
  readonly externalURL?: string;
  readonly replicaId?: string;
  readonly registry?: Registry;
  readonly logger?: NotifyLogger;
  readonly clock?: Clock;
  readonly leaseMs?: number;
  readonly pollMs?: number;
  /** Groups this replica flushes at once. */
  readonly maxInFlight?: number;
  readonly retry?: RetryPolicy;
  readonly version?: string;
  /** This replica's HTTP address (`host:port`), announced to the other replicas as a cluster peer. */
  readonly address?: () => string | undefined;
  /** How long a peer announcement lives without a refresh; default 15 s. */
  readonly peerTtlMs?: number;
}

/** The `tidemark notify` role's parts, for the role's HTTP server and lifecycle. */
export interface Notifier {
  readonly routes: ApiRoute[];
  /** Mimir's per-tenant configuration API (`/api/v1/alerts`), with a tenant label only; mounted by the notify role. */
  readonly configRoutes: ApiRoute[];
  readonly dispatcher: Dispatcher;
  readonly store: NotifyStateStore;
  start(): Promise<void>;
  /** Swap the configurations (SIGHUP, POST /-/reload); groups of removed routes are re-routed at their next flush. */
  applyConfig(config: AlertmanagerConfig, tenantConfigs?: ReadonlyMap<string, AlertmanagerConfig>): void;
  /** Idempotent; safe without start; lets flushes in progress finish. */
  stop(): Promise<void>;
  ready(): boolean;
}

/** Build the notifier: store (Redis or memory), dispatcher and the Alertmanager v2 API routes. */
export function createNotifier(s: NotifierSettings): Notifier {
  const clock = s.clock ?? systemClock;
  const store = s.store ?? (s.redisUrl !== undefined ? new RedisStateStore({ redis: s.redisUrl, prefix: s.redisPrefix }) : new MemoryStateStore(() => clock.now()));
  const metrics = new NotifyMetrics(s.registry);
  const templates = (c: AlertmanagerConfig): TemplateRenderer => alertmanagerRenderer(loadTemplateFiles(c));
  const dispatcher = new Dispatcher(s.config, {
    store, clock, metrics, templates: templates(s.config), replicaId: s.replicaId, externalURL: s.externalURL,
    leaseMs: s.leaseMs, pollMs: s.pollMs, maxInFlight: s.maxInFlight, retry: s.retry, logger: s.logger, tenantLabel: s.tenantLabel,
  });
  const configs = new TenantConfigs(dispatcher, store, templates, s.logger, s.config, s.tenantConfigs ?? new Map());
  const currentTenant = s.currentTenant ?? (() => undefined);
  const replicaName = s.replicaId ?? 'tidemark-notify';
  const routes = notifyApiRoutes({
    dispatcher, store, clock, metrics, startedAt: clock.now(), version: s.version ?? '0.1.0', replicaName, currentTenant,
  });
  const multiTenant = s.tenantLabel !== undefined;
  const configRoutes = multiTenant
    ? tenantConfigApiRoutes({ store, metrics, currentTenant, fileConfig: (t) => configs.fileConfig(t), reload: () => configs.sync() })
    : [];
  const syncMs = s.tenantConfigSyncMs ?? 1_000;
  let syncTimer: NodeJS.Timeout | undefined;
  const sync = (): void => {
    configs.sync().catch((err: unknown) => {
      metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'sync_tenant_configs' });
      s.logger?.warn({ err }, 'loading tenants\' uploaded Alertmanager configurations failed; the next look retries');
    });
  };
  metrics.countGroupsWith(() => countActiveGroups(store, clock.now()));
  const peerTtlMs = s.peerTtlMs ?? 15_000;
  let peerTimer: NodeJS.Timeout | undefined;
  const announce = (): void => {
    store.announcePeer({ name: replicaName, address: s.address?.() ?? '' }, peerTtlMs).catch((err: unknown) => {
      metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'announce_peer' });
      s.logger?.warn({ err }, 'announcing this replica to its peers failed; the next refresh retries');
    });
  };
  let started = false;
  let stopped = false;
  return {
    routes,
    configRoutes,
    dispatcher,
    store,
    async start() {
      if (started || stopped) return;
      started = true;
      if (multiTenant) {
        await configs.sync();
        syncTimer = setInterval(sync, syncMs);
        syncTimer.unref();
      }
      dispatcher.start();
      announce();
      peerTimer = setInterval(announce, Math.max(100, Math.floor(peerTtlMs / 3)));
      peerTimer.unref();
    },
    applyConfig(config, tenantConfigs = new Map()) {
      configs.applyFiles(config, tenantConfigs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(peerTimer);
      clearInterval(syncTimer);
      await dispatcher.stop();
      await store.close();
    },
    ready: () => started && !stopped,
  };
}

/** Groups with at least one active (unresolved) alert: what `/api/v2/alerts/groups` lists. */
async function countActiveGroups(store: NotifyStateStore, now: number): Promise<number> {
  const [groups, alerts] = await Promise.all([store.listGroups(), store.getAlerts()]);
  const active = new Set(alerts.filter((a) => !isResolvedAt(a, now)).map((a) => a.fingerprint));
  return groups.filter((g) => g.members.some((fp) => active.has(fp))).length;
}
