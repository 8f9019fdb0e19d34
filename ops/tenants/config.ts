import { z } from 'zod';
import { scrapeConfigSchema } from '../../connectors/scrape/index.js';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { isValidTenantId, TENANT_ID_RULES } from './tenant-id.js';

const tenantId = z.string().refine(isValidTenantId, { message: `not a valid tenant ID (${TENANT_ID_RULES})` });

/** Limits of one tenant; 0 leaves a limit off. */
const LIMIT_FIELDS = {
  ingestion_rate: z.number().min(0)
    .describe('Samples per second a tenant may push (token bucket; one for all ingest replicas with a Redis (--redis, redis.url), else per process); a push beyond it is refused whole with 429. 0: unlimited.'),
  ingestion_burst_size: z.number().int().min(0)
    .describe('Samples a tenant may push at once above its rate (the bucket size); 0: one second of ingestion_rate.'),
  max_active_series: z.number().int().min(0)
    .describe('Series a tenant may have active (pushed or scraped within tenants.active_series_idle_timeout; counted across the ingest replicas with a Redis, else per process); a push that would add one more is refused with 429. 0: unlimited.'),
  max_query_samples: z.number().int().min(0)
    .describe('Samples one query of the tenant may read from storage; a query that reads more is refused with 429. 0: unlimited (query.max_samples still holds).'),
};

const tenantLimitsSchema = z
  .object({
    ingestion_rate: LIMIT_FIELDS.ingestion_rate.default(0),
    ingestion_burst_size: LIMIT_FIELDS.ingestion_burst_size.default(0),
    max_active_series: LIMIT_FIELDS.max_active_series.default(0),
    max_query_samples: LIMIT_FIELDS.max_query_samples.default(0),
  })
  .strict();

/** A tenant's overrides: only what it sets differs from `limits` (no defaults of its own). */
const tenantOverridesSchema = z
  .object({
    ingestion_rate: LIMIT_FIELDS.ingestion_rate.optional(),
    ingestion_burst_size: LIMIT_FIELDS.ingestion_burst_size.optional(),
    max_active_series: LIMIT_FIELDS.max_active_series.optional(),
    max_query_samples: LIMIT_FIELDS.max_query_samples.optional(),
  })
  .strict();

export type TenantLimits = z.output<typeof tenantLimitsSchema>;

/**
 * `tenants:` multi-tenancy as Mimir users know it: the tenant of a request is named by the
 * `X-Scope-OrgID` header or by the web-config user who authenticated. Off by default.
 */
export const tenantsConfigSchema = z
  .object({
    enabled: z.boolean().default(false)
      .describe('Every request names a tenant (401 without one); samples carry the tenant label and queries see only their tenant\'s series. Changing it takes a restart: a reload that changes it is refused, naming the key.'),
    label: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid label name').refine((n) => !n.startsWith('__'), 'a reserved name (`__` prefix) cannot be a Pushgateway grouping label')
      .default('tenant_id')
      .describe('The label that carries the tenant on every stored series (as Thanos Receive\'s tenant label); set at the edge, whatever the sender put there. Changing it takes a restart (a reload that changes it is refused).'),
    header: z.string().regex(/^[A-Za-z0-9-]+$/, 'not an HTTP header name').default('X-Scope-OrgID')
      .describe('The request header that names the tenant (Mimir, Cortex, Loki: X-Scope-OrgID).'),
    users: z.record(z.string(), tenantId).default({})
      .describe('`basic_auth_users` of --web.config.file mapped to their tenant: such a user acts for that tenant only (a header naming another is refused with 403). A user not listed names the tenant with the header.'),
    operators: z.array(z.string()).default([])
      .describe('`basic_auth_users` of --web.config.file that act for no tenant when they name none: the roles\' own clients (rules posting alerts to notify, query reading stores, an administrator). Their requests pass unconfined and see every tenant; with the header they act for that tenant.'),
    default_tenant: tenantId.default('anonymous')
      .describe('The tenant of samples that arrive outside a request (scrapes, NATS inputs, Pushgateway re-emission) and carry no tenant label of their own.'),
    active_series_idle_timeout: z.string().default('10m').transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
        return z.NEVER;
      }
    })
      .describe('A series not pushed for this long no longer counts against max_active_series (Prometheus duration).'),
    rule_files: z.record(tenantId, z.array(z.string())).default({})
      .describe('Per tenant, Prometheus rule files (globs, relative to this file) evaluated on that tenant\'s series only; their recording rules write the tenant\'s series and their alerts carry the tenant label. The top-level rule_files see every tenant.'),
    alertmanager_configs: z.record(tenantId, z.string().min(1)).default({})
      .describe('Per tenant, its own Alertmanager configuration (an alertmanager.yml, relative to this file), as Mimir\'s multi-tenant Alertmanager keeps one: the tenant\'s alerts are routed, grouped, inhibited and delivered by it alone. A tenant not listed falls back to alerting.alertmanager_config_file (or alerting.alertmanager_config), its alerts grouped apart from other tenants\'. Reloaded with the rest of the file.'),
    scrape_configs: z.record(tenantId, z.array(scrapeConfigSchema)).default({})
      .describe('Per tenant, scrape jobs (as scrape_configs) whose samples are that tenant\'s: every target and every sample they scrape gets the tenant label, after honor_labels and the job\'s own relabeling, so only that tenant sees them (its /api/v1/targets lists them). Job names are unique across scrape_configs and every tenant\'s. Scraped only with tenants.enabled.'),
    limits: tenantLimitsSchema.prefault({}).describe('Limits every tenant has unless overridden.'),
    overrides: z.record(tenantId, tenantOverridesSchema).default({})
      .describe('Per tenant, the limits that differ from `limits`.'),
  })
  .strict();

export type TenantsConfig = z.output<typeof tenantsConfigSchema>;

/** The limits of `tenant`: its overrides over the defaults. */
export function limitsOf(config: TenantsConfig, tenant: string): TenantLimits {
  const o = Object.hasOwn(config.overrides, tenant) ? config.overrides[tenant] : undefined;
  if (o === undefined) return config.limits;
  const out = { ...config.limits };
  for (const k of Object.keys(out) as Array<keyof TenantLimits>) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
