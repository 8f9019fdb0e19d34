import type { Bucket } from './bucket.js';
import type { FloatHistogram } from './float-histogram.js';
import { kahanSumInc } from './kahan-sum.js';

/**
 * PromQL's functions over one native histogram: `histogram_quantile`, `histogram_fraction`,
 * `histogram_stddev`/`histogram_stdvar`, `histogram_count`/`histogram_sum`/`histogram_avg`.
 * Interpolation within a bucket is linear for custom buckets and the zero bucket, and
 * exponential (linear in log2) for exponential buckets, as in Prometheus 3.
 */

/**
 * What NaN observations did to a result (a NaN sum with fewer observations in the buckets than
 * the count). PromQL reports each as an info annotation: `nan_result` "input to
 * histogram_quantile has NaN observations, result is NaN", `nan_skew` "..., result is skewed
 * higher", `nan_excluded` "input to histogram_fraction has NaN observations, which are excluded
 * from all fractions".
 */
export type NanObservationsNote = 'nan_result' | 'nan_skew' | 'nan_excluded';

export interface HistogramFunctionResult {
  value: number;
  note?: NanObservationsNote;
}

/**
 * The q-quantile of the observations. q < 0 gives -Inf, q > 1 gives +Inf, NaN q or an empty
 * histogram NaN. The zero bucket's lower (upper) bound counts as 0 when the histogram has only
 * positive (negative) buckets; custom buckets assume 0 below a positive first bound and return
 * the last finite bound for the +Inf bucket. NaN observations rank above everything: a quantile
 * that falls among them is NaN, one below them is reported as skewed higher.
 */
export function histogramQuantile(q: number, h: FloatHistogram): HistogramFunctionResult {
  if (q < 0) return { value: -Infinity };
  if (q > 1) return { value: Infinity };
  if (h.count === 0 || Number.isNaN(q)) return { value: NaN };

  // NaN observations (a NaN sum) count in h.count but in no bucket, so only the forward
  // direction finds the right rank; otherwise walk from the nearer end for precision.
  const forward = Number.isNaN(h.sum) || q < 0.5;
  let rank = forward ? q * h.count : (1 - q) * h.count;
  const it = forward ? h.allBucketIterator() : h.allReverseBucketIterator();
  let bucket: Bucket = { lower: 0, upper: 0, lowerInclusive: false, upperInclusive: false, count: 0, index: 0 };
  let count = 0;
  for (let next = it.next(); !next.done; next = it.next()) {
    bucket = next.value;
    if (bucket.count === 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }

  if (!h.usesCustomBuckets() && bucket.lower < 0 && bucket.upper > 0) {
    if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) bucket.lower = 0;
    else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) bucket.upper = 0;
  } else if (h.usesCustomBuckets()) {
    if (bucket.lower === -Infinity) {
      if (bucket.upper <= 0) return { value: bucket.upper };
      bucket.lower = 0;
    } else if (bucket.upper === Infinity) {
      return { value: bucket.lower };
    }
  }
  // Rounding can push the running count past the total.
  if (count > h.count) count = h.count;
  // Ran out of buckets before reaching the rank: the quantile is among the NaN observations.
  if (count < rank) return Number.isNaN(h.sum) ? { value: NaN, note: 'nan_result' } : { value: bucket.upper };

  rank = forward ? rank - (count - bucket.count) : count - rank;

  let note: NanObservationsNote | undefined;
  if (Number.isNaN(h.sum)) {
    // A NaN sum alone may come from observing both -Inf and +Inf; only missing observations skew.
    for (let next = it.next(); !next.done; next = it.next()) count += next.value.count;
    if (count < h.count) note = 'nan_skew';
  }
  const fraction = rank / bucket.count;
  let value: number;
  if (h.usesCustomBuckets() || (bucket.lower <= 0 && bucket.upper >= 0)) {
    value = bucket.lower + (bucket.upper - bucket.lower) * fraction;
  } else {
    const logLower = Math.log2(Math.abs(bucket.lower));
    const logUpper = Math.log2(Math.abs(bucket.upper));
    value = bucket.lower > 0 ? 2 ** (logLower + (logUpper - logLower) * fraction) : -(2 ** (logUpper + (logLower - logUpper) * (1 - fraction)));
  }
  return note === undefined ? { value } : { value, note };
}

/**
 * The fraction of observations between `lower` and `upper` (the inverse of histogramQuantile).
 * NaN for an empty histogram or a NaN bound; 0 when lower >= upper. Use -Inf/+Inf for open
 * ranges. A bound on a bucket boundary: lower is exclusive and upper inclusive for positive
 * values, the other way round for negative ones. NaN observations are in no range (but still
 * in the total the fraction is of).
 */
export function histogramFraction(lower: number, upper: number, h: FloatHistogram): HistogramFunctionResult {
  if (h.count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return { value: NaN };
  if (lower >= upper) return { value: 0 };

  let count = 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  const it = h.allBucketIterator();
  for (let next = it.next(); !next.done; next = it.next()) {
    const b = next.value;
    count += b.count;
    let zeroBucket = false;
    if (b.lower <= 0 && b.upper >= 0) {
      zeroBucket = true;
      if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) b.lower = 0;
      else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) b.upper = 0;
    }
    const interpolate = (v: number): number => {
      if (h.usesCustomBuckets() || zeroBucket) {
        // A -Inf lower bound cannot be interpolated: the whole first bucket counts.
        if (b.lower === -Infinity) return b.count;
        return rank + (b.count * (v - b.lower)) / (b.upper - b.lower);
      }
      const logLower = Math.log2(Math.abs(b.lower));
      const logUpper = Math.log2(Math.abs(b.upper));
      const logV = Math.log2(Math.abs(v));
      const fraction = v > 0 ? (logV - logLower) / (logUpper - logLower) : 1 - (logV - logUpper) / (logLower - logUpper);
      return rank + b.count * fraction;
    };
    if (!lowerSet && b.lower >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && b.lower >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && b.lower < lower && b.upper > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && b.lower < upper && b.upper > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank += b.count;
  }

  let note: NanObservationsNote | undefined;
  if (Number.isNaN(h.sum)) {
    // Ranks are capped at the observations in buckets, which excludes NaN observations.
    for (let next = it.next(); !next.done; next = it.next()) count += next.value.count;
    if (count < h.count) note = 'nan_excluded';
  } else {
    count = h.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  const value = (upperRank - lowerRank) / h.count;
  return note === undefined ? { value } : { value, note };
}

/**
 * The estimated population variance of the observations around their mean (sum/count), each
 * bucket's observations taken at one representative value: the arithmetic middle for custom
 * buckets, 0 in the zero bucket, the geometric middle for exponential buckets.
 */
export function histogramStdVar(h: FloatHistogram): number {
  const mean = h.sum / h.count;
  let variance = 0;
  let compensation = 0;
  for (const b of h.allBucketIterator()) {
    if (b.count === 0) continue;
    let value: number;
    if (h.usesCustomBuckets()) value = (b.upper + b.lower) / 2;
    else if (b.lower <= 0 && b.upper >= 0) value = 0;
    else {
      value = Math.sqrt(b.upper * b.lower);
      if (b.upper < 0) value = -value;
    }
    const delta = value - mean;
    [variance, compensation] = kahanSumInc(b.count * delta * delta, variance, compensation);
  }
  return (variance + compensation) / h.count;
}

/** The square root of histogramStdVar. */
export function histogramStdDev(h: FloatHistogram): number {
  return Math.sqrt(histogramStdVar(h));
}

export function histogramCount(h: FloatHistogram): number {
  return h.count;
}

export function histogramSum(h: FloatHistogram): number {
  return h.sum;
}

/** sum / count (NaN for an empty histogram). */
export function histogramAvg(h: FloatHistogram): number {
  return h.sum / h.count;
}
