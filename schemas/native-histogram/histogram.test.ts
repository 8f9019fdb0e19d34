// Tables ported from Prometheus' model/histogram/histogram_test.go (TestHistogramString,
// TestRegularBucketIterator, TestHistogramEquals, TestHistogramCompact; file version 061e49402e3cb10c20af3c9acc8490bfb3eded95), the other
// cases follow TestHistogramToFloat, TestHistogramCompact and TestHistogramValidation
// (Apache-2.0, Copyright The Prometheus Authors), github.com/prometheus/prometheus.
import { describe, expect, it } from 'vitest';
import type { Bucket } from './bucket.js';
import { Histogram, type HistogramFields } from './histogram.js';

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

const sp = (...t: [number, number][]) => t.map(([offset, length]) => ({ offset, length }));
const pos = (lower: number, upper: number, count: number, index: number): Bucket => ({ lower, upper, count, index, lowerInclusive: false, upperInclusive: true });
const neg = (lower: number, upper: number, count: number, index: number): Bucket => ({ lower, upper, count, index, lowerInclusive: true, upperInclusive: false });

describe('Histogram.toString (upstream table)', () => {
  it.each([
    { fields: { schema: 0 }, want: '{count:0, sum:0}' },
    {
      fields: { schema: 0, count: 9, sum: -3.1415, zeroCount: 12, zeroThreshold: 0.001, negativeSpans: sp([0, 5], [1, 1]), negativeBuckets: [1, 2, -2, 1, -1, 0] },
      want: '{count:9, sum:-3.1415, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, [-2,-1):3, [-1,-0.5):1, [-0.001,0.001]:12}',
    },
    {
      fields: { schema: 0, count: 19, sum: 2.7, positiveSpans: sp([0, 4], [0, 0], [0, 3]), positiveBuckets: [1, 2, -2, 1, -1, 0, 0], negativeSpans: sp([0, 5], [1, 0], [0, 1]), negativeBuckets: [1, 2, -2, 1, -1, 0] },
      want: '{count:19, sum:2.7, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, [-2,-1):3, [-1,-0.5):1, (0.5,1]:1, (1,2]:3, (2,4]:1, (4,8]:2, (8,16]:1, (16,32]:1, (32,64]:1}',
    },
  ] as { fields: HistogramFields; want: string }[])('prints $want', ({ fields, want }) => {
    expect(new Histogram(fields).toString()).toBe(want);
  });
});

describe('Histogram bucket iterators (upstream table)', () => {
  it.each([
    { name: 'no buckets', fields: { schema: 0 }, positive: [], negative: [] },
    {
      name: 'two positive spans',
      fields: { schema: 0, positiveSpans: sp([0, 2], [1, 2]), positiveBuckets: [1, 1, -1, 0] },
      positive: [pos(0.5, 1, 1, 0), pos(1, 2, 2, 1), pos(4, 8, 1, 3), pos(8, 16, 1, 4)],
      negative: [],
    },
    {
      name: 'negative buckets only',
      fields: { schema: 0, negativeSpans: sp([0, 5], [1, 1]), negativeBuckets: [1, 2, -2, 1, -1, 0] },
      positive: [],
      negative: [neg(-1, -0.5, 1, 0), neg(-2, -1, 3, 1), neg(-4, -2, 1, 2), neg(-8, -4, 2, 3), neg(-16, -8, 1, 4), neg(-64, -32, 1, 6)],
    },
    {
      name: 'both sides with zero-length spans',
      fields: { schema: 0, positiveSpans: sp([0, 4], [0, 0], [0, 3]), positiveBuckets: [1, 2, -2, 1, -1, 0, 0], negativeSpans: sp([0, 5], [1, 0], [0, 1]), negativeBuckets: [1, 2, -2, 1, -1, 0] },
      positive: [pos(0.5, 1, 1, 0), pos(1, 2, 3, 1), pos(2, 4, 1, 2), pos(4, 8, 2, 3), pos(8, 16, 1, 4), pos(16, 32, 1, 5), pos(32, 64, 1, 6)],
      negative: [neg(-1, -0.5, 1, 0), neg(-2, -1, 3, 1), neg(-4, -2, 1, 2), neg(-8, -4, 2, 3), neg(-16, -8, 1, 4), neg(-64, -32, 1, 6)],
    },
    {
      name: 'schema 3',
      fields: { schema: 3, positiveSpans: sp([-5, 2], [2, 3], [2, 2]), positiveBuckets: [1, 2, -2, 1, -1, 0, 3] },
      positive: [
        pos(0.5946035575013605, 0.6484197773255048, 1, -5), pos(0.6484197773255048, 0.7071067811865475, 3, -4),
        pos(0.8408964152537144, 0.9170040432046711, 1, -1), pos(0.9170040432046711, 1, 2, 0), pos(1, 1.0905077326652577, 1, 1),
        pos(1.2968395546510096, 1.414213562373095, 1, 4), pos(1.414213562373095, 1.5422108254079407, 4, 5),
      ],
      negative: [],
    },
    {
      name: 'schema -2',
      fields: { schema: -2, positiveSpans: sp([-2, 4], [2, 2]), positiveBuckets: [1, 2, -2, 1, -1, 0] },
      positive: [pos(0.000244140625, 0.00390625, 1, -2), pos(0.00390625, 0.0625, 3, -1), pos(0.0625, 1, 1, 0), pos(1, 16, 2, 1), pos(4096, 65536, 1, 4), pos(65536, 1048576, 1, 5)],
      negative: [],
    },
    {
      name: 'schema -1',
      fields: { schema: -1, positiveSpans: sp([-2, 5]), positiveBuckets: [1, 2, -2, 1, -1] },
      positive: [pos(0.015625, 0.0625, 1, -2), pos(0.0625, 0.25, 3, -1), pos(0.25, 1, 1, 0), pos(1, 4, 2, 1), pos(4, 16, 1, 2)],
      negative: [],
    },
  ] as { name: string; fields: HistogramFields; positive: Bucket[]; negative: Bucket[] }[])('$name', ({ fields, positive, negative }) => {
    const h = new Histogram(fields);
    expect([...h.positiveBucketIterator()]).toEqual(positive);
    expect([...h.negativeBucketIterator()]).toEqual(negative);
    // The float form iterates the same buckets.
    expect([...h.toFloat().positiveBucketIterator()]).toEqual(positive);
  });
});

describe('Histogram.equals (upstream sequence, both integer and float forms)', () => {
  const h1 = () =>
    new Histogram({
      schema: 3, count: 61, sum: 2.7, zeroThreshold: 0.1, zeroCount: 42,
      positiveSpans: sp([0, 4], [10, 3]), positiveBuckets: [1, 2, -2, 1, -1, 0, 0],
      negativeSpans: sp([0, 4], [10, 3]), negativeBuckets: [1, 2, -2, 1, -1, 0, 0],
    });
  const same = (a: Histogram, b: Histogram) => a.equals(b) && b.equals(a) && a.toFloat().equals(b.toFloat()) && b.toFloat().equals(a.toFloat());
  const differs = (a: Histogram, b: Histogram) => !a.equals(b) && !b.equals(a) && !a.toFloat().equals(b.toFloat()) && !b.toFloat().equals(a.toFloat());
  const changed = (f: (h: Histogram) => void) => {
    const h = h1();
    f(h);
    return h;
  };

  it('holds for a copy, extra zero-length spans and empty spans in between', () => {
    expect(same(h1(), h1().copy())).toBe(true);
    const h2 = changed((h) => {
      h.positiveSpans = sp([0, 4], [1, 0], [3, 0], [6, 3], [5, 0]);
      h.negativeSpans = sp([0, 4], [2, 0], [3, 0], [5, 3], [2, 0]);
    });
    expect(same(h1(), h2)).toBe(true);
  });

  it.each([
    ['an empty histogram', () => new Histogram()],
    ['another schema', () => changed((h) => (h.schema = 1))],
    ['another count', () => changed((h) => h.count++)],
    ['another sum', () => changed((h) => h.sum++)],
    ['another zero threshold', () => changed((h) => h.zeroThreshold++)],
    ['another zero count', () => changed((h) => h.zeroCount++)],
    ['a changed positive bucket', () => changed((h) => h.positiveBuckets[6]++)],
    ['a changed negative bucket', () => changed((h) => h.negativeBuckets[6]++)],
    ['a moved positive span', () => changed((h) => h.positiveSpans[1].offset++)],
    ['a moved negative span', () => changed((h) => h.negativeSpans[1].offset++)],
    ['an extra empty positive bucket', () => changed((h) => { h.positiveSpans[0] = { offset: -1, length: 5 }; h.positiveBuckets.unshift(0); })],
    ['an extra empty negative bucket', () => changed((h) => { h.negativeSpans[0] = { offset: -1, length: 5 }; h.negativeBuckets.unshift(0); })],
    ['a new positive bucket', () => changed((h) => { h.positiveSpans.push({ offset: 1, length: 1 }); h.positiveBuckets.push(1); })],
    ['a new negative bucket', () => changed((h) => { h.negativeSpans.push({ offset: 1, length: 1 }); h.negativeBuckets.push(1); })],
    ['a NaN sum', () => changed((h) => (h.sum = NaN))],
  ])('fails against %s', (_name, other) => {
    expect(differs(h1(), other())).toBe(true);
  });

  it('holds between two histograms with a NaN sum (bit equality, not float equality)', () => {
    const a = changed((h) => (h.sum = NaN));
    expect(same(a, a.copy())).toBe(true);
  });
});

describe('Histogram.compact (upstream table, delta-encoded)', () => {
  it.each([
    { name: 'empty histogram', in: {}, max: 0, want: {} },
    {
      name: 'nothing should happen',
      in: { positiveSpans: sp([-2, 1], [2, 3]), positiveBuckets: [1, 3, -3, 42], negativeSpans: sp([3, 2], [3, 2]), negativeBuckets: [5, 3, 1.234e5, 1000] },
      max: 0,
      want: { positiveSpans: sp([-2, 1], [2, 3]), positiveBuckets: [1, 3, -3, 42], negativeSpans: sp([3, 2], [3, 2]), negativeBuckets: [5, 3, 1.234e5, 1000] },
    },
    {
      name: 'eliminate zero offsets',
      in: { positiveSpans: sp([-2, 1], [0, 3], [0, 1]), positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: sp([0, 2], [0, 2], [2, 1], [0, 1]), negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4] },
      max: 0,
      want: { positiveSpans: sp([-2, 5]), positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: sp([0, 4], [2, 2]), negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4] },
    },
    {
      name: 'eliminate zero length',
      in: { positiveSpans: sp([-2, 2], [2, 0], [3, 3]), positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: sp([0, 2], [0, 0], [2, 0], [1, 4]), negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4] },
      max: 0,
      want: { positiveSpans: sp([-2, 2], [5, 3]), positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: sp([0, 2], [3, 4]), negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4] },
    },
    {
      name: 'cut empty buckets at start and end',
      in: { positiveSpans: sp([-4, 4], [5, 6]), positiveBuckets: [0, 0, 1, 3, -3, 42, 3, -46, 0, 0], negativeSpans: sp([-2, 4], [3, 5]), negativeBuckets: [0, 0, 5, 3, -4, -2, 3, 4, -9] },
      max: 0,
      want: { positiveSpans: sp([-2, 2], [5, 3]), positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: sp([0, 2], [3, 4]), negativeBuckets: [5, 3, -4, -2, 3, 4] },
    },
    {
      name: 'cut empty buckets at start or end of spans, even in the middle',
      in: { positiveSpans: sp([-4, 6], [3, 6]), positiveBuckets: [0, 0, 1, 3, -4, 0, 1, 42, 3, -46, 0, 0], negativeSpans: sp([0, 2], [2, 6]), negativeBuckets: [5, 3, -8, 4, -2, 3, 4, -9] },
      max: 0,
      want: { positiveSpans: sp([-2, 2], [5, 3]), positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: sp([0, 2], [3, 4]), negativeBuckets: [5, 3, -4, -2, 3, 4] },
    },
    {
      name: 'cut empty buckets at start or end but merge spans due to maxEmptyBuckets',
      in: { positiveSpans: sp([-4, 4], [5, 3]), positiveBuckets: [0, 0, 1, 3, -3, 42, 3], negativeSpans: sp([0, 2], [3, 5]), negativeBuckets: [5, 3, -4, -2, 3, 4, -9] },
      max: 10,
      want: { positiveSpans: sp([-2, 10]), positiveBuckets: [1, 3, -4, 0, 0, 0, 0, 1, 42, 3], negativeSpans: sp([0, 9]), negativeBuckets: [5, 3, -8, 0, 0, 4, -2, 3, 4] },
    },
    {
      name: 'cut empty buckets from the middle of a span',
      in: { positiveSpans: sp([-4, 6], [3, 3]), positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3], negativeSpans: sp([0, 2], [3, 5]), negativeBuckets: [5, 3, -4, -2, -2, 3, 4] },
      max: 0,
      want: { positiveSpans: sp([-2, 1], [2, 1], [3, 3]), positiveBuckets: [1, 2, -2, 42, 3], negativeSpans: sp([0, 2], [3, 2], [1, 2]), negativeBuckets: [5, 3, -4, -2, 1, 4] },
    },
    {
      name: 'avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets',
      in: { positiveSpans: sp([-4, 6], [3, 3]), positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3], negativeSpans: sp([0, 2], [3, 5]), negativeBuckets: [5, 3, -4, -2, -2, 3, 4] },
      max: 2,
      want: { positiveSpans: sp([-2, 4], [3, 3]), positiveBuckets: [1, -1, 0, 3, -2, 42, 3], negativeSpans: sp([0, 2], [3, 5]), negativeBuckets: [5, 3, -4, -2, -2, 3, 4] },
    },
    {
      name: 'everything merged into one span due to maxEmptyBuckets',
      in: { positiveSpans: sp([-4, 6], [3, 3]), positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3], negativeSpans: sp([0, 2], [3, 5]), negativeBuckets: [5, 3, -4, -2, -2, 3, 4] },
      max: 3,
      want: { positiveSpans: sp([-2, 10]), positiveBuckets: [1, -1, 0, 3, -3, 0, 0, 1, 42, 3], negativeSpans: sp([0, 10]), negativeBuckets: [5, 3, -8, 0, 0, 4, -2, -2, 3, 4] },
    },
    {
      name: 'multiple spans of only empty buckets',
      in: { positiveSpans: sp([-10, 2], [2, 1], [3, 3]), positiveBuckets: [0, 0, 0, 0, 2, 3], negativeSpans: sp([-10, 2], [2, 1], [3, 3]), negativeBuckets: [2, 3, -5, 0, 0, 0] },
      max: 0,
      want: { positiveSpans: sp([-1, 2]), positiveBuckets: [2, 3], negativeSpans: sp([-10, 2]), negativeBuckets: [2, 3] },
    },
  ] as { name: string; in: HistogramFields; max: number; want: HistogramFields }[])('$name', ({ in: fields, max, want }) => {
    const h = new Histogram(fields);
    expect(h.compact(max)).toBe(h);
    expect(h).toEqual(new Histogram(want));
  });
});
