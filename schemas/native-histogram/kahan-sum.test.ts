// The histograms and the expected sum are those of Prometheus' test file
// promql/promqltest/testdata/native_histograms.test ("Test native histograms with sum, count,
// avg"), Apache-2.0, Copyright The Prometheus Authors; copy in test/conformance/testdata/promql.
import { describe, expect, it } from 'vitest';
import { FloatHistogram } from './float-histogram.js';
import { KahanHistogramSum } from './kahan-sum.js';
import { indexedCounts } from './span.js';

/** A histogram in the test notation's shape: one span per side starting at index 0. */
function lit(schema: number, count: number, sum: number, zeroCount: number, positive: number[], negative: number[]): FloatHistogram {
  return new FloatHistogram({
    schema, count, sum, zeroCount, zeroThreshold: 0.001,
    positiveSpans: positive.length ? [{ offset: 0, length: positive.length }] : [], positiveBuckets: positive,
    negativeSpans: negative.length ? [{ offset: 0, length: negative.length }] : [], negativeBuckets: negative,
  });
}

const inputs = () => [
  lit(0, 25, 3.1, 4, [1, 2, 0, 1, 1], [2, 4, 0, 0, 1, 9]),
  lit(0, 41, 1e100, 5, [1, 3, 1, 2, 1, 1, 1], [0, 1, 4, 2, 7, 0, 0, 0, 0, 5, 5, 2]),
  lit(0, 41, -1e100, 5, [1, 3, 1, 2, 1, 1, 1], [0, 1, 4, 2, 7, 0, 0, 0, 0, 5, 5, 2]),
  lit(1, 0, 1.3, 3, [2, 4, 2, 3, 2, 2], [1, 2, 5, 3, 8, 1, 1, 1, 1, 6, 3]),
];
const expected = lit(0, 107, 4.4, 17, [5, 14, 7, 7, 3, 2, 2], [3, 13, 19, 6, 17, 18, 0, 0, 0, 10, 10, 4]);

function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) / Math.max(Math.abs(a) + Math.abs(b), Number.MIN_VALUE) < 1e-6;
}

function matches(got: FloatHistogram, want: FloatHistogram): boolean {
  const g = got.copy().compact();
  const w = want.copy().compact();
  const side = (a: FloatHistogram, b: FloatHistogram, positive: boolean) => {
    const x = [...indexedCounts(positive ? a.positiveSpans : a.negativeSpans, positive ? a.positiveBuckets : a.negativeBuckets)];
    const y = [...indexedCounts(positive ? b.positiveSpans : b.negativeSpans, positive ? b.positiveBuckets : b.negativeBuckets)];
    return x.length === y.length && x.every((e, i) => e.index === y[i].index && close(e.count, y[i].count));
  };
  return g.schema === w.schema && close(g.count, w.count) && close(g.sum, w.sum) && close(g.zeroCount, w.zeroCount) && side(g, w, true) && side(g, w, false);
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('KahanHistogramSum', () => {
  it('keeps the small sums that plain addition loses next to ±1e100', () => {
    const plain = inputs()[0].copy();
    for (const h of inputs().slice(1)) plain.add(h);
    expect(plain.sum).toBe(1.3);
    expect(matches(plain, expected)).toBe(false);
  });

  it.each(permutations([0, 1, 2, 3]).map((order) => [order.join(','), order] as const))(
    'adds the four histograms in the order %s to what sum() is expected to give',
    (_name, order) => {
      const acc = new KahanHistogramSum();
      const all = inputs();
      for (const i of order) acc.add(all[i]);
      const got = acc.result()!;
      expect(matches(got, expected), got.toString()).toBe(true);
    },
  );

  it('leaves its addends unchanged and has no result before the first', () => {
    const acc = new KahanHistogramSum();
    expect(acc.result()).toBeUndefined();
    const h = inputs()[3];
    const before = h.toString();
    acc.add(inputs()[0]);
    acc.add(h);
    expect(h.toString()).toBe(before);
  });

  it('refuses to add custom buckets to exponential ones', () => {
    const acc = new KahanHistogramSum();
    acc.add(inputs()[0]);
    expect(() => acc.add(new FloatHistogram({ schema: -53, customValues: [1] }))).toThrow('mix of exponential and custom bucket schemas');
  });

  it('reconciles custom bounds like add does', () => {
    const acc = new KahanHistogramSum();
    acc.add(new FloatHistogram({ schema: -53, customValues: [5, 10], count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] }));
    expect(acc.add(new FloatHistogram({ schema: -53, customValues: [10], count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] })).nhcbBoundsReconciled).toBe(true);
    expect(acc.result()!.testExpression()).toBe('{{schema:-53 count:2 sum:2 custom_values:[10] buckets:[2]}}');
  });

  it('scales the running sum together with its compensation', () => {
    const acc = new KahanHistogramSum();
    for (const sum of [1, 1e100, 1, -1e100]) acc.add(new FloatHistogram({ count: 1, sum }));
    acc.scale(0.25);
    expect(acc.result()!.sum).toBe(0.5);
    expect(acc.result()!.count).toBe(1);
  });
});
