import type { FloatHistogram } from './float-histogram.js';
import type { Histogram } from './histogram.js';
import { EXPONENTIAL_SCHEMA_MAX, EXPONENTIAL_SCHEMA_MAX_RESERVED, EXPONENTIAL_SCHEMA_MIN, EXPONENTIAL_SCHEMA_MIN_RESERVED, isExponentialSchema } from './schema.js';

/**
 * The highest schema whose bucket growth factor (2^(2^-schema)) is at least `factor`, within
 * -4..8, as Prometheus' pickSchema turns `native_histogram_min_bucket_factor` into a schema:
 * 0 (or anything up to 1) gives 8, 2 gives 0, 65536 gives -4.
 */
export function schemaForMinBucketFactor(factor: number): number {
  const f = factor <= 1 ? 1.00271 : factor;
  const floor = Math.floor(-Math.log2(Math.log2(f)));
  if (floor >= EXPONENTIAL_SCHEMA_MAX) return EXPONENTIAL_SCHEMA_MAX;
  if (floor <= EXPONENTIAL_SCHEMA_MIN) return EXPONENTIAL_SCHEMA_MIN;
  return floor | 0; // an integer, and 0 rather than -0
}

/**
 * Reduces, in place, a histogram whose exponential schema is above `maxSchema` to `maxSchema`.
 * Only schemas of the reserved exponential range (-9..52) are touched, as Prometheus' ingesters
 * do: a schema 9..52 from a newer client is reduced to 8 on scrape and remote-write receive;
 * custom buckets and schemas outside the range are left for validation to refuse. Throws a
 * HistogramError when the spans do not fit the buckets.
 */
export function capSchema<H extends Histogram | FloatHistogram>(h: H, maxSchema: number = EXPONENTIAL_SCHEMA_MAX): H {
  if (h.schema >= EXPONENTIAL_SCHEMA_MIN_RESERVED && h.schema <= EXPONENTIAL_SCHEMA_MAX_RESERVED && h.schema > maxSchema) {
    h.reduceResolution(maxSchema);
  }
  return h;
}

/**
 * Halves the resolution of an exponential histogram, in place, until it has at most `limit`
 * buckets (positive and negative together), as Prometheus' `native_histogram_bucket_limit`.
 * Returns false when that cannot be done: custom buckets over the limit, or still over it at
 * schema -4.
 */
export function fitBucketLimit(h: Histogram | FloatHistogram, limit: number): boolean {
  const buckets = () => h.positiveBuckets.length + h.negativeBuckets.length;
  if (buckets() <= limit) return true;
  if (!isExponentialSchema(h.schema)) return false;
  while (buckets() > limit) {
    if (h.schema <= EXPONENTIAL_SCHEMA_MIN) return false;
    h.reduceResolution(h.schema - 1);
  }
  return true;
}
