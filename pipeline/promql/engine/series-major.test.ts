import { describe, expect, it } from 'vitest';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { PromqlTooManySamplesError } from '../errors.js';
import { Engine } from './engine.js';

/** Counters with resets and gaps, gauges with NaN and infinities, and staleness markers. */
function dataSet(): MemoryQueryable {
  const s = new MemoryQueryable();
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let h = 0; h < 10; h++) {
    for (const mode of ['idle', 'user', 'sys']) {
      let v = rnd() * 100;
      for (let i = 0; i < 120; i++) {
        v = rnd() < 0.04 ? rnd() * 10 : v + rnd() * 5;
        if (rnd() < 0.1) continue;
        const stale = h === 3 && i === 60;
        s.append({ __name__: 'c_total', host: `h${h}`, mode }, i * 15_000 + h * 1000, stale ? NaN : v, stale);
      }
    }
    for (let i = 0; i < 120; i += 1 + (h % 3)) {
      const r = rnd();
      const v = r < 0.03 ? NaN : r < 0.05 ? Infinity : r < 0.06 ? -Infinity : Math.round((rnd() - 0.5) * 100) / 4;
      s.append({ __name__: 'temp', host: `h${h}`, zone: `z${h % 3}` }, i * 15_000, v);
    }
  }
  return s;
}

const FUNCS = [
  'rate', 'increase', 'delta', 'irate', 'idelta', 'avg_over_time', 'sum_over_time', 'count_over_time', 'min_over_time',
  'max_over_time', 'last_over_time', 'first_over_time', 'ts_of_last_over_time', 'ts_of_max_over_time', 'present_over_time',
  'stdvar_over_time', 'stddev_over_time', 'changes', 'resets',
];

const QUERIES = [
  ...FUNCS.flatMap((f) => [`${f}(c_total[2m])`, `${f}(temp[1m30s] offset 45s)`]),
  ...['sum', 'avg', 'count', 'group', 'min', 'max', 'stddev', 'stdvar'].flatMap((op) => [
    `${op} by (mode) (rate(c_total[2m]))`,
    `${op} without (host) (max_over_time(temp[2m]))`,
    `${op}(temp)`,
    `${op} by (zone) (temp offset 1m)`,
  ]),
  // count and group read presence only; grouping names repeated, absent or __proto__.
  'count by (mode) (c_total)',
  'group by (host) (c_total offset 30s)',
  'count by (mode, host, mode) (c_total)',
  'count by (zone, __proto__, missing) (temp)',
  'sum(rate(c_total[2m] @ 600))',
  'sum by (mode) (c_total @ end())',
  'topk(3, rate(c_total[2m]))',
  'bottomk by (mode) (2, rate(c_total[2m]))',
  'topk(2, temp)',
  'topk by (zone) (1, last_over_time(temp[3m]))',
  'topk(100, rate(c_total[2m]))',
  'sum by (mode) (rate(c_total[2m])) / on (mode) count by (mode) (rate(c_total[2m]))',
  'rate(c_total[2m]) * 2',
  'sort_desc(sum by (host) (rate(c_total[2m])))',
  'sum(sum by (mode) (rate(c_total[2m])))',
  'max_over_time(sum(rate(c_total[2m]))[5m:30s])',
  'histogram_quantile(0.9, sum by (le) (label_replace(rate(c_total[2m]), "le", "$1", "mode", "(.*)")))',
  'last_over_time({__name__=~"c_total|temp"}[1m])',
  'rate({__name__=~"c_total|temp"}[1m])',
];

describe('series-major range evaluation', () => {
  const store = dataSet();
  const seriesMajor = new Engine();
  const stepByStep = new Engine({ seriesMajor: false });

  it.each(QUERIES)('answers %s as step-by-step evaluation does', async (q) => {
    for (const [start, end, step] of [[0, 1_800_000, 30_000], [37_000, 1_700_000, 61_000], [600_000, 600_000, 15_000]]) {
      const a = await seriesMajor.rangeQuery(store, q, start, end, step).catch((e: Error) => e);
      const b = await stepByStep.rangeQuery(store, q, start, end, step).catch((e: Error) => e);
      expect(a, `${q} ${start}..${end}/${step}`).toEqual(b);
    }
  });

  it('answers rate and increase across a gap longer than the range, with a reset right after it, as step-by-step evaluation does', async () => {
    const s = new MemoryQueryable();
    // 0..4 min every 15 s, nothing for 6 min, then a counter restarted at 1 (a reset on the first sample after the gap).
    for (let i = 0; i <= 16; i++) s.append({ __name__: 'g_total', job: 'x' }, i * 15_000, 100 + i * 7);
    for (let i = 0; i <= 20; i++) s.append({ __name__: 'g_total', job: 'x' }, 600_000 + i * 15_000, 1 + i * 3);
    // A reset inside the windows: 0..15 min, restarted at 7 min.
    for (let i = 0; i <= 60; i++) s.append({ __name__: 'g_total', job: 'y' }, i * 15_000, i < 28 ? 50 + i * 2 : i - 28);
    // Steps longer than the range too: a window then starts past every sample the previous one read.
    for (const step of [20_000, 90_000]) {
      for (const q of ['rate(g_total[2m])', 'increase(g_total[5m])', 'sum(rate(g_total[1m] offset 30s))']) {
        const a = await seriesMajor.rangeQuery(s, q, 0, 900_000, step);
        const b = await stepByStep.rangeQuery(s, q, 0, 900_000, step);
        expect(a, `${q} step ${step}`).toEqual(b);
        // Steps inside the gap have no value: job x's answer is not one unbroken row.
        const x = a.value.resultType === 'matrix' ? a.value.result.find((r) => r.metric.job === 'x') : undefined;
        if (!q.startsWith('sum')) expect(x?.timestamps.length, q).toBeLessThan(900_000 / step);
      }
    }
  });

  it('counts series whose runs of steps overlap, touch, lie apart or break off, as step-by-step evaluation does', async () => {
    const s = new MemoryQueryable();
    const scrape = (labels: Record<string, string>, from: number, to: number, stale = -1) => {
      for (let t = from; t <= to; t += 15_000) s.append({ __name__: 'up', ...labels }, t, t === stale ? NaN : 1, t === stale);
    };
    // Group x: a run, one apart after it, one joining both, one touching the first's end (its last
    // sample + the 5 min lookback), one with a gap past the lookback, one with a staleness marker.
    scrape({ g: 'x', id: 'a' }, 0, 600_000);
    scrape({ g: 'x', id: 'b' }, 1_200_000, 1_800_000);
    scrape({ g: 'x', id: 'c' }, 480_000, 1_500_000);
    scrape({ g: 'x', id: 'd' }, 900_000, 1_050_000);
    scrape({ g: 'x', id: 'e' }, 0, 300_000);
    scrape({ g: 'x', id: 'e' }, 720_000, 900_000);
    scrape({ g: 'x', id: 'f' }, 300_000, 1_200_000, 600_000);
    // Group y: runs apart first, then one covering everything; group z: one run inside another.
    scrape({ g: 'y', id: 'a' }, 1_500_000, 1_800_000);
    scrape({ g: 'y', id: 'b' }, 0, 300_000);
    scrape({ g: 'y', id: 'c' }, 0, 1_800_000);
    scrape({ g: 'z', id: 'a' }, 0, 1_800_000);
    scrape({ g: 'z', id: 'b' }, 600_000, 900_000);
    for (const q of ['count by (g) (up)', 'group by (g) (up)', 'count(up)', 'count by (g) (up offset 2m)', 'count by (g) (up) / 2']) {
      for (const [start, end, step] of [[0, 2_400_000, 60_000], [7_500, 2_100_000, 45_000], [900_000, 900_000, 60_000]]) {
        const a = await seriesMajor.rangeQuery(s, q, start, end, step);
        const b = await stepByStep.rangeQuery(s, q, start, end, step);
        expect(a, `${q} ${start}..${end}/${step}`).toEqual(b);
      }
    }
    for (const maxSamples of [100, 400, 1000]) {
      const run = (e: Engine) => e.rangeQuery(s, 'count by (g) (up)', 0, 2_400_000, 60_000).then(() => 'ok', (err: Error) => err);
      expect(await run(new Engine({ maxSamples }))).toEqual(await run(new Engine({ maxSamples, seriesMajor: false })));
    }
  });

  it('fails on a duplicate label set after dropping names as step-by-step does', async () => {
    const s = new MemoryQueryable();
    for (const name of ['a_total', 'b_total']) for (let i = 0; i < 10; i++) s.append({ __name__: name, job: 'x' }, i * 15_000, i);
    await expect(seriesMajor.rangeQuery(s, 'rate({job="x"}[1m])', 60_000, 120_000, 30_000)).rejects.toThrow('vector cannot contain metrics with the same labelset');
  });

  it('reports too many samples at the same limit as step-by-step evaluation', async () => {
    for (const maxSamples of [50, 500, 5000]) {
      const run = (e: Engine) => e.rangeQuery(store, 'sum by (mode) (rate(c_total[2m]))', 0, 1_800_000, 30_000).then(() => 'ok', (err: Error) => err);
      const a = await run(new Engine({ maxSamples }));
      const b = await run(new Engine({ maxSamples, seriesMajor: false }));
      expect(a).toEqual(b);
      if (maxSamples === 50) expect(a).toBeInstanceOf(PromqlTooManySamplesError);
    }
  });
});
