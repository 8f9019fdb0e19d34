import type { TenantsConfig } from './config.js';

/**
 * A reload that changes a setting the running roles were composed with: the HTTP gate, the
 * tenant-labelling sinks and the notifier's per-tenant grouping are put in place (or not) when a
 * role starts, and the tenant label is what every stored series, rule file and alert group of the
 * running process names. Switching them under requests in flight would leave a process half
 * multi-tenant, so the reload is refused and the running configuration kept.
 */
export class TenantsRestartRequiredError extends Error {
  override readonly name = 'TenantsRestartRequiredError';
  constructor(
    readonly key: string,
    before: unknown,
    after: unknown,
  ) {
    super(`${key} changed from ${JSON.stringify(before)} to ${JSON.stringify(after)}: this takes a restart, not a reload (the running configuration is kept)`);
  }
}

/** Throws TenantsRestartRequiredError when `next` changes a tenants setting only a restart applies. */
export function checkTenantsReload(running: TenantsConfig, next: TenantsConfig): void {
  if (running.enabled !== next.enabled) throw new TenantsRestartRequiredError('tenants.enabled', running.enabled, next.enabled);
  // The label matters only to a process that has tenants on.
  if (running.enabled && running.label !== next.label) throw new TenantsRestartRequiredError('tenants.label', running.label, next.label);
}
