// Expected values follow Prometheus' promql/quantile.go and functions.go semantics (Apache-2.0,
// Copyright The Prometheus Authors, 2026-08 snapshot); many are the ones
// test/conformance/testdata/promql/native_histograms.test expects, which
// test/conformance/native-histogram-functions.test.ts checks file-wide.
import { describe, expect, it } from 'vitest';
import { FloatHistogram } from './float-histogram.js';
import { histogramAvg, histogramCount, histogramFraction, histogramQuantile, histogramStdDev, histogramStdVar, histogramSum } from './histogram-math.js';

function expectClose(got: number, want: number): void {
  if (Number.isNaN(want)) expect(got).toBeNaN();
  else expect(got).toBeCloseTo(want, 12);
}

// {{schema:0 sum:5 count:4 buckets:[1 2 1]}}: (0.5,1]:1, (1,2]:2, (2,4]:1.
const single = () => new FloatHistogram({ schema: 0, sum: 5, count: 4, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [1, 2, 1] });
// A zero bucket of width 0.001 holding 2, and one negative bucket [-2,-1) holding 2.
const mixed = () =>
  new FloatHistogram({ schema: 0, sum: -1, count: 6, zeroThreshold: 0.001, zeroCount: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [2], negativeSpans: [{ offset: 1, length: 1 }], negativeBuckets: [2] });
const custom = () => new FloatHistogram({ schema: -53, sum: 10, count: 4, customValues: [1, 5], positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [1, 2, 1] });

describe('histogramQuantile', () => {
  it.each([
    { name: 'q < 0', q: -0.1, h: single(), want: -Infinity },
    { name: 'q > 1', q: 1.1, h: single(), want: Infinity },
    { name: 'NaN q', q: NaN, h: single(), want: NaN },
    { name: 'an empty histogram', q: 0.5, h: new FloatHistogram(), want: NaN },
    { name: 'the median, exponentially interpolated in (1,2]', q: 0.5, h: single(), want: Math.SQRT2 },
    { name: 'q = 1, the top of the highest bucket', q: 1, h: single(), want: 4 },
    { name: 'q = 0, the bottom of the lowest bucket', q: 0, h: single(), want: 0.5 },
    { name: 'a quantile in the zero bucket, linearly interpolated', q: 0.5, h: mixed(), want: 0 },
    { name: 'a quantile in the negative bucket, mirrored', q: 1 / 6, h: mixed(), want: -Math.SQRT2 },
    { name: 'custom buckets: linear interpolation from 0 in the first bucket', q: 0.125, h: custom(), want: 0.5 },
    { name: 'custom buckets: linear interpolation within (1,5]', q: 0.5, h: custom(), want: 3 },
    { name: 'custom buckets: the +Inf bucket gives the last bound', q: 0.99, h: custom(), want: 5 },
  ])('$name gives $want', ({ q, h, want }) => {
    expectClose(histogramQuantile(q, h).value, want);
  });

  it('takes 0 as the lower bound of a zero bucket when there are only positive buckets', () => {
    const h = new FloatHistogram({ count: 4, sum: 2, zeroThreshold: 0.5, zeroCount: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [2] });
    expect(histogramQuantile(0.25, h).value).toBe(0.25);
  });

  it('is NaN among NaN observations and reports the skew below them', () => {
    // {{schema:0 count:15 sum:NaN buckets:[12]}}: 3 NaN observations.
    const h = new FloatHistogram({ count: 15, sum: NaN, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [12] });
    expect(histogramQuantile(0.81, h)).toEqual({ value: NaN, note: 'nan_result' });
    expect(histogramQuantile(0.8, h)).toEqual({ value: 1, note: 'nan_skew' });
    expect(histogramQuantile(0.4, h).value).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it('does not report a skew when a NaN sum comes from observing -Inf and +Inf', () => {
    const h = new FloatHistogram({ count: 2, sum: NaN, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1], negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [1] });
    expect(histogramQuantile(0.5, h).note).toBeUndefined();
  });
});

describe('histogramFraction', () => {
  it.each([
    { name: 'an empty histogram', lo: 0, hi: 8, h: new FloatHistogram(), want: NaN },
    { name: 'a NaN bound', lo: NaN, hi: 1, h: single(), want: NaN },
    { name: 'lower >= upper', lo: 2, hi: 1, h: single(), want: 0 },
    { name: 'exactly the (1,2] bucket', lo: 1, hi: 2, h: single(), want: 0.5 },
    { name: 'everything', lo: -Infinity, hi: Infinity, h: single(), want: 1 },
    { name: 'half of (1,2] on the log scale', lo: 0, hi: Math.SQRT2, h: single(), want: 0.5 },
    { name: 'the zero bucket half, linearly', lo: 0, hi: 0.001, h: mixed(), want: 1 / 6 },
    { name: 'custom buckets below 3 (linear in (1,5])', lo: -Infinity, hi: 3, h: custom(), want: 0.5 },
  ])('$name gives $want', ({ lo, hi, h, want }) => {
    expectClose(histogramFraction(lo, hi, h).value, want);
  });

  it('excludes NaN observations from every range', () => {
    const h = new FloatHistogram({ count: 15, sum: NaN, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [12] });
    expect(histogramFraction(-Infinity, Infinity, h)).toEqual({ value: 0.8, note: 'nan_excluded' });
    expect(histogramFraction(-Infinity, Infinity, new FloatHistogram({ count: 3, sum: NaN })).value).toBe(0);
  });
});

describe('histogram_stddev, histogram_stdvar, count, sum and avg', () => {
  it('estimate the variance from the geometric middle of each exponential bucket', () => {
    const h = single();
    const mean = 5 / 4;
    const mids = [Math.SQRT1_2, Math.SQRT2, 2 * Math.SQRT2];
    const want = (1 * (mids[0] - mean) ** 2 + 2 * (mids[1] - mean) ** 2 + 1 * (mids[2] - mean) ** 2) / 4;
    expect(histogramStdVar(h)).toBeCloseTo(want, 12);
    expect(histogramStdDev(h)).toBeCloseTo(Math.sqrt(want), 12);
  });

  it('take the zero bucket at 0 and custom buckets at their arithmetic middle', () => {
    const z = new FloatHistogram({ count: 2, sum: 0, zeroThreshold: 1, zeroCount: 2 });
    expect(histogramStdVar(z)).toBe(0);
    const c = new FloatHistogram({ schema: -53, count: 2, sum: 8, customValues: [2, 6], positiveSpans: [{ offset: 1, length: 1 }], positiveBuckets: [2] });
    expect(histogramStdVar(c)).toBe(0);
  });

  it('read count and sum, and average them', () => {
    expect([histogramCount(single()), histogramSum(single()), histogramAvg(single())]).toEqual([4, 5, 1.25]);
    expect(histogramAvg(new FloatHistogram())).toBeNaN();
  });
});
