import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';

/**
 * Which of two float samples at one timestamp a series keeps. The rule depends on the two samples
 * only, never on which arrived, was flushed or was cut into a block first, so every read,
 * compaction and restart (the bus applied again after a crash) keeps the same one, as
 * VictoriaMetrics' deduplication keeps the larger value: a staleness marker wins (a series that
 * ended stays ended), then the larger value; a number wins over NaN.
 */
export function takesPrecedence(v: number, stale: boolean, overV: number, overStale: boolean): boolean {
  if (stale !== overStale) return stale;
  if (stale) return false;
  if (v !== v) return false;
  return overV !== overV || v > overV;
}

/**
 * The same for two native histograms at one timestamp: the larger count wins, then the larger
 * sum, zero count, schema and zero threshold, then the bucket layout and counts compared as text;
 * false for histograms alike in all of these.
 */
export function histogramTakesPrecedence(h: FloatHistogram, over: FloatHistogram): boolean {
  const fields: [number, number][] = [[h.count, over.count], [h.sum, over.sum], [h.zeroCount, over.zeroCount], [h.schema, over.schema], [h.zeroThreshold, over.zeroThreshold]];
  for (const [a, b] of fields) {
    if (a === b || (a !== a && b !== b)) continue;
    return b !== b || a > b;
  }
  const a = layoutText(h);
  const b = layoutText(over);
  return a > b;
}

function layoutText(h: FloatHistogram): string {
  return JSON.stringify([h.positiveSpans, h.positiveBuckets, h.negativeSpans, h.negativeBuckets, h.customValues]);
}
