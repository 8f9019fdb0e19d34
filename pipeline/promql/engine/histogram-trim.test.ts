import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { trimHistogram } from './histogram-trim.js';

// Buckets (1,2], (2,4], (4,8] holding 10 each, sum 100.
function exponential(): FloatHistogram {
  return new FloatHistogram({ schema: 0, count: 30, sum: 100, positiveSpans: [{ offset: 1, length: 3 }], positiveBuckets: [10, 10, 10] });
}

describe('trimHistogram', () => {
  it('keeps the buckets below a cut on a bucket boundary and recomputes count and sum from their geometric middles', () => {
    const h = trimHistogram(exponential(), 4, true);
    expect(h.positiveBuckets).toEqual([10, 10]);
    expect(h.count).toBe(20);
    expect(h.sum).toBeCloseTo(10 * Math.SQRT2 + 10 * Math.sqrt(8), 12);
  });

  it('interpolates exponentially inside the bucket the cut falls into', () => {
    const h = trimHistogram(exponential(), Math.sqrt(8), false);
    expect(h.positiveBuckets[0]).toBeCloseTo(5, 12);
    expect(h.count).toBeCloseTo(15, 12);
  });

  it('returns a histogram nothing was trimmed from unchanged and leaves its input alone', () => {
    const input = exponential();
    const h = trimHistogram(input, Infinity, true);
    expect(h).not.toBe(input);
    expect(h.sum).toBe(100);
    expect(trimHistogram(input, 0, true).count).toBe(0);
    expect(input.positiveBuckets).toEqual([10, 10, 10]);
  });

  it('interpolates custom buckets linearly and drops the +Inf bucket when keeping what is below', () => {
    const h = new FloatHistogram({ schema: -53, count: 101, sum: 33, customValues: [5], positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 100] });
    const below = trimHistogram(h, 2, true);
    expect(below.count).toBeCloseTo(0.4, 12);
    expect(below.sum).toBeCloseTo(0.4, 12);
    const above = trimHistogram(h, 2, false);
    expect(above.count).toBeCloseTo(100.6, 12);
    expect(above.sum).toBeCloseTo(502.1, 12);
  });
});
