import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/harness/seeded-random.js';
import { timestampOrder } from './timestamp-order.js';

/** The order a comparison sort of the indices gives. */
function sortedOrder(t: Float64Array, n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
}

describe('timestampOrder', () => {
  const cases: Record<string, number[]> = {
    'nothing': [],
    'one sample': [5],
    'in order': [1, 2, 3, 4],
    'an in-order chunk, then older out-of-order samples': [100, 110, 120, 10, 20, 30],
    'runs of several sources overlapping, with ties': [5, 10, 15, 1, 10, 20, 10, 10, 3, 4],
    'every sample older than the one before': [9, 8, 7, 6, 5, 4, 3, 2, 1],
    'equal timestamps only': [7, 7, 7],
  };
  for (const [what, ts] of Object.entries(cases)) {
    it(`orders as a comparison sort does: ${what}`, () => {
      const t = Float64Array.from(ts);
      expect(Array.from(timestampOrder(t, t.length))).toEqual(sortedOrder(t, t.length));
    });
  }

  it('orders seeded runs of random lengths as a comparison sort does, and only the first n', () => {
    const random = seededRandom(13);
    for (let round = 0; round < 50; round++) {
      const ts: number[] = [];
      const runs = 1 + Math.floor(random() * 9);
      for (let r = 0; r < runs; r++) {
        let at = Math.floor(random() * 1000);
        for (let i = Math.floor(random() * 40); i > 0; i--) ts.push((at += Math.floor(random() * 3)));
      }
      const t = Float64Array.from([...ts, -1, -2]);
      expect(Array.from(timestampOrder(t, ts.length))).toEqual(sortedOrder(t, ts.length));
    }
  });
});
