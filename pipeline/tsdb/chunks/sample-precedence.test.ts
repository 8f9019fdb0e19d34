import { describe, expect, it } from 'vitest';
import { SampleBuffer } from './sample-buffer.js';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { histogramTakesPrecedence, takesPrecedence } from './sample-precedence.js';

describe('sample precedence at one timestamp', () => {
  it('puts a staleness marker first, then the larger value, and a number before NaN', () => {
    expect(takesPrecedence(0, true, 5, false)).toBe(true);
    expect(takesPrecedence(5, false, 0, true)).toBe(false);
    expect(takesPrecedence(2, false, 1, false)).toBe(true);
    expect(takesPrecedence(1, false, 2, false)).toBe(false);
    expect(takesPrecedence(-1, false, NaN, false)).toBe(true);
    expect(takesPrecedence(NaN, false, -1, false)).toBe(false);
    expect(takesPrecedence(Infinity, false, 1e308, false)).toBe(true);
  });

  it('is never true both ways, so the kept sample does not depend on which came first', () => {
    const samples: [number, boolean][] = [[0, true], [1, false], [2, false], [-Infinity, false], [NaN, false], [1, false]];
    for (const [v, s] of samples) for (const [w, r] of samples) expect(takesPrecedence(v, s, w, r) && takesPrecedence(w, r, v, s)).toBe(false);
  });

  it('keeps the same sample of a timestamp in a buffer whatever order the samples were pushed in', () => {
    const orders: [number, number, boolean][][] = [
      [[1000, 3, false], [1000, 7, false], [1000, 5, false], [2000, 1, false], [2000, 0, true]],
      [[2000, 0, true], [1000, 5, false], [2000, 1, false], [1000, 7, false], [1000, 3, false]],
    ];
    const kept = orders.map((pushes) => {
      const buf = new SampleBuffer(4);
      for (const [t, v, s] of pushes) buf.push(t, v, s);
      const c = buf.columns();
      return { t: Array.from(c.timestamps), v: Array.from(c.values), stale: c.stale === null ? null : Array.from(c.stale) };
    });
    expect(kept[0]).toEqual({ t: [1000, 2000], v: [7, 0], stale: [0, 1] });
    expect(kept[1]).toEqual(kept[0]);
  });

  it('orders two different native histograms by count, then sum, then the rest, one way only', () => {
    const h = (count: number, sum: number, buckets: number[]) => new FloatHistogram({ schema: 0, count, sum, positiveSpans: [{ offset: 0, length: buckets.length }], positiveBuckets: buckets });
    const hs = [h(5, 1, [5]), h(3, 9, [3]), h(3, 2, [3]), h(3, 2, [1, 2]), h(3, NaN, [3])];
    expect(histogramTakesPrecedence(hs[0], hs[1])).toBe(true);
    expect(histogramTakesPrecedence(hs[1], hs[2])).toBe(true);
    expect(histogramTakesPrecedence(hs[2], hs[4])).toBe(true);
    for (const a of hs) for (const b of hs) expect(histogramTakesPrecedence(a, b) && histogramTakesPrecedence(b, a)).toBe(false);
    expect(histogramTakesPrecedence(hs[2], hs[3]) !== histogramTakesPrecedence(hs[3], hs[2])).toBe(true);
  });
});
