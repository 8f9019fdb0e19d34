import { customBoundsMatch, type FloatHistogram, type Span } from '../../../schemas/native-histogram/index.js';
import { almostEqual } from './float-tolerance.js';
import type { HistogramLiteral } from './histogram-notation.js';

/**
 * FORMAT.md §6.3: whether a result histogram matches an expected literal. Both are compacted
 * first; then schema, zero threshold, custom bounds and span layout must be identical, count,
 * sum, zero count and bucket counts equal within the float tolerance, and the counter reset hint
 * equal only when the literal named one. Returns what differs, or null.
 */
export function compareHistogram(expected: HistogramLiteral, actual: FloatHistogram): string | null {
  const want = expected.histogram.copy().compact();
  const got = actual.copy().compact();
  const differs = (what: string) => `${what}: expected ${want.testExpression()}, got ${got.testExpression()}`;
  if (want.schema !== got.schema) return differs('schema');
  if (!almostEqual(want.count, got.count)) return differs('count');
  if (!almostEqual(want.sum, got.sum)) return differs('sum');
  if (want.usesCustomBuckets() && !customBoundsMatch(want.customValues, got.customValues)) return differs('custom bounds');
  if (want.zeroThreshold !== got.zeroThreshold) return differs('zero threshold');
  if (!almostEqual(want.zeroCount, got.zeroCount)) return differs('zero count');
  if (!sameSpans(want.positiveSpans, got.positiveSpans) || !sameCounts(want.positiveBuckets, got.positiveBuckets)) return differs('positive buckets');
  if (!sameSpans(want.negativeSpans, got.negativeSpans) || !sameCounts(want.negativeBuckets, got.negativeBuckets)) return differs('negative buckets');
  if (expected.counterResetHintSet && want.counterResetHint !== got.counterResetHint) {
    return `counter reset hint: expected ${want.counterResetHint}, got ${got.counterResetHint}`;
  }
  return null;
}

function sameSpans(a: readonly Span[], b: readonly Span[]): boolean {
  return a.length === b.length && a.every((s, i) => s.offset === b[i].offset && s.length === b[i].length);
}

function sameCounts(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((c, i) => almostEqual(c, b[i]));
}
