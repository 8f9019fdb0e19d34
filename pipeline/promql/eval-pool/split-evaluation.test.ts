import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { PromqlTimeoutError } from '../errors.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { loopTurns } from '../../tsdb/index.js';
import { EvalPool } from './eval-pool.js';
import { seededRandom } from '../../../test/harness/seeded-random.js';


/**
 * Counters and gauges whose values are hard on exact merging: counter resets, values far apart
 * in magnitude (Kahan sums notice their order), NaN, ±Inf, ties, gaps, staleness markers, series
 * that start late or stop early.
 */
function randomData(seed: number): MemoryQueryable {
  const r = seededRandom(seed);
  const store = new MemoryQueryable();
  const odd = [NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308, 1e-300];
  for (let i = 0; i < 60; i++) {
    const labels = { __name__: i % 3 === 0 ? 'gauge' : 'req_total', job: `j${i % 4}`, le: ['0.1', '1', '10', '+Inf'][i % 4], instance: `h${i}` };
    const from = Math.floor(r() * 20);
    const to = 120 - Math.floor(r() * 20);
    let v = r() < 0.5 ? r() * 1e15 : r();
    for (let k = from; k < to; k++) {
      if (r() < 0.05) continue;
      if (r() < 0.02) {
        store.append(labels, k * 15_000, NaN, true);
        continue;
      }
      if (r() < 0.03) v = 0;
      else if (r() < 0.02) v = odd[Math.floor(r() * odd.length)];
      else if (r() < 0.1) v = v; // a tie with the previous value
      else v += r() < 0.5 ? Math.round(r() * 10) : r() * 1e-3;
      store.append(labels, k * 15_000, v);
    }
  }
  return store;
}

const QUERIES = [
  'sum by (job) (rate(req_total[2m]))',
  'sum(rate(req_total[5m]))',
  'avg by (job) (increase(req_total[3m]))',
  'count by (job) (gauge)',
  'count by (job) ({job=~"j.*"})',
  'group without (instance) (req_total)',
  'min by (le) (delta(gauge[2m]))',
  'max by (le) (gauge)',
  // Few groups among many series: each worker aggregates its share (above, rows are handed over).
  'min by (job) ({job=~"j.*"})',
  'max by (le) (rate({job=~"j.*"}[2m]))',
  'group by (le) ({job=~"j.*"})',
  'stddev by (job) (rate(req_total[2m]))',
  'stdvar(irate(gauge[4m]))',
  'sum without (instance, le) (avg_over_time(gauge[2m]))',
  'topk(3, rate(req_total[2m]))',
  'bottomk by (job) (2, gauge)',
  'topk(2, sum by (job) (rate(req_total[2m])))',
  'histogram_quantile(0.9, sum by (le) (rate(req_total[2m])))',
  'sum(rate(req_total{job=~"j[01]"}[2m])) / sum(rate(req_total[2m]))',
  '1 - max by (job) (last_over_time(gauge[1m])) * count by (job) (changes(gauge[3m]))',
];

describe('a query split across evaluation workers', () => {
  // Every query whose shape allows it is split, however small; none is evaluated in place.
  const split = new EvalPool(3, loopTurns, -1, 0);
  afterAll(() => split.close());
  const splitEngine = new Engine({ evaluator: split });
  const oneThread = new Engine();

  it.each(QUERIES)('answers %s as one thread does, on random data', async (q) => {
    for (const seed of [1, 2, 3]) {
      const data = randomData(seed);
      const before = split.splitQueries;
      const got = await splitEngine.rangeQuery(data, q, 0, 1_800_000, 30_000);
      expect(split.splitQueries).toBe(before + 1);
      expect(got).toEqual(await oneThread.rangeQuery(data, q, 0, 1_800_000, 30_000));
    }
  });

  it('keeps the annotations one thread gives, in its order', async () => {
    const data = randomData(4);
    const q = 'sum(rate(gauge[2m])) + sum(rate(req_total[2m]))';
    const got = await splitEngine.rangeQuery(data, q, 0, 1_800_000, 30_000);
    expect(got.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "gauge" (1:10)']);
    expect(got).toEqual(await oneThread.rangeQuery(data, q, 0, 1_800_000, 30_000));
  });

  it('finishes merged groups on the calling thread when that costs less than a hand-off, with the same answer', async () => {
    // Whole queries go to the workers, while what is left after their groups merge is computed in place.
    const finishedHere = new EvalPool(2, loopTurns, 2_000, 0);
    try {
      const engine = new Engine({ evaluator: finishedHere });
      const data = randomData(7);
      for (const [q, inPlace] of [['count by (job) ({job=~"j.*"})', 1], ['max by (le) (rate(req_total[2m])) - min by (job) ({job=~"j.*"})', 1], ['sum by (job) (rate(req_total[2m]))', 0]] as const) {
        const before = { split: finishedHere.splitQueries, inPlace: finishedHere.splitQueriesFinishedInPlace };
        const got = await engine.rangeQuery(data, q, 0, 1_800_000, 30_000);
        expect(finishedHere.splitQueries, q).toBe(before.split + 1);
        // A sum's rows are left to add in row order: a worker finishes it.
        expect(finishedHere.splitQueriesFinishedInPlace, q).toBe(before.inPlace + inPlace);
        expect(got).toEqual(await oneThread.rangeQuery(data, q, 0, 1_800_000, 30_000));
      }
    } finally {
      await finishedHere.close();
    }
  });

  it('splits a query whose rows one worker would aggregate only when it costs ROWS_SPLIT_FACTOR times the split cost', async () => {
    const data = randomData(8);
    // Both queries cost 4,000 to 12,000 here: above the split cost, below eight times it.
    const pool = new EvalPool(2, loopTurns, -1, 2_000);
    try {
      const engine = new Engine({ evaluator: pool });
      for (const [q, split] of [['count by (job) ({job=~"j.*"})', 1], ['sum by (job) (rate(req_total[2m]))', 0], ['max by (job) (gauge) + sum(req_total)', 0]] as const) {
        const before = pool.splitQueries;
        const got = await engine.rangeQuery(data, q, 0, 1_800_000, 30_000);
        expect(pool.splitQueries, q).toBe(before + split);
        expect(got).toEqual(await oneThread.rangeQuery(data, q, 0, 1_800_000, 30_000));
      }
    } finally {
      await pool.close();
    }
  });

  it('evaluates in one worker what it cannot split', async () => {
    const data = randomData(5);
    for (const q of ['rate(req_total[2m])', 'sum(rate(req_total[2m]) * 2)', 'stdvar(deriv(gauge[4m]))', 'sum(rate(req_total[2m])) + count(gauge offset 1m > 0)', 'quantile by (job) (0.5, gauge)']) {
      const before = split.splitQueries;
      const got = await splitEngine.rangeQuery(data, q, 0, 1_800_000, 30_000);
      expect(split.splitQueries).toBe(before);
      expect(got).toEqual(await oneThread.rangeQuery(data, q, 0, 1_800_000, 30_000));
    }
  });

  it('stops every part of a split query when its signal aborts', async () => {
    const ac = new AbortController();
    const reason = new Error('client closed the connection');
    ac.abort(reason);
    const err = await splitEngine.rangeQuery(randomData(6), 'sum(rate(req_total[2m]))', 0, 1_800_000, 30_000, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromqlTimeoutError);
  });
});
