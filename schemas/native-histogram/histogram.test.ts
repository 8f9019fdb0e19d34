// Cases follow Prometheus' model/histogram/histogram_test.go (TestHistogramToFloat,
// TestHistogramCompact, TestHistogramValidation, TestHistogramString) (Apache-2.0, Copyright The
// Prometheus Authors), github.com/prometheus/prometheus main, 2026-08 snapshot.
import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.js';

const sample = () =>
  new Histogram({
    schema: 0,
    count: 25,
    sum: 1234.5,
    zeroThreshold: 0.001,
    zeroCount: 4,
    positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 2 }],
    positiveBuckets: [1, 1, -1, 0],
    negativeSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 2 }],
    negativeBuckets: [2, 2, -3, 8],
  });

describe('Histogram', () => {
  it('converts to a float histogram with absolute bucket counts', () => {
    const f = sample().toFloat();
    expect(f.positiveBuckets).toEqual([1, 2, 1, 1]);
    expect(f.negativeBuckets).toEqual([2, 4, 1, 9]);
    expect(f.positiveSpans).toEqual(sample().positiveSpans);
    expect([f.count, f.sum, f.zeroCount, f.zeroThreshold, f.schema]).toEqual([25, 1234.5, 4, 0.001, 0]);
  });

  it('keeps the custom bounds and drops zero bucket and negative side for custom buckets', () => {
    const f = new Histogram({ schema: -53, count: 3, sum: 2, customValues: [1, 2], positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 1] }).toFloat();
    expect([...f.customValues]).toEqual([1, 2]);
    expect(f.positiveBuckets).toEqual([1, 2]);
    expect(f.toString()).toBe('{count:3, sum:2, [-Inf,1]:1, (1,2]:2}');
  });

  it('prints counts as integers', () => {
    const h = new Histogram({ count: 3000000, sum: 1e6, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [3000000] });
    expect(h.toString()).toBe('{count:3000000, sum:1e+06, (0.5,1]:3000000}');
    expect(sample().toString()).toBe('{count:25, sum:1234.5, [-16,-8):9, [-8,-4):1, [-2,-1):4, [-1,-0.5):2, [-0.001,0.001]:4, (0.5,1]:1, (1,2]:2, (4,8]:1, (8,16]:1}');
  });

  it('compacts without breaking the delta encoding', () => {
    const h = new Histogram({ positiveSpans: [{ offset: -2, length: 6 }], positiveBuckets: [0, 0, 1, -1, 0, 3] });
    h.compact();
    expect(h.positiveSpans).toEqual([{ offset: 0, length: 1 }, { offset: 2, length: 1 }]);
    expect(h.positiveBuckets).toEqual([1, 2]);
  });

  it('reduces its resolution keeping the delta encoding', () => {
    const h = new Histogram({ schema: 0, positiveSpans: [{ offset: 0, length: 4 }, { offset: 0, length: 0 }, { offset: 3, length: 2 }], positiveBuckets: [1, 2, -2, 1, -1, 0] });
    h.reduceResolution(-1);
    expect(h.positiveSpans).toEqual([{ offset: 0, length: 3 }, { offset: 1, length: 1 }]);
    expect(h.positiveBuckets).toEqual([1, 3, -2, 0]);
  });

  it.each([
    { name: 'a consistent histogram', h: sample(), error: undefined },
    { name: 'a count below the buckets', h: new Histogram({ count: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [3] }), error: "3 observations found in buckets, but the Count field is 2: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)" },
    { name: 'NaN observations making the count exceed the buckets', h: new Histogram({ count: 5, sum: NaN, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [3] }), error: undefined },
    { name: 'NaN sum but too small a count', h: new Histogram({ count: 2, sum: NaN, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [3] }), error: 'should be at least the number of observations found in the buckets' },
    { name: 'deltas that go below zero', h: new Histogram({ count: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, -2] }), error: 'positive side: bucket number 2 has observation count of -1' },
    { name: 'a bucket count mismatch', h: new Histogram({ negativeSpans: [{ offset: 0, length: 2 }], negativeBuckets: [1] }), error: 'negative side: spans need 2 buckets, have 1 buckets' },
  ])('validates $name', ({ h, error }) => {
    if (error === undefined) expect(() => h.validate()).not.toThrow();
    else expect(() => h.validate()).toThrow(error);
  });

  it('equals a copy and differs once a delta changes', () => {
    const a = sample();
    const b = a.copy();
    expect(a.equals(b)).toBe(true);
    b.positiveBuckets[1] = 2;
    expect(a.equals(b)).toBe(false);
  });
});
