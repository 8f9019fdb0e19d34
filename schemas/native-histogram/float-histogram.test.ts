// Test tables ported from Prometheus (Apache-2.0, Copyright The Prometheus Authors):
// model/histogram/float_histogram_test.go (TestFloatHistogramScale/Mul, DetectReset, Compact,
// Add, Sub, CopyToSchema, ReverseFloatBucketIterator), github.com/prometheus/prometheus, file
// version eeaf9ab5db61e66453f9d4ba848b27a5814cc5dd; the custom-bucket, String and iterator-bound
// cases follow model/histogram/float_histogram.go of the 2026-08 snapshot
// (test/conformance/testdata/promql/SOURCES.md).
import { describe, expect, it } from 'vitest';
import { FloatHistogram, type FloatHistogramFields } from './float-histogram.js';
import { HistogramError } from './errors.js';
import { indexedCounts, type Span } from './span.js';

type SpanTuple = [offset: number, length: number];
interface Fields extends Omit<FloatHistogramFields, 'positiveSpans' | 'negativeSpans'> {
  p?: SpanTuple[];
  n?: SpanTuple[];
}

/** A FloatHistogram written as upstream's tables write it: spans as [offset, length] pairs. */
function fh({ p = [], n = [], ...rest }: Fields): FloatHistogram {
  const spans = (t: SpanTuple[]): Span[] => t.map(([offset, length]) => ({ offset, length }));
  return new FloatHistogram({ ...rest, positiveSpans: spans(p), negativeSpans: spans(n) });
}

/** What two equal histograms share regardless of how their spans are written. */
function contents(h: FloatHistogram) {
  return {
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount,
    count: h.count,
    sum: h.sum,
    customValues: [...h.customValues],
    positive: [...indexedCounts(h.positiveSpans, h.positiveBuckets)],
    negative: [...indexedCounts(h.negativeSpans, h.negativeBuckets)],
  };
}

const base = { zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324 };
const baseNeg = { n: [[3, 2], [3, 2]] as SpanTuple[], negativeBuckets: [3.1, 3, 1.234e5, 1000] };

describe('FloatHistogram.mul', () => {
  it.each([
    { name: 'zero value', in: fh({}), factor: 3.1415, want: fh({}) },
    {
      name: 'no-op',
      in: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
      factor: 1,
      want: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
    },
    {
      name: 'double',
      in: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
      factor: 2,
      want: fh({ zeroThreshold: 0.01, zeroCount: 11, count: 3493.3 * 2, sum: 2349209.324 * 2, p: [[-2, 1], [2, 3]], positiveBuckets: [2, 6.6, 8.4, 0.2], n: [[3, 2], [3, 2]], negativeBuckets: [6.2, 6, 1.234e5 * 2, 2000] }),
    },
  ])('scales every count and the sum in place: $name', ({ in: h, factor, want }) => {
    expect(h.mul(factor)).toBe(h);
    expect(h).toEqual(want);
  });

  it('turns the histogram into a gauge when the factor is negative', () => {
    const h = fh({ counterResetHint: 'not_reset', count: 2, sum: 3 });
    h.mul(-1);
    expect(h.counterResetHint).toBe('gauge');
    expect(h.count).toBe(-2);
  });
});

describe('FloatHistogram.div', () => {
  it('divides every count and the sum', () => {
    const h = fh({ zeroThreshold: 0.01, zeroCount: 4, count: 10, sum: 20, p: [[0, 2]], positiveBuckets: [2, 4], n: [[0, 1]], negativeBuckets: [2] });
    h.div(2);
    expect(contents(h)).toEqual(contents(fh({ zeroThreshold: 0.01, zeroCount: 2, count: 5, sum: 10, p: [[0, 2]], positiveBuckets: [1, 2], n: [[0, 1]], negativeBuckets: [1] })));
  });

  it('drops all buckets and makes the totals infinite when dividing by zero', () => {
    const h = fh({ zeroCount: 1, count: 3, sum: 4, p: [[0, 2]], positiveBuckets: [1, 1] });
    h.div(0);
    expect(h.count).toBe(Infinity);
    expect(h.positiveBuckets).toEqual([]);
    expect(h.positiveSpans).toEqual([]);
  });
});

describe('FloatHistogram.detectReset', () => {
  const prevP: SpanTuple[] = [[-2, 2], [1, 3]];
  const cases: { name: string; previous: FloatHistogram; current: FloatHistogram; reset: boolean }[] = [
    { name: 'zero values', previous: fh({}), current: fh({}), reset: false },
    { name: 'no buckets to some buckets', previous: fh({}), current: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }), reset: false },
    { name: 'some buckets to no buckets', previous: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }), current: fh({}), reset: true },
    {
      name: 'one bucket appears, nothing else changes',
      previous: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
      current: fh({ ...base, p: prevP, positiveBuckets: [1, 1.23, 3.3, 4.2, 0.1], ...baseNeg }),
      reset: false,
    },
    {
      name: 'one bucket disappears, nothing else changes',
      previous: fh({ ...base, p: prevP, positiveBuckets: [1, 1.23, 3.3, 4.2, 0.1], ...baseNeg }),
      current: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
      reset: true,
    },
    {
      name: 'an unpopulated bucket disappears, nothing else changes',
      previous: fh({ ...base, p: prevP, positiveBuckets: [1, 0, 3.3, 4.2, 0.1], ...baseNeg }),
      current: fh({ ...base, p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
      reset: false,
    },
    {
      name: 'an unpopulated bucket at the end disappears, nothing else changes',
      previous: fh({ ...base, p: [[-2, 1], [1, 3]], positiveBuckets: [1, 3.3, 4.2, 0], ...baseNeg }),
      current: fh({ ...base, p: [[-2, 1], [1, 2]], positiveBuckets: [1, 3.3, 4.2], ...baseNeg }),
      reset: false,
    },
    { name: 'an unpopulated bucket disappears in a histogram with nothing else', previous: fh({ p: [[23, 1]], positiveBuckets: [0] }), current: fh({}), reset: false },
    ...(
      [
        ['zero count goes up', { zeroCount: 5.6 }, false],
        ['zero count goes down', { zeroCount: 5.4 }, true],
        ['count goes up', { count: 3493.4 }, false],
        ['count goes down', { count: 3493.2 }, true],
        ['sum goes up', { sum: 2349210 }, false],
        ['sum goes down', { sum: 2349200 }, false],
        ['one positive bucket goes up', { positiveBuckets: [1, 0, 3.3, 4.3, 0.1] }, false],
        ['one positive bucket goes down', { positiveBuckets: [1, 0, 3.3, 4.1, 0.1] }, true],
        ['one negative bucket goes up', { negativeBuckets: [3.1, 3.1, 1.234e5, 1000] }, false],
        ['one negative bucket goes down', { negativeBuckets: [3.1, 2.9, 1.234e5, 1000] }, true],
      ] as [string, Partial<Fields>, boolean][]
    ).map(([name, change, reset]) => ({
      name,
      previous: fh({ ...base, p: prevP, positiveBuckets: [1, 0, 3.3, 4.2, 0.1], ...baseNeg }),
      current: fh({ ...base, p: prevP, positiveBuckets: [1, 0, 3.3, 4.2, 0.1], ...baseNeg, ...change }),
      reset,
    })),
    ...(
      [
        ['zero threshold decreases', { zeroThreshold: 0.009 }, true],
        ['zero threshold increases without touching any existing buckets', { zeroThreshold: 0.011 }, false],
        ['zero threshold increases enough to cover existing buckets', { zeroThreshold: 1, zeroCount: 7.73, p: [[1, 3]], positiveBuckets: [3.3, 4.2, 0.1] }, false],
        ['zero threshold increases into the middle of an existing buckets', { zeroThreshold: 0.3 }, true],
        ['schema decreases and a bucket goes up', { positiveBuckets: [1, 1.23, 4.3, 4.2, 0.1] }, false],
      ] as [string, Partial<Fields>, boolean][]
    ).map(([name, change, reset]) => ({
      name,
      previous: name.startsWith('schema')
        ? fh({ ...base, schema: 1, p: [[-5, 4], [2, 6]], positiveBuckets: [0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05], n: [[5, 4], [6, 4]], negativeBuckets: [2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500] })
        : fh({ ...base, p: prevP, positiveBuckets: [1, 1.23, 3.3, 4.2, 0.1], ...baseNeg }),
      current: fh({ ...base, p: prevP, positiveBuckets: [1, 1.23, 3.3, 4.2, 0.1], ...baseNeg, ...change }),
      reset,
    })),
    {
      name: 'schema increases without any other changes',
      previous: fh({ ...base, p: prevP, positiveBuckets: [1, 1.23, 3.3, 4.2, 0.1], ...baseNeg }),
      current: fh({ ...base, schema: 1, p: [[-5, 4], [2, 6]], positiveBuckets: [0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05], n: [[5, 4], [6, 4]], negativeBuckets: [2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500] }),
      reset: true,
    },
    {
      name: 'schema decreases without any other changes',
      previous: fh({ ...base, schema: 1, p: [[-5, 4], [2, 6]], positiveBuckets: [0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05], n: [[5, 4], [6, 4]], negativeBuckets: [2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500] }),
      current: fh({ ...base, p: prevP, positiveBuckets: [1, 1.23, 3.3, 4.2, 0.1], ...baseNeg }),
      reset: false,
    },
    {
      name: 'schema decreases and a bucket goes down',
      previous: fh({ ...base, schema: 1, p: [[-5, 4], [2, 6]], positiveBuckets: [0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05], n: [[5, 4], [6, 4]], negativeBuckets: [2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500] }),
      current: fh({ ...base, p: prevP, positiveBuckets: [1, 1.23, 2.3, 4.2, 0.1], ...baseNeg }),
      reset: true,
    },
    {
      name: 'a reset hint decides without looking at the counts',
      previous: fh({ count: 1 }),
      current: fh({ count: 5, counterResetHint: 'reset' }),
      reset: true,
    },
    {
      name: 'a not_reset hint decides without looking at the counts',
      previous: fh({ count: 5 }),
      current: fh({ count: 1, counterResetHint: 'not_reset' }),
      reset: false,
    },
    {
      name: 'custom buckets after exponential ones',
      previous: fh({ count: 1, p: [[0, 1]], positiveBuckets: [1] }),
      current: fh({ schema: -53, count: 1, customValues: [1], p: [[0, 1]], positiveBuckets: [1] }),
      reset: true,
    },
    {
      name: 'custom buckets with other bounds, no bucket of the shared bounds going down',
      previous: fh({ schema: -53, count: 3, customValues: [1, 2, 5], p: [[0, 4]], positiveBuckets: [1, 1, 0, 1] }),
      current: fh({ schema: -53, count: 3, customValues: [2, 5], p: [[0, 3]], positiveBuckets: [2, 0, 1] }),
      reset: false,
    },
    {
      name: 'custom buckets with other bounds, a bucket of the shared bounds going down',
      previous: fh({ schema: -53, count: 3, customValues: [1, 2, 5], p: [[0, 4]], positiveBuckets: [1, 1, 0, 1] }),
      current: fh({ schema: -53, count: 3, customValues: [2, 5], p: [[0, 3]], positiveBuckets: [1, 1, 1] }),
      reset: true,
    },
  ];
  it.each(cases)('$name: reset $reset', ({ previous, current, reset }) => {
    expect(current.detectReset(previous)).toBe(reset);
  });
});

describe('FloatHistogram.compact', () => {
  const neg = { n: [[0, 2], [3, 4]] as SpanTuple[], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4] };
  const pos = { p: [[-2, 2], [5, 3]] as SpanTuple[], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3] };
  it.each([
    { name: 'empty histogram', in: fh({}), max: 0, want: fh({}) },
    {
      name: 'nothing should happen',
      in: fh({ p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
      max: 0,
      want: fh({ p: [[-2, 1], [2, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1], ...baseNeg }),
    },
    {
      name: 'eliminate zero offsets',
      in: fh({ p: [[-2, 1], [0, 3], [0, 1]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [0, 2], [2, 1], [0, 1]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4] }),
      max: 0,
      want: fh({ p: [[-2, 5]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], n: [[0, 4], [2, 2]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4] }),
    },
    {
      name: 'eliminate zero length',
      in: fh({ p: [[-2, 2], [2, 0], [3, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [0, 0], [2, 0], [1, 4]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4] }),
      max: 0,
      want: fh({ ...pos, ...neg }),
    },
    {
      name: 'eliminate multiple zero length spans',
      in: fh({ p: [[-2, 2], [2, 0], [2, 0], [2, 0], [3, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3] }),
      max: 0,
      want: fh({ p: [[-2, 2], [9, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3] }),
    },
    {
      name: 'cut empty buckets at start or end',
      in: fh({ p: [[-4, 4], [5, 3]], positiveBuckets: [0, 0, 1, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4, 0] }),
      max: 0,
      want: fh({ ...pos, ...neg }),
    },
    {
      name: 'cut empty buckets at start and end',
      in: fh({ p: [[-4, 4], [5, 6]], positiveBuckets: [0, 0, 1, 3.3, 4.2, 0.1, 3.3, 0, 0, 0], n: [[-2, 4], [3, 5]], negativeBuckets: [0, 0, 3.1, 3, 1.234e5, 1000, 3, 4, 0] }),
      max: 0,
      want: fh({ ...pos, ...neg }),
    },
    {
      name: 'cut empty buckets at start or end of spans, even in the middle',
      in: fh({ p: [[-4, 6], [3, 6]], positiveBuckets: [0, 0, 1, 3.3, 0, 0, 4.2, 0.1, 3.3, 0, 0, 0], n: [[0, 2], [2, 6]], negativeBuckets: [3.1, 3, 0, 1.234e5, 1000, 3, 4, 0] }),
      max: 0,
      want: fh({ ...pos, ...neg }),
    },
    {
      name: 'cut empty buckets at start or end but merge spans due to maxEmptyBuckets',
      in: fh({ p: [[-4, 4], [5, 3]], positiveBuckets: [0, 0, 1, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4, 0] }),
      max: 10,
      want: fh({ p: [[-2, 10]], positiveBuckets: [1, 3.3, 0, 0, 0, 0, 0, 4.2, 0.1, 3.3], n: [[0, 9]], negativeBuckets: [3.1, 3, 0, 0, 0, 1.234e5, 1000, 3, 4] }),
    },
    {
      name: 'cut empty buckets from the middle of a span',
      in: fh({ p: [[-4, 6], [3, 3]], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4] }),
      max: 0,
      want: fh({ p: [[-2, 1], [2, 1], [3, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 2], [1, 2]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4] }),
    },
    {
      name: 'cut out a span containing only empty buckets',
      in: fh({ p: [[-4, 3], [2, 2], [3, 4]], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3] }),
      max: 0,
      want: fh({ p: [[-2, 1], [7, 4]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3] }),
    },
    {
      name: 'cut empty buckets from the middle of a span, avoiding some due to maxEmptyBuckets',
      in: fh({ p: [[-4, 6], [3, 3]], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4] }),
      max: 1,
      want: fh({ p: [[-2, 1], [2, 1], [3, 3]], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4] }),
    },
    {
      name: 'avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets',
      in: fh({ p: [[-4, 6], [3, 3]], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4] }),
      max: 2,
      want: fh({ p: [[-2, 4], [3, 3]], positiveBuckets: [1, 0, 0, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4] }),
    },
    {
      name: 'everything merged into one span due to maxEmptyBuckets',
      in: fh({ p: [[-4, 6], [3, 3]], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3], n: [[0, 2], [3, 5]], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4] }),
      max: 3,
      want: fh({ p: [[-2, 10]], positiveBuckets: [1, 0, 0, 3.3, 0, 0, 0, 4.2, 0.1, 3.3], n: [[0, 10]], negativeBuckets: [3.1, 3, 0, 0, 0, 1.234e5, 1000, 0, 3, 4] }),
    },
    {
      name: 'only empty buckets and maxEmptyBuckets greater zero',
      in: fh({ p: [[-4, 6], [3, 3]], positiveBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0], n: [[0, 7]], negativeBuckets: [0, 0, 0, 0, 0, 0, 0] }),
      max: 3,
      want: fh({}),
    },
    {
      name: 'multiple spans of only empty buckets',
      in: fh({ p: [[-10, 2], [2, 1], [3, 3]], positiveBuckets: [0, 0, 0, 0, 2, 3], n: [[-10, 2], [2, 1], [3, 3]], negativeBuckets: [2, 3, 0, 0, 0, 0] }),
      max: 0,
      want: fh({ p: [[-1, 2]], positiveBuckets: [2, 3], n: [[-10, 2]], negativeBuckets: [2, 3] }),
    },
  ])('$name', ({ in: h, max, want }) => {
    expect(h.compact(max)).toBe(h);
    expect(h).toEqual(want);
  });
});

const h1 = { zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 2.345 };
const h2 = { zeroThreshold: 0.01, zeroCount: 8, count: 21, sum: 1.234 };
const sum12 = { zeroThreshold: 0.01, zeroCount: 19, count: 51, sum: 3.579 };

describe('FloatHistogram.add', () => {
  it.each([
    {
      name: 'same bucket layout',
      a: fh({ ...h1, p: [[-2, 2], [1, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      b: fh({ ...h2, p: [[-2, 2], [1, 3]], positiveBuckets: [0, 0, 2, 3, 6], n: [[3, 2], [3, 2]], negativeBuckets: [1, 1, 4, 4] }),
      want: fh({ ...sum12, p: [[-2, 2], [1, 3]], positiveBuckets: [1, 0, 5, 7, 13], n: [[3, 2], [3, 2]], negativeBuckets: [4, 2, 9, 10] }),
    },
    {
      name: 'same bucket layout, defined differently',
      a: fh({ ...h1, p: [[-2, 2], [1, 1], [0, 2]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      b: fh({ ...h2, p: [[-2, 2], [1, 2], [0, 1]], positiveBuckets: [0, 0, 2, 3, 6], n: [[3, 7]], negativeBuckets: [1, 1, 0, 0, 0, 4, 4] }),
      want: fh({ ...sum12, p: [[-2, 2], [1, 1], [0, 2]], positiveBuckets: [1, 0, 5, 7, 13], n: [[3, 5], [0, 2]], negativeBuckets: [4, 2, 0, 0, 0, 9, 10] }),
    },
    {
      name: 'non-overlapping spans',
      a: fh({ ...h1, zeroThreshold: 0.001, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      b: fh({ ...h2, zeroThreshold: 0.001, p: [[0, 2], [3, 3]], positiveBuckets: [5, 4, 2, 3, 6], n: [[-9, 2], [3, 2]], negativeBuckets: [1, 1, 4, 4] }),
      want: fh({ ...sum12, zeroThreshold: 0.001, p: [[-2, 4], [0, 6]], positiveBuckets: [1, 0, 5, 4, 3, 4, 7, 2, 3, 6], n: [[-9, 2], [3, 2], [5, 2], [3, 2]], negativeBuckets: [1, 1, 4, 4, 3, 1, 5, 6] }),
    },
    {
      name: 'non-overlapping inverted order',
      a: fh({ ...h2, p: [[0, 2], [3, 3]], positiveBuckets: [5, 4, 2, 3, 6], n: [[-9, 2], [3, 2]], negativeBuckets: [1, 1, 4, 4] }),
      b: fh({ ...h1, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      want: fh({ ...sum12, p: [[-2, 2], [0, 5], [0, 3]], positiveBuckets: [1, 0, 5, 4, 3, 4, 7, 2, 3, 6], n: [[-9, 2], [3, 2], [5, 2], [3, 2]], negativeBuckets: [1, 1, 4, 4, 3, 1, 5, 6] }),
    },
    {
      name: 'overlapping spans',
      a: fh({ ...h1, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      b: fh({ ...h2, p: [[-1, 4], [0, 3]], positiveBuckets: [5, 4, 2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      want: fh({ ...sum12, p: [[-2, 4], [0, 4]], positiveBuckets: [1, 5, 4, 2, 6, 10, 9, 5], n: [[3, 3], [1, 3]], negativeBuckets: [3, 2, 1, 4, 9, 6] }),
    },
    {
      name: 'overlapping spans inverted order',
      a: fh({ ...h2, p: [[-1, 4], [0, 3]], positiveBuckets: [5, 4, 2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      b: fh({ ...h1, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      want: fh({ ...sum12, p: [[-2, 5], [0, 3]], positiveBuckets: [1, 5, 4, 2, 6, 10, 9, 5], n: [[3, 3], [1, 3]], negativeBuckets: [3, 2, 1, 4, 9, 6] }),
    },
    {
      name: 'schema change',
      a: fh({ ...h2, schema: 0, p: [[-1, 4], [0, 3]], positiveBuckets: [5, 4, 2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      b: fh({ ...h1, schema: 1, p: [[-4, 3], [5, 5]], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], n: [[6, 3], [6, 4]], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4] }),
      want: fh({ ...sum12, p: [[-2, 5], [0, 3]], positiveBuckets: [1, 5, 4, 2, 6, 10, 9, 5], n: [[3, 3], [1, 3]], negativeBuckets: [3, 2, 1, 4, 9, 6] }),
    },
    {
      name: 'larger zero bucket in first histogram',
      a: fh({ ...h2, zeroThreshold: 1, zeroCount: 17, p: [[1, 2], [0, 3]], positiveBuckets: [2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      b: fh({ ...h1, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      want: fh({ ...sum12, zeroThreshold: 1, zeroCount: 29, p: [[1, 2], [0, 3]], positiveBuckets: [2, 6, 10, 9, 5], n: [[3, 3], [1, 3]], negativeBuckets: [3, 2, 1, 4, 9, 6] }),
    },
    {
      name: 'larger zero bucket in second histogram',
      a: fh({ ...h1, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      b: fh({ ...h2, zeroThreshold: 1, zeroCount: 17, p: [[1, 2], [0, 3]], positiveBuckets: [2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      want: fh({ ...sum12, zeroThreshold: 1, zeroCount: 29, p: [[1, 5]], positiveBuckets: [2, 6, 10, 9, 5], n: [[3, 7]], negativeBuckets: [3, 2, 1, 0, 4, 9, 6] }),
    },
    {
      name: 'larger zero threshold in first histogram ends up inside a populated bucket of second histogram',
      a: fh({ ...h2, zeroThreshold: 0.2, zeroCount: 17, p: [[1, 2], [0, 3]], positiveBuckets: [2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      b: fh({ ...h1, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      want: fh({ ...sum12, zeroThreshold: 0.25, zeroCount: 29, p: [[-1, 1], [1, 5]], positiveBuckets: [0, 2, 6, 10, 9, 5], n: [[3, 7]], negativeBuckets: [3, 2, 1, 0, 4, 9, 6] }),
    },
    {
      name: 'larger zero threshold in second histogram ends up inside a populated bucket of first histogram',
      a: fh({ ...h1, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      b: fh({ ...h2, zeroThreshold: 0.2, zeroCount: 17, p: [[1, 2], [0, 3]], positiveBuckets: [2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      want: fh({ ...sum12, zeroThreshold: 0.25, zeroCount: 29, p: [[1, 5]], positiveBuckets: [2, 6, 10, 9, 5], n: [[3, 7]], negativeBuckets: [3, 2, 1, 0, 4, 9, 6] }),
    },
    {
      name: 'schema change combined with larger zero bucket in second histogram',
      a: fh({ ...h2, schema: 0, p: [[-2, 5], [0, 3]], positiveBuckets: [2, 5, 4, 2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      b: fh({ ...h1, zeroThreshold: 0.25, zeroCount: 12, schema: 1, p: [[-3, 2], [5, 5]], positiveBuckets: [1, 0, 3, 2, 2, 3, 4], n: [[6, 3], [6, 4]], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4] }),
      want: fh({ ...sum12, zeroThreshold: 0.25, zeroCount: 22, p: [[-1, 7]], positiveBuckets: [6, 4, 2, 6, 10, 9, 5], n: [[3, 7]], negativeBuckets: [3, 2, 1, 0, 4, 9, 6] }),
    },
    {
      name: 'schema change combined with larger zero bucket in first histogram',
      a: fh({ ...h2, zeroThreshold: 0.25, schema: 0, p: [[-1, 4], [0, 3]], positiveBuckets: [5, 4, 2, 3, 6, 2, 5], n: [[4, 2], [1, 2]], negativeBuckets: [1, 1, 4, 4] }),
      b: fh({ ...h1, schema: 1, p: [[-4, 3], [5, 5]], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], n: [[6, 3], [6, 4]], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4] }),
      want: fh({ ...sum12, zeroThreshold: 0.25, zeroCount: 20, p: [[-1, 4], [0, 3]], positiveBuckets: [5, 4, 2, 6, 10, 9, 5], n: [[3, 3], [1, 3]], negativeBuckets: [3, 2, 1, 4, 9, 6] }),
    },
  ])('$name', ({ a, b, want }) => {
    const before = contents(b);
    expect(a.add(b)).toEqual({ counterResetCollision: false, nhcbBoundsReconciled: false });
    // Upstream's expectations keep a few empty buckets its in-place insertion happens to leave
    // (the result is compacted before use either way): compare the populated buckets.
    expect(contents(a.copy().compact())).toEqual(contents(want.copy().compact()));
    expect(contents(b), 'the added histogram is unchanged').toEqual(before);
  });

  it('reduces the receiver to the coarser schema of the other histogram', () => {
    const a = fh({ schema: 1, count: 2, p: [[-1, 2]], positiveBuckets: [1, 1] });
    a.add(fh({ schema: 0, count: 1, p: [[1, 1]], positiveBuckets: [1] }));
    expect(a.schema).toBe(0);
    expect(a.toString()).toBe('{count:3, sum:0, (0.5,1]:2, (1,2]:1}');
  });

  it.each([
    ['unknown', 'unknown', 'unknown', false],
    ['gauge', 'reset', 'gauge', false],
    ['not_reset', 'gauge', 'gauge', false],
    ['unknown', 'not_reset', 'unknown', false],
    ['reset', 'unknown', 'unknown', false],
    ['reset', 'not_reset', 'unknown', true],
  ] as const)('combines hints %s and %s into %s (collision: %s)', (a, b, want, collision) => {
    const x = fh({ counterResetHint: a });
    expect(x.add(fh({ counterResetHint: b })).counterResetCollision).toBe(collision);
    expect(x.counterResetHint).toBe(want);
  });

  it('adds custom-bucket histograms with the same bounds bucket by bucket', () => {
    const a = fh({ schema: -53, customValues: [1, 2, 5], count: 3, sum: 4, p: [[0, 2]], positiveBuckets: [1, 2] });
    const outcome = a.add(fh({ schema: -53, customValues: [1, 2, 5], count: 2, sum: 6, p: [[1, 3]], positiveBuckets: [1, 0, 1] }));
    expect(outcome.nhcbBoundsReconciled).toBe(false);
    expect(a.toString()).toBe('{count:5, sum:10, [-Inf,1]:1, (1,2]:3, (5,+Inf]:1}');
  });

  it('adds custom-bucket histograms with different bounds over the bounds both have', () => {
    const a = fh({ schema: -53, customValues: [5, 10], count: 1, sum: 1, p: [[0, 1]], positiveBuckets: [1] });
    const outcome = a.add(fh({ schema: -53, customValues: [10], count: 1, sum: 1, p: [[0, 1]], positiveBuckets: [1] }));
    expect(outcome.nhcbBoundsReconciled).toBe(true);
    expect([...a.customValues]).toEqual([10]);
    expect(a.testExpression()).toBe('{{schema:-53 count:2 sum:2 custom_values:[10] buckets:[2]}}');
  });

  it('refuses to mix exponential and custom buckets', () => {
    const a = fh({ count: 1 });
    expect(() => a.add(fh({ schema: -53, customValues: [1] }))).toThrow(HistogramError);
    expect(() => a.add(fh({ schema: -53, customValues: [1] }))).toThrow('cannot apply this operation on histograms with a mix of exponential and custom bucket schemas');
  });
});

describe('FloatHistogram.sub', () => {
  it.each([
    {
      name: 'same bucket layout',
      a: fh({ zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 23, p: [[-2, 2], [1, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }),
      b: fh({ zeroThreshold: 0.01, zeroCount: 8, count: 21, sum: 12, p: [[-2, 2], [1, 3]], positiveBuckets: [0, 0, 2, 3, 6], n: [[3, 2], [3, 2]], negativeBuckets: [1, 1, 4, 4] }),
      want: fh({ zeroThreshold: 0.01, zeroCount: 3, count: 9, sum: 11, p: [[-2, 2], [1, 3]], positiveBuckets: [1, 0, 1, 1, 1], n: [[3, 2], [3, 2]], negativeBuckets: [2, 0, 1, 2] }),
    },
    {
      name: 'schema change',
      a: fh({ zeroThreshold: 0.01, zeroCount: 8, count: 59, sum: 1.234, schema: 0, p: [[-2, 5], [0, 3]], positiveBuckets: [2, 5, 4, 2, 3, 6, 7, 5], n: [[3, 3], [1, 3]], negativeBuckets: [4, 10, 1, 4, 14, 7] }),
      b: fh({ zeroThreshold: 0.01, zeroCount: 2, count: 19, sum: 0.345, schema: 1, p: [[-4, 3], [5, 5]], positiveBuckets: [1, 0, 0, 1, 2, 2, 3, 4], n: [[6, 3], [6, 4]], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4] }),
      want: fh({ zeroThreshold: 0.01, zeroCount: 6, count: 40, sum: 0.889, p: [[-2, 5], [0, 3]], positiveBuckets: [1, 5, 4, 2, 2, 2, 0, 5], n: [[3, 3], [1, 3]], negativeBuckets: [1, 9, 1, 4, 9, 1] }),
    },
  ])('$name', ({ a, b, want }) => {
    a.sub(b);
    expect(contents(a)).toEqual(contents(want));
  });

  it('subtracts custom-bucket histograms with different bounds over the shared bounds, dropping empty buckets', () => {
    const a = fh({ schema: -53, customValues: [1, 2, 5], count: 4, sum: 8, p: [[0, 4]], positiveBuckets: [1, 1, 1, 1] });
    expect(a.sub(fh({ schema: -53, customValues: [2, 5], count: 2, sum: 3, p: [[0, 2]], positiveBuckets: [2, 0] })).nhcbBoundsReconciled).toBe(true);
    expect(a.toString()).toBe('{count:2, sum:5, (2,5]:1, (5,+Inf]:1}');
  });
});

describe('FloatHistogram.copyToSchema', () => {
  const fine = () => fh({ ...h1, schema: 1, p: [[-4, 3], [5, 5]], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], n: [[6, 3], [6, 4]], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4] });
  it('copies unchanged when the schema stays', () => {
    const src = fine();
    const copy = src.copyToSchema(1);
    expect(copy).toEqual(src);
    copy.positiveBuckets[0] = 99;
    expect(src.positiveBuckets[0]).toBe(1);
  });

  it('merges buckets into the coarser schema', () => {
    expect(fine().copyToSchema(0)).toEqual(fh({ ...h1, schema: 0, p: [[-2, 2], [2, 3]], positiveBuckets: [1, 0, 3, 4, 7], n: [[3, 2], [3, 2]], negativeBuckets: [3, 1, 5, 6] }));
  });

  it('refuses a finer schema and custom buckets', () => {
    expect(() => fine().copyToSchema(2)).toThrow('cannot copy from schema 1 to 2');
    expect(() => fh({ schema: -53, customValues: [1] }).copyToSchema(0)).toThrow(/custom buckets/);
  });
});

describe('FloatHistogram.reduceResolution', () => {
  it('merges the buckets of both sides and keeps the totals', () => {
    const h = fh({ schema: 0, count: 9, p: [[0, 4], [0, 0], [3, 2]], positiveBuckets: [1, 3, 1, 2, 1, 1] });
    h.reduceResolution(-1);
    expect(h.schema).toBe(-1);
    expect(h.positiveSpans).toEqual([{ offset: 0, length: 3 }, { offset: 1, length: 1 }]);
    expect(h.positiveBuckets).toEqual([1, 4, 2, 2]);
  });
});

describe('FloatHistogram bucket iteration', () => {
  const h = fh({
    count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1,
    p: [[0, 4], [1, 0], [3, 3], [3, 0], [2, 0], [5, 3]], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33],
    n: [[0, 3], [1, 0], [3, 0], [3, 4], [2, 0], [5, 3]], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33],
  });

  it('gives the reverse iterators the forward buckets in reverse order', () => {
    expect([...h.positiveReverseBucketIterator()]).toEqual([...h.positiveBucketIterator()].reverse());
    expect([...h.negativeReverseBucketIterator()]).toEqual([...h.negativeBucketIterator()].reverse());
  });

  it('walks all buckets in ascending order of values with the zero bucket between the sides', () => {
    const all = [...h.allBucketIterator()];
    expect(all).toHaveLength(21);
    for (let i = 1; i < all.length; i++) expect(all[i].lower).toBeGreaterThanOrEqual(all[i - 1].upper);
    expect(all[10]).toEqual({ lower: -0.001, upper: 0.001, lowerInclusive: true, upperInclusive: true, count: 102, index: 0 });
    expect([...h.allReverseBucketIterator()]).toEqual(all.reverse());
  });

  it('gives exponential buckets their bounds and inclusiveness per side', () => {
    const s0 = fh({ p: [[0, 2]], positiveBuckets: [1, 2], n: [[0, 1]], negativeBuckets: [3] });
    expect([...s0.positiveBucketIterator()].map((b) => [b.lower, b.upper, b.lowerInclusive, b.upperInclusive, b.count])).toEqual([[0.5, 1, false, true, 1], [1, 2, false, true, 2]]);
    expect([...s0.negativeBucketIterator()].map((b) => [b.lower, b.upper, b.lowerInclusive, b.upperInclusive])).toEqual([[-1, -0.5, true, false]]);
  });

  it('cuts the buckets overlapping a zero bucket wider than their inner bound', () => {
    const wide = fh({ zeroThreshold: 0.7, zeroCount: 1, p: [[0, 1]], positiveBuckets: [2], n: [[0, 1]], negativeBuckets: [3] });
    expect([...wide.allBucketIterator()].map((b) => [b.lower, b.upper])).toEqual([[-1, -0.7], [-0.7, 0.7], [0.7, 1]]);
  });

  it('gives custom buckets -Inf below the first bound and +Inf above the last, all upper-inclusive', () => {
    const c = fh({ schema: -53, customValues: [1, 5], p: [[0, 3]], positiveBuckets: [1, 2, 3] });
    expect([...c.positiveBucketIterator()].map((b) => [b.lower, b.upper, b.lowerInclusive, b.upperInclusive])).toEqual([[-Infinity, 1, true, true], [1, 5, false, true], [5, Infinity, false, true]]);
  });
});

describe('FloatHistogram.toString and testExpression', () => {
  it('prints populated buckets in ascending order with the zero bucket in between', () => {
    const h = fh({ count: 19, sum: 2.7, zeroThreshold: 0.001, zeroCount: 4, p: [[0, 2], [1, 1]], positiveBuckets: [2, 0, 5.5], n: [[0, 1]], negativeBuckets: [1] });
    expect(h.toString()).toBe('{count:19, sum:2.7, [-1,-0.5):1, [-0.001,0.001]:4, (0.5,1]:2, (4,8]:5.5}');
  });

  it('writes the test notation with a single span per side after compaction', () => {
    const h = fh({ schema: 1, count: 3.1, sum: -0.3, zeroCount: 7.1, zeroThreshold: 0.05, counterResetHint: 'gauge', p: [[-3, 1], [1, 2]], positiveBuckets: [5.1, 10, 7], n: [[-5, 2]], negativeBuckets: [4.1, 5] });
    expect(h.testExpression()).toBe('{{schema:1 count:3.1 sum:-0.3 z_bucket:7.1 z_bucket_w:0.05 counter_reset_hint:gauge offset:-3 buckets:[5.1 0 10 7] n_offset:-5 n_buckets:[4.1 5]}}');
  });
});

describe('FloatHistogram.equals', () => {
  it('ignores how spans are split but not empty buckets, sums or bounds', () => {
    const a = fh({ count: 2, sum: 1, p: [[0, 2]], positiveBuckets: [1, 1] });
    expect(a.equals(fh({ count: 2, sum: 1, p: [[0, 1], [0, 0], [0, 1]], positiveBuckets: [1, 1] }))).toBe(true);
    expect(a.equals(fh({ count: 2, sum: 1, p: [[0, 3]], positiveBuckets: [1, 1, 0] }))).toBe(false);
    expect(a.equals(fh({ count: 2, sum: 1.5, p: [[0, 2]], positiveBuckets: [1, 1] }))).toBe(false);
    expect(fh({ sum: NaN }).equals(fh({ sum: NaN }))).toBe(true);
    expect(fh({ schema: -53, customValues: [1] }).equals(fh({ schema: -53, customValues: [2] }))).toBe(false);
    expect(a.equals(undefined)).toBe(false);
  });
});

describe('FloatHistogram.validate', () => {
  it.each([
    { name: 'a valid exponential histogram', h: fh({ count: 3, p: [[0, 2]], positiveBuckets: [1, 2] }), error: undefined },
    { name: 'more spans than buckets', h: fh({ p: [[0, 3]], positiveBuckets: [1, 2] }), error: 'positive side: spans need 3 buckets, have 2 buckets: histogram spans specify different number of buckets than provided' },
    { name: 'a negative span offset after the first', h: fh({ n: [[0, 1], [-1, 1]], negativeBuckets: [1, 1] }), error: 'negative side: span number 2 with offset -1: histogram has a span whose offset is negative' },
    { name: 'a negative bucket', h: fh({ p: [[0, 2]], positiveBuckets: [1, -2] }), error: 'positive side: bucket number 2 has observation count of -2: histogram has a bucket whose observation count is negative' },
    { name: 'a negative count', h: fh({ count: -1 }), error: 'observation count is  -1: histogram\'s observation count is negative' },
    { name: 'an invalid schema', h: fh({ schema: 9 }), error: 'histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema 9' },
    { name: 'custom bounds on an exponential schema', h: fh({ customValues: [1] }), error: 'histogram with exponential schema must not have custom bounds' },
    { name: 'unordered custom bounds', h: fh({ schema: -53, customValues: [2, 1] }), error: 'custom buckets: previous bound is 2.000000 and current is 1.000000: histogram custom bounds must be in strictly increasing order' },
    { name: 'an explicit +Inf custom bound', h: fh({ schema: -53, customValues: [1, Infinity] }), error: 'custom buckets: last +Inf bound must not be explicitly defined: histogram custom bounds must be finite' },
    { name: 'too few custom bounds', h: fh({ schema: -53, customValues: [1], p: [[0, 3]], positiveBuckets: [1, 1, 1] }), error: 'custom buckets: only 1 custom bounds defined which is insufficient to cover total span length of 3: histogram custom bounds are too few' },
    { name: 'a zero bucket with custom buckets', h: fh({ schema: -53, zeroCount: 1 }), error: 'custom buckets: must have zero count of 0' },
  ])('$name', ({ h, error }) => {
    if (error === undefined) expect(() => h.validate()).not.toThrow();
    else expect(() => h.validate()).toThrow(error);
  });
});
