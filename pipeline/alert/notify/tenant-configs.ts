import { alertmanagerRenderer, type TemplateRenderer } from '../receivers/index.js';
import type { AlertmanagerConfig } from './config/index.js';
import { parseUserConfig } from './config/user-config.js';
import type { Dispatcher } from './dispatcher.js';
import type { NotifyLogger } from './group-flush.js';
import type { NotifyStateStore } from './notify-state-store.js';

type Templates = (c: AlertmanagerConfig) => TemplateRenderer;

/**
 * The configurations a multi-tenant notifier routes by: the main one, the tenants' files
 * (tidemark.yml's tenants.alertmanager_configs, the operator's, which win) and the tenants'
 * uploads through the configuration API (kept in the shared store, so that every replica loads
 * them: each compares the store's version at every `sync`). Any change rebuilds the dispatcher's plans.
 */
export class TenantConfigs {
  private main: AlertmanagerConfig;
  private files: ReadonlyMap<string, AlertmanagerConfig>;
  private uploaded = new Map<string, { config: AlertmanagerConfig; templates: TemplateRenderer }>();
  private version: string | undefined;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly store: NotifyStateStore,
    private readonly templates: Templates,
    private readonly logger: NotifyLogger | undefined,
    main: AlertmanagerConfig,
    files: ReadonlyMap<string, AlertmanagerConfig>,
  ) {
    this.main = main;
    this.files = files;
    if (files.size > 0) this.rebuild();
  }

  /** A reloaded tidemark.yml: the main configuration and the tenants' files. */
  applyFiles(main: AlertmanagerConfig, files: ReadonlyMap<string, AlertmanagerConfig>): void {
    this.main = main;
    this.files = files;
    this.rebuild();
  }

  /** The original text of the tenant's file configuration, if the operator set one. */
  fileConfig(tenant: string): string | undefined {
    return this.files.get(tenant)?.original;
  }

  /** Load the uploaded configurations again if the store's version moved (one at a time). */
  sync(): Promise<void> {
    this.syncing ??= this.load().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async load(): Promise<void> {
    const version = await this.store.tenantConfigsVersion();
    if (version === this.version) return;
    const next = new Map<string, { config: AlertmanagerConfig; templates: TemplateRenderer }>();
    for (const [tenant, text] of await this.store.listTenantConfigs()) {
      const parsed = parseUserConfig(text);
      if (!parsed.ok) {
        // Validated when posted: only a stored configuration this version cannot read gets here.
        this.logger?.error({ tenant, err: parsed.error }, 'a tenant\'s stored Alertmanager configuration is invalid; the tenant falls back to the main configuration');
        continue;
      }
      const files = Object.entries(parsed.user.templateFiles).map(([name, text]) => ({ name, text }));
      next.set(tenant, { config: parsed.config, templates: alertmanagerRenderer(files) });
    }
    this.uploaded = next;
    this.version = version;
    this.rebuild();
  }

  private rebuild(): void {
    const tenants = new Map(this.uploaded);
    for (const [tenant, config] of this.files) tenants.set(tenant, { config, templates: this.templates(config) });
    this.dispatcher.applyConfig(this.main, this.templates(this.main), tenants);
  }
}
