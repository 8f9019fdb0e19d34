import { formatGoFloat } from './go-float-format.js';
import { bucketBound, isCustomBucketsSchema } from './schema.js';

/**
 * One bucket with its bounds and absolute count. `index` is the bucket's index within its schema
 * and sign (meaningless for the zero bucket). Exponential buckets are `(lower, upper]` on the
 * positive side and `[lower, upper)` on the negative side; the zero bucket is `[-w, w]`; custom
 * buckets are `(lower, upper]` except the first, `[-Inf, upper]`.
 */
export interface Bucket {
  lower: number;
  upper: number;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  count: number;
  index: number;
}

/** The bucket `index` of one side of a histogram, with the bounds `schema` gives it. */
export function bucketAt(index: number, count: number, schema: number, positive: boolean, customValues: readonly number[] | undefined): Bucket {
  let lower: number;
  let upper: number;
  if (positive) {
    upper = bucketBound(index, schema, customValues);
    lower = bucketBound(index - 1, schema, customValues);
  } else {
    lower = -bucketBound(index, schema, customValues);
    upper = -bucketBound(index - 1, schema, customValues);
  }
  if (isCustomBucketsSchema(schema)) {
    return { lower, upper, lowerInclusive: index === 0, upperInclusive: true, count, index };
  }
  return { lower, upper, lowerInclusive: lower < 0, upperInclusive: upper > 0, count, index };
}

/**
 * `[lo,hi):n` in mathematical interval notation, as Prometheus prints a bucket. Integer
 * histograms print their counts as integers (`formatCount`), float histograms as Go's `%g`.
 */
export function formatBucket(b: Bucket, formatCount: (n: number) => string = formatGoFloat): string {
  return `${b.lowerInclusive ? '[' : '('}${formatGoFloat(b.lower)},${formatGoFloat(b.upper)}${b.upperInclusive ? ']' : ')'}:${formatCount(b.count)}`;
}
