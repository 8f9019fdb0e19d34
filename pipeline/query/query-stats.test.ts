import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../promql/index.js';
import { Head, Tsdb } from '../tsdb/index.js';
import { DecodePool } from '../tsdb/select-decode/index.js';
import { TsdbQuerier } from '../tsdb/tsdb-querier.js';
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

describe('CountingQueryable over presence summaries', () => {
  it("counts a summed-up series' samples as those it stands for, as a full read's", async () => {
    const workers = new DecodePool({ size: 1, inPlaceBelow: 0, minPart: 1 });
    try {
      const head = new Head();
      for (let i = 0; i < 480; i++) for (const code of ['200', '500']) head.append({ __name__: 'http_requests_total', code }, i * 15_000, i);
      const count = async (presenceLookback?: number): Promise<{ samples: number; summed: number }> => {
        const stats = new QueryStats();
        const q = new CountingQueryable({ querier: (mint, maxt) => new TsdbQuerier([], head, mint, maxt, workers) }, stats, 0).querier(0);
        const set = await q.select([{ type: '=', name: '__name__', value: 'http_requests_total' }], { start: 0, end: 7_200_000, ...(presenceLookback === undefined ? {} : { presenceLookback }) });
        return { samples: stats.samples, summed: set.series.filter((s) => s.presence != null).length };
      };
      expect(await count()).toEqual({ samples: 960, summed: 0 });
      expect(await count(300_000)).toEqual({ samples: 960, summed: 2 });
    } finally {
      await workers.close();
    }
  });
});
