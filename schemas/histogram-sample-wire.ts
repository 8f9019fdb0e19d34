import { RecordDecodeError } from './errors.js';
import { COUNTER_RESET_HINTS, FloatHistogram, Histogram, type CounterResetHint, type Span } from './native-histogram/index.js';
import type { HistogramValue } from './sample.js';

type WireHint = 'UNKNOWN' | 'RESET' | 'NOT_RESET' | 'GAUGE';

interface IntegerCounts {
  zeroCount: number;
  count: number;
  positiveDeltas: number[];
  negativeDeltas: number[];
}

interface FloatCounts {
  zeroCount: number;
  count: number;
  positiveCounts: number[];
  negativeCounts: number[];
}

/**
 * The wire shape of sample-batch.v3's HistogramSample. `counts` is an Avro union of two records,
 * which avsc reads and writes wrapped by the branch's name.
 */
export interface WireHistogramSample {
  series: number;
  timestamp: number;
  counterResetHint: WireHint;
  schema: number;
  zeroThreshold: number;
  sum: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  counts: { 'tidemark.IntegerCounts': IntegerCounts } | { 'tidemark.FloatCounts': FloatCounts };
  customValues: number[];
}

const TO_WIRE: Record<CounterResetHint, WireHint> = { unknown: 'UNKNOWN', reset: 'RESET', not_reset: 'NOT_RESET', gauge: 'GAUGE' };
const FROM_WIRE = new Map<string, CounterResetHint>(COUNTER_RESET_HINTS.map((h) => [TO_WIRE[h], h]));

const spans = (s: readonly Span[]): Span[] => s.map(({ offset, length }) => ({ offset, length }));

/** The wire record of one histogram sample of series `series` (its index in the batch). */
export function toWireHistogram(series: number, timestamp: number, h: HistogramValue): WireHistogramSample {
  const counts: WireHistogramSample['counts'] = h instanceof Histogram
    ? { 'tidemark.IntegerCounts': { zeroCount: h.zeroCount, count: h.count, positiveDeltas: [...h.positiveBuckets], negativeDeltas: [...h.negativeBuckets] } }
    : { 'tidemark.FloatCounts': { zeroCount: h.zeroCount, count: h.count, positiveCounts: [...h.positiveBuckets], negativeCounts: [...h.negativeBuckets] } };
  return {
    series,
    timestamp,
    counterResetHint: TO_WIRE[h.counterResetHint],
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    sum: h.sum,
    positiveSpans: spans(h.positiveSpans),
    negativeSpans: spans(h.negativeSpans),
    counts,
    customValues: [...h.customValues],
  };
}

/** The histogram a wire record holds (integer or float, as written). */
export function fromWireHistogram(w: WireHistogramSample): HistogramValue {
  const counterResetHint = FROM_WIRE.get(w.counterResetHint);
  if (counterResetHint === undefined) throw new RecordDecodeError(`histogram of series ${w.series}: unknown counter reset hint ${w.counterResetHint}`);
  const common = {
    counterResetHint,
    schema: w.schema,
    zeroThreshold: w.zeroThreshold,
    sum: w.sum,
    positiveSpans: w.positiveSpans,
    negativeSpans: w.negativeSpans,
    customValues: w.customValues,
  };
  if ('tidemark.IntegerCounts' in w.counts) {
    const c = w.counts['tidemark.IntegerCounts'];
    return new Histogram({ ...common, zeroCount: c.zeroCount, count: c.count, positiveBuckets: c.positiveDeltas, negativeBuckets: c.negativeDeltas });
  }
  const c = w.counts['tidemark.FloatCounts'];
  return new FloatHistogram({ ...common, zeroCount: c.zeroCount, count: c.count, positiveBuckets: c.positiveCounts, negativeBuckets: c.negativeCounts });
}
