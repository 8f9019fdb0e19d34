/**
 * The prompb `Histogram` message (remote write 1.0 and remote read) with float counts, as
 * protobufjs JSON descriptors, and a FloatHistogram as that message: what Tidemark sends when it
 * writes or answers histograms in Prometheus' remote protocols (its queriers hold float
 * histograms, so the integer-count fields are never written).
 */
import type { FloatHistogram } from './float-histogram.js';

/** protobufjs JSON of `Histogram` (float-count fields only) and `BucketSpan`, to nest in a package. */
export const PROMPB_FLOAT_HISTOGRAM_TYPES = {
  Histogram: {
    fields: {
      countFloat: { type: 'double', id: 2 },
      sum: { type: 'double', id: 3 },
      schema: { type: 'sint32', id: 4 },
      zeroThreshold: { type: 'double', id: 5 },
      zeroCountFloat: { type: 'double', id: 7 },
      negativeSpans: { rule: 'repeated', type: 'BucketSpan', id: 8 },
      negativeCounts: { rule: 'repeated', type: 'double', id: 10 },
      positiveSpans: { rule: 'repeated', type: 'BucketSpan', id: 11 },
      positiveCounts: { rule: 'repeated', type: 'double', id: 13 },
      resetHint: { type: 'int32', id: 14 },
      timestamp: { type: 'int64', id: 15 },
      customValues: { rule: 'repeated', type: 'double', id: 16 },
    },
  },
  BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
} as const;

/** prompb ResetHint: UNKNOWN, YES, NO, GAUGE. */
const RESET_HINT = { unknown: 0, reset: 1, not_reset: 2, gauge: 3 } as const;

/** A histogram at `t` as a prompb `Histogram` message object for protobufjs. */
export function prompbFloatHistogram(h: FloatHistogram, t: number): Record<string, unknown> {
  return {
    countFloat: h.count,
    sum: h.sum,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCountFloat: h.zeroCount,
    negativeSpans: h.negativeSpans,
    negativeCounts: h.negativeBuckets,
    positiveSpans: h.positiveSpans,
    positiveCounts: h.positiveBuckets,
    resetHint: RESET_HINT[h.counterResetHint],
    timestamp: t,
    customValues: h.customValues,
  };
}
