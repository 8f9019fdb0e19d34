import { describe, expect, it } from 'vitest';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { Engine } from './engine.js';

/**
 * Counters of two names and a gauge, over label sets of different shapes: resets, gaps longer
 * than the range, a staleness marker, and series with one sample per range (no rate).
 */
function dataSet(): MemoryQueryable {
  const s = new MemoryQueryable();
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let h = 0; h < 6; h++) {
    for (const [name, extra] of [['a_total', { cpu: `${h % 2}` }], ['b_count', {}], ['level', { zone: `z${h % 3}` }]] as const) {
      let v = rnd() * 50;
      for (let i = 0; i < 100; i++) {
        v = rnd() < 0.05 ? rnd() * 5 : v + rnd() * 3;
        if (rnd() < 0.1 || (h === 2 && i > 30 && i < 50)) continue;
        const stale = h === 4 && i === 70;
        s.append({ __name__: name, host: `h${h}`, ...extra }, i * 15_000 + h * 700, stale ? NaN : v, stale);
      }
    }
    // Every 3 minutes: never two samples in a 2m range, so no rate and no annotation.
    for (let i = 0; i < 10; i++) s.append({ __name__: 'sparse', host: `h${h}` }, i * 180_000, i);
  }
  return s;
}

describe('window rows (range functions series-major)', () => {
  const store = dataSet();
  const seriesMajor = new Engine();
  const stepByStep = new Engine({ seriesMajor: false });

  it.each([
    'rate({__name__=~"a_total|b_count|level"}[2m])',
    'sum by (host) (increase({__name__=~"a_total|level"}[1m30s] offset 40s))',
    'rate(level[2m] @ 900)',
    'delta(level[2m])',
    'irate(a_total[1m])',
    'resets(a_total[3m])',
    'avg_over_time({__name__=~"a_total|level"}[2m])',
  ])('answers %s as step-by-step evaluation does, annotations included', async (q) => {
    for (const [start, end, step] of [[0, 1_500_000, 30_000], [41_000, 1_400_000, 47_000]]) {
      const a = await seriesMajor.rangeQuery(store, q, start, end, step);
      const b = await stepByStep.rangeQuery(store, q, start, end, step);
      expect(a, `${q} ${start}..${end}/${step}`).toEqual(b);
    }
  });

  it('says once per name that a metric might not be a counter, and not for a series without any rate', async () => {
    const r = await seriesMajor.rangeQuery(store, 'rate({__name__=~"level|sparse|a_total"}[2m])', 0, 1_500_000, 30_000);
    expect(r.infos).toEqual([expect.stringContaining('"level"')]);
  });

  it('says it again in the next query (names checked are the query\'s own)', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await seriesMajor.rangeQuery(store, 'sum(rate(level[2m]))', 0, 600_000, 60_000);
      expect(r.infos, `query ${i}`).toHaveLength(1);
    }
  });
});
