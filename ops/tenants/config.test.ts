import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tidemarkConfigSchema } from '../config/config-schema.js';
import { limitsOf, tenantsConfigSchema } from './config.js';

describe('the tenants configuration', () => {
  it('is off by default, so a configuration without it behaves as before', () => {
    expect(tidemarkConfigSchema.parse({}).tenants.enabled).toBe(false);
  });

  it('gives a tenant its overrides over the default limits', () => {
    const c = tenantsConfigSchema.parse({ limits: { ingestion_rate: 10, max_active_series: 5 }, overrides: { b: { ingestion_rate: 99 } } });
    expect(limitsOf(c, 'b')).toMatchObject({ ingestion_rate: 99, max_active_series: 5 });
    expect(limitsOf(c, 'a')).toMatchObject({ ingestion_rate: 10, max_active_series: 5 });
    expect(limitsOf(c, '__proto__').ingestion_rate).toBe(10);
  });

  it('refuses tenant IDs Mimir would refuse, a reserved label name and a bad duration, naming the field', () => {
    const problems = tenantsConfigSchema.safeParse({ users: { u: 'a|b' }, label: '__tenant__', active_series_idle_timeout: 'soon' }).error?.issues.map((i) => i.path.join('.'));
    expect(problems).toEqual(expect.arrayContaining(['users.u', 'label', 'active_series_idle_timeout']));
  });

  it('accepts the README\'s example', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /```yaml\n# tidemark.yml\n(tenants:[\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const parsed = tidemarkConfigSchema.parse(parse(block![1]));
    expect(parsed.tenants.enabled).toBe(true);
    expect(parsed.tenants.users).toEqual({ 'grafana-a': 'team-a' });
    expect(limitsOf(parsed.tenants, 'team-b').ingestion_rate).toBe(200000);
  });
});
