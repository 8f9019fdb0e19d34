import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tenantsConfigSchema } from './config.js';
import { scopeRuleFile, writeTenantRuleFiles } from './tenant-rule-files.js';

const RULES = `groups:
  - name: g
    interval: 30s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up{tenant_id="other"})
      - alert: Down
        expr: job:up:sum == 0
        for: 5m
        labels: { severity: page }
        annotations: { summary: '{{ $labels.job }} is down' }
`;

describe('tenant rule files', () => {
  it('confine every expression to the tenant and set the tenant label on every rule, keeping the rest', () => {
    const doc = parse(scopeRuleFile(RULES, 'r.yml', 'tenant_id', 'a')) as { groups: Array<{ interval: string; rules: Array<Record<string, unknown>> }> };
    const [rec, alert] = doc.groups[0].rules;
    expect(doc.groups[0].interval).toBe('30s');
    expect(rec).toEqual({ record: 'job:up:sum', expr: 'sum by (job) (up{tenant_id="a"})', labels: { tenant_id: 'a' } });
    expect(alert).toEqual({
      alert: 'Down', expr: 'job:up:sum{tenant_id="a"} == 0', for: '5m',
      labels: { severity: 'page', tenant_id: 'a' }, annotations: { summary: '{{ $labels.job }} is down' },
    });
  });

  it('name the tenant, file, group and rule of an expression that does not parse', () => {
    expect(() => scopeRuleFile('groups:\n  - name: g\n    rules:\n      - record: x\n        expr: sum(\n', 'bad.yml', 'tenant_id', 'a')).toThrow(/tenant a: rule file bad.yml: group "g", rule 1/);
  });

  it('are written per tenant from their globs, replacing the copies of the last load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tenant-rule-files-'));
    try {
      await mkdir(join(dir, 'a'));
      await writeFile(join(dir, 'a', 'one.yml'), RULES);
      const config = tenantsConfigSchema.parse({ enabled: true, rule_files: { 'team-a': ['a/*.yml'] } });
      const out = join(dir, 'out');
      await mkdir(join(out, 'gone'), { recursive: true });
      const files = await writeTenantRuleFiles(config, join(dir, 'tidemark.yml'), out);
      expect(files).toEqual([join(out, 'team-a', '0-one.yml')]);
      expect(await readFile(files[0], 'utf8')).toContain('tenant_id="team-a"');
      await expect(access(join(out, 'gone'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
