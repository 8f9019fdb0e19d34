import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { interpolateHistogram } from './histogram-interpolate.js';

const h = (count: number, hint?: 'reset' | 'gauge') => new FloatHistogram({ count, sum: count, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [count], counterResetHint: hint });

describe('interpolateHistogram', () => {
  it('interpolates counts, sum and buckets on the line between two samples', () => {
    const r = interpolateHistogram(h(1), 0, h(2), 15_000, 7_000, true);
    expect(r.count).toBeCloseTo(1 + 7 / 15, 12);
    expect(r.sum).toBeCloseTo(1 + 7 / 15, 12);
    expect(r.positiveBuckets[0]).toBeCloseTo(1 + 7 / 15, 12);
  });

  it('starts a counter reset between the samples from zero', () => {
    expect(interpolateHistogram(h(10), 15_000, h(2, 'reset'), 30_000, 20_000, true).count).toBeCloseTo(2 / 3, 12);
    expect(interpolateHistogram(h(10, 'gauge'), 15_000, h(4, 'gauge'), 30_000, 20_000, false).count).toBeCloseTo(8, 12);
  });

  it('refuses to interpolate between exponential and custom buckets', () => {
    const custom = new FloatHistogram({ schema: -53, customValues: [5], count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] });
    expect(() => interpolateHistogram(custom, 0, h(2), 30_000, 15_000, true)).toThrow('mix of exponential and custom bucket schemas');
  });
});
