import { CUSTOM_BUCKETS_SCHEMA, EXPONENTIAL_SCHEMA_MAX, EXPONENTIAL_SCHEMA_MIN } from './schema.js';

/** Why a histogram is invalid or two histograms cannot be combined; messages are Prometheus'. */
export type HistogramErrorKind =
  | 'count_not_big_enough'
  | 'count_mismatch'
  | 'negative_count'
  | 'negative_bucket_count'
  | 'span_negative_offset'
  | 'spans_buckets_mismatch'
  | 'custom_buckets_mismatch'
  | 'custom_buckets_invalid'
  | 'custom_buckets_infinite'
  | 'custom_buckets_nan'
  | 'incompatible_schema'
  | 'custom_buckets_zero_count'
  | 'custom_buckets_zero_threshold'
  | 'custom_buckets_negative_spans'
  | 'custom_buckets_negative_buckets'
  | 'exponential_schema_custom_bounds'
  | 'invalid_schema';

const MESSAGES: Record<HistogramErrorKind, string> = {
  count_not_big_enough: "histogram's observation count should be at least the number of observations found in the buckets",
  count_mismatch: "histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)",
  negative_count: "histogram's observation count is negative",
  negative_bucket_count: 'histogram has a bucket whose observation count is negative',
  span_negative_offset: 'histogram has a span whose offset is negative',
  spans_buckets_mismatch: 'histogram spans specify different number of buckets than provided',
  custom_buckets_mismatch: 'histogram custom bounds are too few',
  custom_buckets_invalid: 'histogram custom bounds must be in strictly increasing order',
  custom_buckets_infinite: 'histogram custom bounds must be finite',
  custom_buckets_nan: 'histogram custom bounds must not be NaN',
  incompatible_schema: 'cannot apply this operation on histograms with a mix of exponential and custom bucket schemas',
  custom_buckets_zero_count: 'custom buckets: must have zero count of 0',
  custom_buckets_zero_threshold: 'custom buckets: must have zero threshold of 0',
  custom_buckets_negative_spans: 'custom buckets: must not have negative spans',
  custom_buckets_negative_buckets: 'custom buckets: must not have negative buckets',
  exponential_schema_custom_bounds: 'histogram with exponential schema must not have custom bounds',
  invalid_schema: `histogram has an invalid schema, which must be between ${EXPONENTIAL_SCHEMA_MIN} and ${EXPONENTIAL_SCHEMA_MAX} for exponential buckets, or ${CUSTOM_BUCKETS_SCHEMA} for custom buckets`,
};

/**
 * An invalid histogram, or an operation two histograms do not support together. `kind` names the
 * rule; the message is `<context>: <Prometheus' message><detail>`, with context (which side, which
 * span or bucket) and detail (`, got schema 9`) where Prometheus has them.
 */
export class HistogramError extends Error {
  readonly code = 'histogram_invalid';
  readonly retryable = false;
  constructor(readonly kind: HistogramErrorKind, context?: string, detail = '') {
    super(`${context ? `${context}: ` : ''}${MESSAGES[kind]}${detail}`);
    this.name = 'HistogramError';
  }
}
