import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { compareHistogram } from './histogram-compare.js';
import { parseHistogramLiteral } from './histogram-notation.js';

const actual = (fields: ConstructorParameters<typeof FloatHistogram>[0]) => new FloatHistogram(fields);

describe('comparing a result histogram with an expected literal', () => {
  it('ignores empty buckets and how spans are cut', () => {
    const got = actual({ count: 4, sum: 5, positiveSpans: [{ offset: 0, length: 1 }, { offset: 0, length: 3 }], positiveBuckets: [1, 2, 1, 0] });
    expect(compareHistogram(parseHistogramLiteral('{{count:4 sum:5 buckets:[1 2 1]}}'), got)).toBeNull();
  });

  it('allows the float tolerance in counts and sums but not in the zero threshold', () => {
    const lit = parseHistogramLiteral('{{count:3.333333333 sum:1 z_bucket:1 z_bucket_w:0.001}}');
    expect(compareHistogram(lit, actual({ count: 10 / 3, sum: 1, zeroCount: 1, zeroThreshold: 0.001 }))).toBeNull();
    expect(compareHistogram(lit, actual({ count: 10 / 3, sum: 1.01, zeroCount: 1, zeroThreshold: 0.001 }))).toMatch(/^sum: expected \{\{count:3.333333333 sum:1 /);
    expect(compareHistogram(lit, actual({ count: 10 / 3, sum: 1, zeroCount: 1, zeroThreshold: 0.0010000001 }))).toMatch(/^zero threshold/);
  });

  it('requires the same schema, bounds and bucket positions', () => {
    expect(compareHistogram(parseHistogramLiteral('{{schema:1 count:1 buckets:[1]}}'), actual({ count: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] }))).toMatch(/^schema/);
    expect(compareHistogram(parseHistogramLiteral('{{count:1 buckets:[1] offset:1}}'), actual({ count: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] }))).toMatch(/^positive buckets/);
    expect(compareHistogram(parseHistogramLiteral('{{schema:-53 custom_values:[1 2]}}'), actual({ schema: -53, customValues: [1] }))).toMatch(/^custom bounds/);
  });

  it('compares the counter reset hint only when the literal names one', () => {
    const gauge = actual({ counterResetHint: 'gauge', count: 1 });
    expect(compareHistogram(parseHistogramLiteral('{{count:1}}'), gauge)).toBeNull();
    expect(compareHistogram(parseHistogramLiteral('{{count:1 counter_reset_hint:not_reset}}'), gauge)).toBe('counter reset hint: expected not_reset, got gauge');
  });
});
