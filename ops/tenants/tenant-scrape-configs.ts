import { relabelConfigSchema, type ScrapeConfig } from '../../connectors/scrape/index.js';
import type { TenantsConfig } from './config.js';

/**
 * The scrape jobs of `tenants.scrape_configs` as ordinary scrape configurations whose every
 * sample is the tenant's: a last `relabel_configs` rule sets the tenant label on the target (so
 * `up` and the `scrape_*` series carry it) and a last `metric_relabel_configs` rule sets it on
 * every scraped sample, after honor_labels and the job's own rules, so neither the target's
 * exposition nor the job's relabeling can make a sample another tenant's. None without tenancy,
 * as for the tenants' rule files.
 */
export function tenantScrapeConfigs(config: TenantsConfig): ScrapeConfig[] {
  if (!config.enabled) return [];
  const out: ScrapeConfig[] = [];
  for (const [tenant, jobs] of Object.entries(config.scrape_configs)) {
    // A literal replacement of the empty match: tenant IDs hold no `$` (tenant-id.ts).
    const stamp = relabelConfigSchema.parse({ target_label: config.label, replacement: tenant, action: 'replace' });
    for (const job of jobs) {
      out.push({ ...job, relabel_configs: [...job.relabel_configs, stamp], metric_relabel_configs: [...job.metric_relabel_configs, stamp] });
    }
  }
  return out;
}

/** `/api/v1/targets` as a tenant sees it: its targets (those carrying its label); no dropped targets, which have no tenant yet. */
export function tenantTargets(body: unknown, label: string, tenant: string): unknown {
  const data = (body as { data?: { activeTargets?: unknown; droppedTargets?: unknown } } | null)?.data;
  if (data === undefined || data === null || typeof data !== 'object') return body;
  const active = Array.isArray(data.activeTargets) ? (data.activeTargets as Array<{ labels?: Record<string, string> }>) : [];
  const kept = active.filter((t) => t?.labels?.[label] === tenant);
  return { ...(body as object), data: { ...data, activeTargets: kept, droppedTargets: [] } };
}
