import type { NotifierPlan } from './notifier-plan.js';

type LabelSet = Readonly<Record<string, string>>;

/**
 * The plans of a multi-tenant notifier, as Mimir's Alertmanager keeps one configuration per
 * tenant: an alert whose tenant label names a tenant with a configuration of its own is routed,
 * grouped, inhibited and delivered by that configuration; every other alert by the main one (the
 * fallback). With a tenant label, each tenant's alerts also form groups and inhibit each other
 * apart from every other tenant's, under the main configuration too, as Mimir's per-tenant
 * instances of its fallback configuration do.
 */
export class TenantPlans {
  constructor(
    readonly main: NotifierPlan,
    readonly byTenant: ReadonlyMap<string, NotifierPlan> = new Map(),
    /** The label that names an alert's tenant; undefined: one notifier for everyone. */
    readonly tenantLabel?: string,
  ) {}

  /** The alert's tenant, when the notifier keeps tenants apart and the alert names one. */
  tenantOf(labels: LabelSet): string | undefined {
    return this.tenantLabel === undefined ? undefined : labels[this.tenantLabel];
  }

  /** The tenant's own plan, or the main one. */
  planFor(tenant: string | undefined): NotifierPlan {
    return (tenant === undefined ? undefined : this.byTenant.get(tenant)) ?? this.main;
  }

  planOf(labels: LabelSet): NotifierPlan {
    return this.planFor(this.tenantOf(labels));
  }

  /** The tenant's view of a group key: its tenant in front, so that tenants never share a group. */
  groupKey(tenant: string | undefined, key: string): string {
    // Tenant IDs cannot hold `:` or `{`, and route keys start with `{`: the prefix cannot be mistaken.
    return tenant === undefined ? key : `${tenant}:${key}`;
  }

  hasInhibitRules(): boolean {
    if (this.main.inhibitRules.length > 0) return true;
    for (const p of this.byTenant.values()) if (p.inhibitRules.length > 0) return true;
    return false;
  }

  /** Label sets by tenant (the inhibition sources each tenant's alerts are checked against). */
  byTenantOf(all: readonly LabelSet[]): Map<string | undefined, LabelSet[]> {
    const out = new Map<string | undefined, LabelSet[]>();
    for (const labels of all) {
      const t = this.tenantOf(labels);
      let list = out.get(t);
      if (list === undefined) out.set(t, (list = []));
      list.push(labels);
    }
    return out;
  }
}
