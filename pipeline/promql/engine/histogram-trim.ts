import type { Bucket, FloatHistogram } from '../../../schemas/native-histogram/index.js';

/**
 * The trimming operators `h </ x` (keep the observations below x) and `h >/ x` (keep those
 * above x), as Prometheus' FloatHistogram.TrimBuckets computes them. A bucket the cut falls into
 * keeps the share of its count on the kept side: interpolated exponentially for exponential
 * buckets, linearly for custom buckets and the zero bucket. When anything was trimmed, the count
 * and the sum are recomputed from what is left, each bucket's count placed at the middle of its
 * kept interval (the geometric middle for exponential buckets), since the observations' real
 * values are not known. A histogram nothing was trimmed from is returned unchanged (a copy).
 */
export function trimHistogram(h: FloatHistogram, cut: number, keepBelow: boolean): FloatHistogram {
  const out = h.copy();
  const custom = out.usesCustomBuckets();
  let count = 0;
  let sum = 0;
  let trimmed = false;
  let hasPositive = false;
  let hasNegative = false;

  const side = (positive: boolean): void => {
    const counts = positive ? out.positiveBuckets : out.negativeBuckets;
    const buckets = positive ? out.positiveBucketIterator() : out.negativeBucketIterator();
    let i = 0;
    for (const b of buckets) {
      const at = i++;
      if (b.count === 0) continue;
      if (positive) hasPositive = true;
      else hasNegative = true;
      const wholeKept = keepBelow ? b.upper <= cut : b.lower >= cut;
      const partlyKept = keepBelow ? b.lower < cut : b.upper > cut;
      if (wholeKept) {
        count += b.count;
        sum += midpoint(b.lower, b.upper, positive, custom) * b.count;
      } else if (partlyKept) {
        const [kept, mid] = bucketTrim(b, cut, keepBelow, positive, custom);
        count += kept;
        sum += mid * kept;
        if (counts[at] !== kept) {
          counts[at] = kept;
          trimmed = true;
        }
      } else {
        counts[at] = 0;
        trimmed = true;
      }
    }
  };
  side(true);
  side(false);

  if (out.zeroCount > 0) {
    const [kept, mid] = zeroBucketTrim(out.zeroBucket(), cut, hasNegative, hasPositive, keepBelow);
    if (out.zeroCount !== kept) {
      out.zeroCount = kept;
      trimmed = true;
    }
    sum += mid * kept;
    count += kept;
  }

  if (trimmed) {
    out.count = count;
    out.sum = sum;
    out.compact(0);
  }
  return out;
}

/** [kept count, where it sits] for a bucket the cut falls into. */
function bucketTrim(b: Bucket, cut: number, keepBelow: boolean, positive: boolean, linear: boolean): [number, number] {
  if (b.lower === -Infinity || b.upper === Infinity) return infiniteBucketTrim(b, cut, keepBelow);
  const below = countBelow(b, cut, positive, linear);
  if (keepBelow) return [below, midpoint(b.lower, cut, positive, linear)];
  return [b.count - below, midpoint(cut, b.upper, positive, linear)];
}

/**
 * Buckets reaching to ±Inf (custom buckets' first and last): the values in them are unknown, so
 * they are kept or dropped whole, except that a first bucket with a positive upper bound is taken
 * to start at 0 and interpolated linearly.
 */
function infiniteBucketTrim(b: Bucket, cut: number, keepBelow: boolean): [number, number] {
  const finite = (x: number) => (Number.isFinite(x) ? x : 0);
  if (b.lower === -Infinity) {
    if (keepBelow) {
      if (cut >= b.upper) return [b.count, 0];
      if (cut > 0 && b.upper > 0 && b.upper !== Infinity) return [(b.count * cut) / b.upper, cut / 2];
      if (b.upper <= 0) return [b.count, cut];
      return [0, finite(b.upper)];
    }
    if (cut <= b.lower) return [b.count, 0];
    if (cut >= 0 && b.upper > cut && b.upper !== Infinity) return [b.count * (1 - cut / b.upper), (cut + b.upper) / 2];
    return [0, finite(b.upper)];
  }
  if (keepBelow) return [0, finite(b.lower)];
  if (cut >= b.lower) return [b.count, cut];
  return [0, finite(b.lower)];
}

/** The share of a bucket's count at or below the cut. */
function countBelow(b: Bucket, cut: number, positive: boolean, linear: boolean): number {
  if (cut <= b.lower) return 0;
  if (cut >= b.upper) return b.count;
  let fraction: number;
  if (linear) {
    fraction = (cut - b.lower) / (b.upper - b.lower);
  } else {
    const logLower = Math.log2(Math.abs(b.lower));
    const logUpper = Math.log2(Math.abs(b.upper));
    const logCut = Math.log2(Math.abs(cut));
    fraction = positive ? (logCut - logLower) / (logUpper - logLower) : 1 - (logCut - logUpper) / (logLower - logUpper);
  }
  return b.count * fraction;
}

/**
 * The zero bucket is taken to span only the side that has buckets (both when neither or both
 * have), and is interpolated linearly.
 */
function zeroBucketTrim(zero: Bucket, cut: number, hasNegative: boolean, hasPositive: boolean, keepBelow: boolean): [number, number] {
  let lower = zero.lower;
  let upper = zero.upper;
  if (hasNegative && !hasPositive) upper = 0;
  if (hasPositive && !hasNegative) lower = 0;
  if (keepBelow) {
    if (cut <= lower) return [0, 0];
    if (cut >= upper) return [zero.count, (lower + upper) / 2];
    return [(zero.count * (cut - lower)) / (upper - lower), (lower + cut) / 2];
  }
  if (cut <= lower) return [zero.count, (lower + upper) / 2];
  if (cut >= upper) return [0, 0];
  return [(zero.count * (upper - cut)) / (upper - lower), (cut + upper) / 2];
}

/** The middle of a kept interval: arithmetic when linear, geometric (signed) otherwise. */
function midpoint(lower: number, upper: number, positive: boolean, linear: boolean): number {
  if (!Number.isFinite(lower)) {
    if (!Number.isFinite(upper)) return 0;
    return upper > 0 ? upper / 2 : upper;
  }
  if (!Number.isFinite(upper)) return lower;
  if (linear) return (lower + upper) / 2;
  const geo = Math.sqrt(Math.abs(lower * upper));
  return positive ? geo : -geo;
}
