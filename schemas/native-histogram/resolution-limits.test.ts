import { describe, expect, it } from 'vitest';
import { FloatHistogram } from './float-histogram.js';
import { Histogram } from './histogram.js';
import { capSchema, fitBucketLimit, schemaForMinBucketFactor } from './resolution-limits.js';

describe('schemaForMinBucketFactor', () => {
  // The table of Prometheus' configuration docs for native_histogram_min_bucket_factor.
  it.each([
    [65536, -4], [256, -3], [16, -2], [4, -1], [2, 0], [1.4, 1], [1.1, 2], [1.09, 3],
    [1.04, 4], [1.02, 5], [1.01, 6], [1.005, 7], [1.002, 8], [0, 8], [1e9, -4],
  ])('turns a minimum growth factor of %d into schema %d', (factor, schema) => {
    expect(schemaForMinBucketFactor(factor)).toBe(schema);
  });
});

describe('capSchema', () => {
  it('reduces a schema above 8 to 8, merging the buckets that fall together', () => {
    // Schema 12 buckets 17 and 18 both lie in bucket 2 of schema 8.
    const h = new Histogram({ schema: 12, count: 3, sum: 3, positiveSpans: [{ offset: 17, length: 2 }], positiveBuckets: [1, 1] });
    capSchema(h);
    expect(h.schema).toBe(8);
    expect(h.positiveSpans).toEqual([{ offset: 2, length: 1 }]);
    expect(h.positiveBuckets).toEqual([3]);
    expect(() => h.validate()).not.toThrow();
  });

  it('reduces from schema 52, where the index shift is wider than 32 bits', () => {
    const f = new FloatHistogram({ schema: 52, count: 4, sum: 4, positiveSpans: [{ offset: 5000, length: 1 }], positiveBuckets: [4], negativeSpans: [{ offset: -5, length: 1 }], negativeBuckets: [0] });
    capSchema(f);
    expect(f.schema).toBe(8);
    // Just above 1 is bucket 1 of schema 8; index -5 (just below 1) is bucket 0.
    expect(f.positiveSpans).toEqual([{ offset: 1, length: 1 }]);
    expect(f.negativeSpans).toEqual([{ offset: 0, length: 1 }]);
  });

  it('reduces to a lower maximum when one is given', () => {
    const h = new Histogram({ schema: 3, count: 2, positiveSpans: [{ offset: 1, length: 2 }], positiveBuckets: [1, 0] });
    expect(capSchema(h, 0).schema).toBe(0);
    expect(h.positiveBuckets).toEqual([2]);
  });

  it('leaves valid schemas, custom buckets and schemas outside the reserved range alone', () => {
    for (const schema of [8, 0, -4, -5, -53, 53]) {
      const h = new Histogram({ schema, count: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1], customValues: schema === -53 ? [1] : [] });
      expect(capSchema(h).schema).toBe(schema);
    }
  });
});

describe('fitBucketLimit', () => {
  it('halves the resolution until the buckets are within the limit', () => {
    const h = new Histogram({ schema: 0, count: 4, positiveSpans: [{ offset: 0, length: 4 }], positiveBuckets: [1, 0, 0, 0] });
    expect(fitBucketLimit(h, 2)).toBe(true);
    // Schema -1 still has three buckets (0, 1, 2); schema -2 has two.
    expect(h.schema).toBe(-2);
    expect(h.positiveSpans).toEqual([{ offset: 0, length: 2 }]);
    expect(h.toFloat().positiveBuckets).toEqual([1, 3]);
  });

  it('counts negative and positive buckets together', () => {
    const f = new FloatHistogram({ schema: 1, count: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1], negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [1] });
    expect(fitBucketLimit(f, 2)).toBe(true);
    expect(f.schema).toBe(1);
    expect(fitBucketLimit(f, 1)).toBe(false);
  });

  it('fails when schema -4 is still over the limit', () => {
    const h = new Histogram({ schema: 0, count: 2, positiveSpans: [{ offset: 0, length: 1 }, { offset: 200, length: 1 }], positiveBuckets: [1, 0] });
    expect(fitBucketLimit(h, 1)).toBe(false);
    expect(h.schema).toBe(-4);
  });

  it('fails for custom buckets over the limit, whose resolution cannot be reduced', () => {
    const h = new Histogram({ schema: -53, count: 2, customValues: [1, 2], positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 0] });
    expect(fitBucketLimit(h, 1)).toBe(false);
    expect(fitBucketLimit(h, 2)).toBe(true);
  });
});
