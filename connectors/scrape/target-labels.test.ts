import { describe, expect, it } from 'vitest';
import { resolveScrapeConfig, scrapeConfigSchema, type ScrapeConfigInput } from './config.js';
import { relabelConfigSchema } from './relabel-config.js';
import { compileRelabelRules } from './relabel.js';
import { populateTargetLabels, targetUrl } from './target-labels.js';

const cfg = (c: Partial<ScrapeConfigInput> = {}) => resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'node', ...c }), { scrape_interval: 15_000 });

describe('target labels as Prometheus computes them', () => {
  it('fills job, scheme, path, interval, timeout and params, adds the default port and instance', () => {
    const c = cfg({ params: { module: ['a', 'b'] } });
    const r = populateTargetLabels({ __address__: 'host', __meta_x: 'm' }, c, []);
    expect(r.discovered).toEqual({
      __address__: 'host', __meta_x: 'm', job: 'node', __scheme__: 'http', __metrics_path__: '/metrics',
      __scrape_interval__: '15s', __scrape_timeout__: '10s', __param_module: 'a',
    });
    expect(r.labels).toEqual({
      __address__: 'host:80', job: 'node', __scheme__: 'http', __metrics_path__: '/metrics',
      __scrape_interval__: '15s', __scrape_timeout__: '10s', __param_module: 'a', instance: 'host:80',
    });
    expect(targetUrl(r.labels!, c.params)).toBe('http://host:80/metrics?module=a&module=b');
  });
  it('caps an inherited timeout at the interval and keeps an explicit instance', () => {
    const c = resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'j', scrape_interval: '5s' }), { scrape_timeout: 10_000 });
    expect(c.scrape_timeout).toBe(5000);
    expect(populateTargetLabels({ __address__: 'h:1', instance: 'mine' }, c, []).labels?.instance).toBe('mine');
  });
  it('lets relabeling change the scheme, path and address, and reports dropped targets', () => {
    const rules = compileRelabelRules([
      relabelConfigSchema.parse({ source_labels: ['__meta_drop'], regex: 'yes', action: 'drop' }),
      relabelConfigSchema.parse({ target_label: '__scheme__', replacement: 'https' }),
      relabelConfigSchema.parse({ source_labels: ['__address__'], regex: '(.*)', target_label: '__param_target' }),
    ]);
    const kept = populateTargetLabels({ __address__: '[::1]' }, cfg(), rules);
    expect(kept.labels?.__address__).toBe('[::1]:443');
    expect(targetUrl(kept.labels!, {})).toBe('https://[::1]:443/metrics?target=%5B%3A%3A1%5D');
    const dropped = populateTargetLabels({ __address__: 'h:1', __meta_drop: 'yes' }, cfg(), rules);
    expect(dropped.labels).toBeUndefined();
    expect(dropped.discovered.__meta_drop).toBe('yes');
  });
  it('rejects a target without address or with a timeout above the interval', () => {
    expect(() => populateTargetLabels({}, cfg(), [])).toThrow(/no address/);
    expect(() => populateTargetLabels({ __address__: 'h:1', __scrape_timeout__: '1m' }, cfg(), [])).toThrow(/greater than scrape interval/);
  });
});

describe('scrape config schema', () => {
  it('rejects unknown fields and an explicit timeout above the interval, naming the path', () => {
    const bad = scrapeConfigSchema.safeParse({ job_name: 'a', scrape_interval: '1s', scrape_timeout: '2s', bogus: 1 });
    const issues = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues.some((i) => i.startsWith('scrape_timeout: scrape timeout greater than scrape interval'))).toBe(true);
    expect(bad.error!.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });
  it('rejects a file_sd path that is not JSON or YAML and two bearer token sources', () => {
    expect(scrapeConfigSchema.safeParse({ job_name: 'a', file_sd_configs: [{ files: ['x.txt'] }] }).error?.issues[0].message).toContain('not valid for file discovery');
    expect(scrapeConfigSchema.safeParse({ job_name: 'a', bearer_token: 'x', bearer_token_file: 'f' }).error?.issues[0].message).toContain('at most one of bearer_token');
  });
  it('inherits limits from global and parses base-2 body sizes', () => {
    const c = resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'a', body_size_limit: '10MB' }), { sample_limit: 7 });
    expect(c.body_size_limit).toBe(10 * 1024 * 1024);
    expect(c.sample_limit).toBe(7);
  });
});
