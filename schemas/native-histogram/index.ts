export * from './schema.js';
export { HistogramError, type HistogramErrorKind } from './errors.js';
export { COUNTER_RESET_HINTS, combineCounterResetHints, type CounterResetHint } from './counter-reset-hint.js';
export { type Span, type IndexedCount, deltasToAbsolute, absoluteToDeltas, spansMatch, compactLayout } from './span.js';
export { type Bucket, bucketAt, formatBucket } from './bucket.js';
export { formatGoFloat } from './go-float-format.js';
export { FloatHistogram, type FloatHistogramFields, type CombineOutcome } from './float-histogram.js';
export { Histogram, type HistogramFields } from './histogram.js';
export { histogramQuantile, histogramFraction, histogramStdDev, histogramStdVar, histogramCount, histogramSum, histogramAvg, type HistogramFunctionResult, type NanObservationsNote } from './histogram-math.js';
