import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../pipeline/promql/index.js';
import { Tsdb } from '../../pipeline/tsdb/index.js';
import { tenantsConfigSchema } from './config.js';
import { TenantMetrics } from './tenant-metrics.js';
import { TenantCountingQueryable, TenantQueryLimitError } from './tenant-queryable.js';
import { TenantScope } from './tenant-scope.js';

let dir: string;
let db: Tsdb;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tenant-queryable-'));
  db = await Tsdb.open(dir, { retentionMs: 0 });
  for (let i = 0; i <= 240; i++) for (const code of ['200', '404', '500', '503']) db.append({ __name__: 'http_requests_total', code }, i * 15_000, i);
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The samples tenant "t" was counted for `query` over the last half hour at 60 s, with `max` allowed. */
async function countedSamples(query: string, max = 0): Promise<number> {
  const scope = new TenantScope();
  const metrics = new TenantMetrics(new Registry(), { tenants: () => [], activeSeries: () => 0 });
  const config = tenantsConfigSchema.parse({ enabled: true, limits: { max_query_samples: max } });
  const queryable = new TenantCountingQueryable(db, { config: () => config, scope, metrics });
  return scope.run('t', async () => {
    await new Engine().rangeQuery(queryable, query, 1_800_000, 3_600_000, 60_000);
    return scope.current()!.querySamples;
  });
}

describe('samples counted for a tenant', () => {
  it('include a selector the engine answered from a broader selector of the same query, as the select it replaces', async () => {
    const both = await countedSamples('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))');
    const narrow = await countedSamples('sum(rate(http_requests_total{code=~"5.."}[5m]))');
    const broad = await countedSamples('sum(rate(http_requests_total[5m]))');
    expect(narrow).toBeGreaterThan(0);
    expect(both).toBe(narrow + broad);
    await expect(countedSamples('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))', broad)).rejects.toThrow(TenantQueryLimitError);
  });
});
