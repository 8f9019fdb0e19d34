import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../promql/index.js';
import { Tsdb } from '../tsdb/index.js';
import { TooManySeriesError } from './errors.js';
import { CountingQueryable, QueryStats } from './query-stats.js';

let dir: string;
let db: Tsdb;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'query-stats-'));
  db = await Tsdb.open(dir, { retentionMs: 0 });
  for (let i = 0; i <= 240; i++) for (const code of ['200', '404', '500', '503']) db.append({ __name__: 'http_requests_total', code }, i * 15_000, i);
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The stats of `query` over the last half hour of the data at 60 s. */
async function statsOf(query: string, maxSeries = 0): Promise<QueryStats> {
  const stats = new QueryStats();
  await new Engine().rangeQuery(new CountingQueryable(db, stats, maxSeries), query, 1_800_000, 3_600_000, 60_000);
  return stats;
}

describe('query stats', () => {
  it('count a selector answered from a broader selector of the query as the select it replaces', async () => {
    const both = await statsOf('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))');
    const narrow = await statsOf('sum(rate(http_requests_total{code=~"5.."}[5m]))');
    const broad = await statsOf('sum(rate(http_requests_total[5m]))');
    expect(narrow.series).toBe(2);
    expect(both.series).toBe(narrow.series + broad.series);
    expect(both.samples).toBe(narrow.samples + broad.samples);
  });

  it('refuse a query past max_series counting the series of such a selector', async () => {
    const q = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';
    await expect(statsOf(q, 5)).rejects.toThrow(TooManySeriesError);
    expect((await statsOf(q, 6)).series).toBe(6);
  });
});
