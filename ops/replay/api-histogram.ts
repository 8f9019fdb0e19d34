/**
 * A native histogram as the Prometheus query API answers it (`{"count": "12", "sum": "3.5",
 * "buckets": [[boundary rule, "lower", "upper", "count"], ...]}`, only buckets with observations
 * listed) turned back into a FloatHistogram. The answer has no schema: it is read off the bucket
 * bounds (an exponential schema gives each bucket the bounds 2^((i-1)/2^s) and 2^(i/2^s)), and
 * bounds that fit no exponential schema (infinite ones, or irregular ratios) are custom buckets.
 * The zero bucket is the one that spans zero. The counts, sum and bucket bounds are exact; the
 * counter-reset hint and empty buckets are not in the answer.
 */
import { bucketBound, FloatHistogram, type Span } from '../../schemas/native-histogram/index.js';
import { apiValue } from './api-value.js';

export type ApiBucket = [number, string, string, string];

export interface ApiHistogram {
  readonly count: string;
  readonly sum: string;
  readonly buckets?: readonly ApiBucket[];
}

interface Bucket {
  lower: number;
  upper: number;
  count: number;
}

/** The exponential schema whose buckets all these (positive) bounds are, with each bucket's index; undefined when none is. */
function exponentialIndexes(buckets: readonly Bucket[]): { schema: number; indexes: number[] } | undefined {
  let schema: number | undefined;
  for (const b of buckets) {
    if (!(b.lower > 0) || !Number.isFinite(b.upper)) continue;
    // `+ 0`: schema 0 comes out of the rounding as -0.
    const s = Math.round(-Math.log2(Math.log2(b.upper) - Math.log2(b.lower))) + 0;
    if (s < -4 || s > 8) return undefined;
    if (schema === undefined) schema = s;
    else if (schema !== s) return undefined;
  }
  const sch = schema ?? 0;
  const indexes: number[] = [];
  for (const b of buckets) {
    if (!Number.isFinite(b.upper) || !(b.upper > 0)) return undefined;
    const i = Math.round(Math.log2(b.upper) * 2 ** sch);
    if (bucketBound(i, sch, undefined) !== b.upper) return undefined;
    // A bucket next to the zero bucket may show the zero threshold as its lower bound.
    if (b.lower > 0 && bucketBound(i - 1, sch, undefined) !== b.lower && !(indexes.length === 0)) return undefined;
    indexes.push(i);
  }
  return { schema: sch, indexes };
}

function spansOf(indexes: readonly number[]): Span[] {
  const spans: Span[] = [];
  let prev: number | undefined;
  for (const i of indexes) {
    if (prev !== undefined && i === prev + 1) spans[spans.length - 1]!.length++;
    else spans.push({ offset: prev === undefined ? i : i - prev - 1, length: 1 });
    prev = i;
  }
  return spans;
}

export function histogramFromApi(h: ApiHistogram): FloatHistogram {
  const all: Bucket[] = (h.buckets ?? []).map(([, lo, hi, c]) => ({ lower: apiValue(lo), upper: apiValue(hi), count: apiValue(c) }));
  // A custom histogram's only bucket spans -Inf to +Inf: symmetric, but not a zero bucket.
  const zero = all.find((b) => b.lower === -b.upper && b.lower <= 0 && Number.isFinite(b.upper));
  const rest = all.filter((b) => b !== zero);
  const positive = rest.filter((b) => b.upper > 0 && b.lower >= 0);
  const negative = rest.filter((b) => b.upper <= 0).map((b) => ({ lower: -b.upper, upper: -b.lower, count: b.count })).sort((a, b) => a.upper - b.upper);
  const common = { count: apiValue(h.count), sum: apiValue(h.sum), zeroThreshold: zero?.upper ?? 0, zeroCount: zero?.count ?? 0 };
  const exponential = positive.length + negative.length === rest.length && rest.every((b) => Number.isFinite(b.lower) && Number.isFinite(b.upper));
  const pos = exponential ? exponentialIndexes(positive) : undefined;
  const neg = pos === undefined ? undefined : exponentialIndexes(negative);
  if (pos !== undefined && neg !== undefined && (negative.length === 0 || positive.length === 0 || neg.schema === pos.schema)) {
    return new FloatHistogram({
      ...common, schema: positive.length > 0 ? pos.schema : neg.schema,
      positiveSpans: spansOf(pos.indexes), positiveBuckets: positive.map((b) => b.count),
      negativeSpans: spansOf(neg.indexes), negativeBuckets: negative.map((b) => b.count),
    });
  }
  // Custom buckets: the finite bounds of the listed buckets are the bounds; bucket i ends at bound i (the last at +Inf).
  const bounds = [...new Set(rest.flatMap((b) => [b.lower, b.upper]).filter((v) => Number.isFinite(v)))].sort((a, b) => a - b);
  const sorted = [...rest].sort((a, b) => a.upper - b.upper);
  const indexes = sorted.map((b) => (Number.isFinite(b.upper) ? bounds.indexOf(b.upper) : bounds.length));
  return new FloatHistogram({ ...common, zeroThreshold: 0, zeroCount: 0, schema: -53, customValues: bounds, positiveSpans: spansOf(indexes), positiveBuckets: sorted.map((b) => b.count) });
}
