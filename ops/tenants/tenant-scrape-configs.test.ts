import { describe, expect, it } from 'vitest';
import { compileRelabelRules, relabel } from '../../connectors/scrape/relabel.js';
import { tidemarkConfigSchema } from '../config/config-schema.js';
import { tenantScrapeConfigs, tenantTargets } from './tenant-scrape-configs.js';

const job = (name: string, extra: Record<string, unknown> = {}) => ({ job_name: name, static_configs: [{ targets: ['h:9100'] }], ...extra });

describe('tenants.scrape_configs', () => {
  it('makes every target and sample of a tenant\'s job the tenant\'s, after the job\'s own relabeling', () => {
    const cfg = tidemarkConfigSchema.parse({
      tenants: {
        enabled: true,
        scrape_configs: { 'team-a': [job('a', { metric_relabel_configs: [{ target_label: 'tenant_id', replacement: 'team-b' }] })] },
      },
    });
    const [sc] = tenantScrapeConfigs(cfg.tenants);
    expect(sc!.job_name).toBe('a');
    expect(relabel({ __address__: 'h:9100', job: 'a' }, compileRelabelRules(sc!.relabel_configs))).toMatchObject({ tenant_id: 'team-a' });
    // The job's rule names another tenant; the last rule has the final word.
    expect(relabel({ __name__: 'm', tenant_id: 'team-c' }, compileRelabelRules(sc!.metric_relabel_configs))).toEqual({ __name__: 'm', tenant_id: 'team-a' });
  });

  it('scrapes nothing of them without tenancy', () => {
    const cfg = tidemarkConfigSchema.parse({ tenants: { scrape_configs: { 'team-a': [job('a')] } } });
    expect(tenantScrapeConfigs(cfg.tenants)).toEqual([]);
  });

  it('refuses a job name used twice across scrape_configs and the tenants\' jobs, and checks a tenant\'s job as any other, naming the path', () => {
    const r = tidemarkConfigSchema.safeParse({
      scrape_configs: [job('shared')],
      tenants: { enabled: true, scrape_configs: { 'team-a': [job('shared')], 'team-b': [job('b', { scrape_interval: '10s', scrape_timeout: '20s' })] } },
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toContain('tenants.scrape_configs.team-a.0.job_name: found multiple scrape configs with job name "shared"');
    expect(issues.some((i) => i.startsWith('tenants.scrape_configs.team-b.0.scrape_timeout: scrape timeout greater than scrape interval'))).toBe(true);
    expect(tidemarkConfigSchema.safeParse({ tenants: { scrape_configs: { 'a|b': [job('x')] } } }).success).toBe(false);
  });

  it('shows a tenant only its own active targets', () => {
    const body = { status: 'success', data: { activeTargets: [{ labels: { job: 'a', tenant_id: 'team-a' } }, { labels: { job: 'ops' } }], droppedTargets: [{ discoveredLabels: {} }] } };
    expect(tenantTargets(body, 'tenant_id', 'team-a')).toEqual({ status: 'success', data: { activeTargets: [{ labels: { job: 'a', tenant_id: 'team-a' } }], droppedTargets: [] } });
  });
});
