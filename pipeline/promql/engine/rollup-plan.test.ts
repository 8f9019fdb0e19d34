import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tsdb } from '../../tsdb/index.js';
import { parseExpr } from '../parser/parser.js';
import { Engine } from './engine.js';
import { planRollups, RollupSelectsQueryable } from './rollup-plan.js';
import type { QueryResult, QueryValue } from './types.js';

const M = 60_000;
const H = 3600_000;
const D = 24 * H;

/** Node-exporter-like history: CPU counters per mode with a reboot (reset), and a memory gauge. */
async function fill(db: Tsdb, days: number): Promise<void> {
  const modes = ['idle', 'user', 'system'];
  const refs = modes.map((mode) => db.ref({ __name__: 'node_cpu_seconds_total', cpu: '0', mode }));
  const mem = db.ref({ __name__: 'node_memory_MemAvailable_bytes' });
  const counters = [1e6, 2e4, 5e3];
  let gauge = 4e9;
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let t = 0; t < days * D; t += 15_000) {
    const reboot = t === Math.floor(1.4 * D / 15_000) * 15_000;
    modes.forEach((_, i) => {
      counters[i] = reboot ? 0.5 * rnd() : counters[i] + 15 * (i === 0 ? 0.7 : 0.1) * (0.5 + rnd());
      db.appendRef(refs[i], t + 37, Math.round(counters[i] * 100) / 100);
    });
    gauge += (rnd() - 0.5) * 1e7;
    db.appendRef(mem, t + 37, Math.round(gauge));
    if (t % (2 * H) === 0) await db.flush();
  }
  await db.flush();
}

function points(v: QueryValue): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  if (v.resultType !== 'matrix') throw new Error(`expected a matrix, got ${v.resultType}`);
  for (const s of v.result) out.set(JSON.stringify(s.metric), new Map(s.timestamps.map((t, i) => [t, s.values[i]])));
  return out;
}

describe('downsampled answers', () => {
  let dir: string;
  let db: Tsdb;
  const engine = new Engine();
  /** A range query planned for the 5 m and 1 h tiers, as the query API plans it. */
  const query = async (q: string, start: number, end: number, step: number, maxResolution = 0): Promise<QueryResult & { resolution: number }> => {
    const plan = planRollups(parseExpr(q), { start, end, interval: step }, [5 * M, H], maxResolution);
    const result = await engine.rangeQuery(new RollupSelectsQueryable(db, plan.hints), { text: q, expr: plan.expr }, start, end, step);
    return { ...result, resolution: plan.resolution };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollup-plan-'));
    db = await Tsdb.open(dir, { downsampling: [{ resolutionMs: 5 * M, afterMs: 4 * H, retentionMs: 0 }, { resolutionMs: H, afterMs: 4 * H, retentionMs: 0 }] });
    await fill(db, 3);
    await db.compact();
  }, 60_000);

  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a 5 m block per finished day, and the 1 h block of the unfinished ten days from them', () => {
    const [five, hour] = db.listTiers();
    expect(five.listBlocks().map((b) => b.minTime)).toEqual([0, D]);
    expect(five.listBlocks().every((b) => b.meta.downsample?.resolution === 5 * M)).toBe(true);
    // 1 h windows are then read from that block (the first two days) and raw samples (the third).
    expect(hour.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 2 * D]]);
    expect(hour.listBlocks()[0].meta.compaction.sources).toEqual(five.listBlocks().map((b) => b.id).sort());
  });

  const queries = [
    'rate(node_cpu_seconds_total[1h])',
    'increase(node_cpu_seconds_total[3h])',
    'sum by (mode) (rate(node_cpu_seconds_total[1h]))',
    'avg_over_time(node_memory_MemAvailable_bytes[1h])',
    'max_over_time(node_memory_MemAvailable_bytes[1h])',
    'min_over_time(node_memory_MemAvailable_bytes[2h])',
    'sum_over_time(node_memory_MemAvailable_bytes[1h])',
    'count_over_time(node_cpu_seconds_total[1h])',
  ];
  for (const q of queries) {
    it(`answer ${q} over three days at 1 h steps from the 1 h tier as from raw samples`, async () => {
      // From 4 h on, no range holds a series' first sample: there Prometheus' extrapolation reads
      // the average sample interval, which windows do not keep (README: downsampling).
      const raw = await query(q, 4 * H, 3 * D - H, H);
      const tiered = await query(q, 4 * H, 3 * D - H, H, Infinity);
      expect(raw.resolution).toBe(0);
      expect(tiered.resolution).toBe(H);
      const a = points(raw.value);
      const b = points(tiered.value);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      let n = 0;
      for (const [k, series] of a) {
        for (const [t, v] of series) {
          const w = b.get(k)!.get(t);
          expect(w, `${k} at ${t}`).toBeDefined();
          // The same up to rounding, counter resets included.
          expect(Math.abs(w! - v), `${k} at ${t}: ${w} vs ${v}`).toBeLessThanOrEqual(Math.abs(v) * 1e-9 + 1e-9);
          n++;
        }
      }
      expect(n).toBeGreaterThan(60);
    });
  }

  it('reads the 5 m tier when the step is 5 minutes and the 1 h tier cannot tile it', async () => {
    const q = 'max_over_time(node_memory_MemAvailable_bytes[10m])';
    const raw = await query(q, D, D + 6 * H, 5 * M);
    const tiered = await query(q, D, D + 6 * H, 5 * M, Infinity);
    expect(tiered.resolution).toBe(5 * M);
    expect(points(tiered.value)).toEqual(points(raw.value));
  });

  it('rebuilds the tiers from the blocks with the same content', async () => {
    const before = await query('rate(node_cpu_seconds_total[1h])', 2 * H, 2 * D, H, H);
    const ids = db.listTiers()[0].listBlocks().map((b) => b.id);
    expect(await db.rebuildDownsampled()).toBe(3); // two 5 m days and the 1 h block made of them
    expect(db.listTiers()[0].listBlocks().map((b) => b.id)).not.toEqual(ids);
    const after = await query('rate(node_cpu_seconds_total[1h])', 2 * H, 2 * D, H, H);
    expect(points(after.value)).toEqual(points(before.value));
  });
});

describe('planRollups', () => {
  const scope = { start: 10 * H, end: 20 * H, interval: H };
  const plan = (q: string, max = Infinity, s = scope) => planRollups(parseExpr(q), s, [5 * M, H], max);

  it('takes the coarsest resolution that tiles range, offset, start and step', () => {
    expect(plan('rate(x[1h])').resolution).toBe(H);
    expect(plan('rate(x[90m])').resolution).toBe(5 * M);
    expect(plan('rate(x[1h] offset 30m)').resolution).toBe(5 * M);
    expect(plan('rate(x[1h])', Infinity, { start: 10 * H + M, end: 20 * H, interval: H }).resolution).toBe(0);
    expect(plan('rate(x[1h])', 5 * M).resolution).toBe(5 * M);
    expect(plan('rate(x[1h])', 0).resolution).toBe(0);
  });

  it('leaves functions the windows cannot answer, subqueries, @ and instant selectors on raw samples', () => {
    for (const q of ['irate(x[1h])', 'deriv(x[1h])', 'x', 'max_over_time(rate(x[1h])[2h:1h])', 'rate(x[1h] @ 3600)', 'quantile_over_time(0.5, x[1h])']) {
      expect(plan(q).resolution, q).toBe(0);
    }
  });

  it('rewrites count_over_time to a sum of counts and avg_over_time to sums over counts', () => {
    const c = plan('count_over_time(x[1h])');
    expect(c.expr.type === 'call' && c.expr.func).toBe('sum_over_time');
    expect([...c.hints.values()]).toEqual([{ resolutionMs: H, column: 'count' }]);
    const a = plan('avg_over_time(x[1h])');
    expect(a.expr.type).toBe('binary');
    expect([...a.hints.values()].map((h) => h.column)).toEqual(['sum', 'count']);
  });
});
