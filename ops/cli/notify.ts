import { hostname } from 'node:os';
import { join } from 'node:path';
import { FileBackedStateStore, createNotifier, type Notifier } from '../../pipeline/alert/notify/index.js';
import type { TidemarkConfig } from '../config/index.js';
import type { Service } from '../server/service.js';
import { TIDEMARK_VERSION } from '../server/version.js';
import { mountWebUi } from '../server/web-ui.js';
import { alertmanagerConfigOf, tenantAlertmanagerConfigsOf } from './alertmanager-config.js';
import type { RoleContext, RoleDefinition } from './run-role.js';

let notifiersInProcess = 0;

/** The Alertmanager-compatible notifier: v2 API, routing, grouping, dedup (Redis with --redis). */
export class NotifyService implements Service {
  readonly name = 'notify';

  private constructor(
    readonly notifier: Notifier,
    private readonly configFile: string | undefined,
  ) {}

  static async create(ctx: RoleContext): Promise<NotifyService> {
    const config = await alertmanagerConfigOf(ctx.config, ctx.flags.config);
    const tenantConfigs = await tenantAlertmanagerConfigsOf(ctx.config, ctx.flags.config);
    const redisUrl = ctx.config.redis?.url;
    // Without Redis the state lives in this process: saved under the data directory, loaded before the role is ready.
    const store = redisUrl === undefined ? await FileBackedStateStore.open({ dir: join(ctx.flags.data, 'notify'), logger: ctx.log }) : undefined;
    const notifier = createNotifier({
      config,
      tenantConfigs,
      tenantLabel: ctx.config.tenants.enabled ? ctx.config.tenants.label : undefined,
      currentTenant: () => ctx.tenancy?.scope.current()?.tenant,
      redisUrl,
      store,
      replicaId: `${hostname()}-${process.pid}-${++notifiersInProcess}`,
      registry: ctx.metrics,
      logger: ctx.log,
      version: TIDEMARK_VERSION,
      address: () => {
        const a = ctx.address();
        if (a === undefined) return undefined;
        const host = a.host === '0.0.0.0' || a.host === '::' ? hostname() : a.host;
        return `${host.includes(':') ? `[${host}]` : host}:${a.port}`;
      },
    });
    for (const r of notifier.routes) ctx.router.add(r.methods, r.path, r.handler);
    // Mimir's configuration API shares its path with Prometheus' alerts API, which `tidemark up` serves.
    if (ctx.role === 'notify') for (const r of notifier.configRoutes) ctx.router.add(r.methods, r.path, r.handler);
    ctx.tenancy?.useSilences(() => notifier.store.listSilences());
    return new NotifyService(notifier, ctx.flags.config);
  }

  start(): Promise<void> {
    return this.notifier.start();
  }

  ready(): boolean {
    return this.notifier.ready();
  }

  async applyConfig(cfg: TidemarkConfig): Promise<void> {
    // Both are read before either is applied: an invalid tenant file keeps every configuration as it was.
    const [main, tenants] = await Promise.all([alertmanagerConfigOf(cfg, this.configFile), tenantAlertmanagerConfigsOf(cfg, this.configFile)]);
    this.notifier.applyConfig(main, tenants);
  }

  stop(): Promise<void> {
    return this.notifier.stop();
  }
}

export const notifyRole: RoleDefinition = {
  name: 'notify',
  async build(ctx) {
    const service = await NotifyService.create(ctx);
    mountWebUi(ctx.router, { apps: ['alertmanager'] });
    return [service];
  },
};
