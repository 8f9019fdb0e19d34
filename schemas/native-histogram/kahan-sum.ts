import { combineCounterResetHints } from './counter-reset-hint.js';
import { HistogramError } from './errors.js';
import { FloatHistogram, type CombineOutcome } from './float-histogram.js';
import { CUSTOM_BUCKETS_SCHEMA, customBoundsMatch, exponentialBound, isExponentialSchema } from './schema.js';
import { indexedCounts, intersectCustomBounds, layoutFrom, type IndexedCount, type Span } from './span.js';

/**
 * A running sum of histograms with Kahan-Babuška (Neumaier) compensation of every count, the sum
 * and every bucket, as PromQL's `sum`, `avg` and `sum_over_time` add histograms: without it,
 * adding 3.1, 1e100, -1e100 and 1.3 as sums of observations gives 1.3 instead of 4.4.
 *
 * The compensation lives in the layout of the running sum. An addend that needs another layout
 * (a coarser schema, a wider zero bucket, other custom bounds) first folds the compensation into
 * the sum and moves the sum to the layout both fit in; then every addend is added compensated.
 */
export class KahanHistogramSum {
  private total: FloatHistogram | undefined;
  private cCount = 0;
  private cSum = 0;
  private cZero = 0;
  private cPositive = new Map<number, number>();
  private cNegative = new Map<number, number>();

  /** Adds `h` (not modified). Throws a HistogramError when exponential and custom buckets meet. */
  add(h: FloatHistogram): CombineOutcome {
    if (this.total === undefined) {
      this.total = h.copy();
      return { counterResetCollision: false, nhcbBoundsReconciled: false };
    }
    if (this.total.usesCustomBuckets() !== h.usesCustomBuckets()) throw new HistogramError('incompatible_schema');
    let other = h;
    let nhcbBoundsReconciled = false;
    if (this.total.usesCustomBuckets()) {
      if (!customBoundsMatch(this.total.customValues, h.customValues)) {
        // Both sides move to the bounds they share, then add bucket by bucket.
        this.fold();
        const bounds = intersectCustomBounds(this.total.customValues, h.customValues);
        reshape(this.total, CUSTOM_BUCKETS_SCHEMA, 0, bounds);
        other = h.copy();
        reshape(other, CUSTOM_BUCKETS_SCHEMA, 0, bounds);
        nhcbBoundsReconciled = true;
      }
    } else {
      while (this.changesLayout(this.total, h)) {
        // The running sum takes the layout both fit in (coarser schema, wider zero bucket,
        // widened further where it would cut one of h's populated buckets).
        this.fold();
        const t = this.total;
        const threshold = h.zeroCountForLargerThreshold(Math.max(t.zeroThreshold, h.zeroThreshold)).threshold;
        reshape(t, Math.min(t.schema, h.schema), threshold);
      }
    }
    const t = this.total;
    const { hint, collision } = combineCounterResetHints(t.counterResetHint, h.counterResetHint);
    if (other.schema > t.schema) other = other.copyToSchema(t.schema);
    [t.count, this.cCount] = kahanSumInc(other.count, t.count, this.cCount);
    [t.sum, this.cSum] = kahanSumInc(other.sum, t.sum, this.cSum);
    if (!t.usesCustomBuckets()) {
      const otherZero = other.zeroCountForLargerThreshold(t.zeroThreshold).count;
      [t.zeroCount, this.cZero] = kahanSumInc(otherZero, t.zeroCount, this.cZero);
    }
    const p = this.addSide(t, t.positiveSpans, t.positiveBuckets, other.positiveSpans, other.positiveBuckets, this.cPositive);
    t.positiveSpans = p.spans;
    t.positiveBuckets = p.counts;
    const n = this.addSide(t, t.negativeSpans, t.negativeBuckets, other.negativeSpans, other.negativeBuckets, this.cNegative);
    t.negativeSpans = n.spans;
    t.negativeBuckets = n.counts;
    t.counterResetHint = hint;
    return { counterResetCollision: collision, nhcbBoundsReconciled };
  }

  /** The sum so far (compensation applied), or undefined before the first `add`. */
  result(): FloatHistogram | undefined {
    if (this.total === undefined) return undefined;
    const r = this.total.copy();
    r.count += this.cCount;
    r.sum += this.cSum;
    if (!r.usesCustomBuckets()) r.zeroCount += this.cZero;
    r.positiveBuckets = withCompensation(r.positiveSpans, r.positiveBuckets, this.cPositive);
    r.negativeBuckets = withCompensation(r.negativeSpans, r.negativeBuckets, this.cNegative);
    return r;
  }

  /**
   * Multiplies the running sum and its compensation by a positive factor, as PromQL's
   * incremental mean rescales the mean so far before adding the next share.
   */
  scale(factor: number): void {
    if (this.total === undefined) return;
    this.total.mul(factor);
    this.cCount *= factor;
    this.cSum *= factor;
    this.cZero *= factor;
    for (const [k, v] of this.cPositive) this.cPositive.set(k, v * factor);
    for (const [k, v] of this.cNegative) this.cNegative.set(k, v * factor);
  }

  private changesLayout(t: FloatHistogram, h: FloatHistogram): boolean {
    if (t.usesCustomBuckets()) return !customBoundsMatch(t.customValues, h.customValues);
    if (h.schema < t.schema || h.zeroThreshold > t.zeroThreshold) return true;
    // A narrower zero bucket fits unless one of h's populated buckets straddles t's threshold.
    return h.zeroThreshold < t.zeroThreshold && h.zeroCountForLargerThreshold(t.zeroThreshold).threshold !== t.zeroThreshold;
  }

  /** Moves the compensation into the running sum, so that its layout may change. */
  private fold(): void {
    const r = this.result();
    if (r === undefined) return;
    this.total = r;
    this.cCount = 0;
    this.cSum = 0;
    this.cZero = 0;
    this.cPositive = new Map();
    this.cNegative = new Map();
  }

  private addSide(
    t: FloatHistogram,
    spans: readonly Span[],
    counts: readonly number[],
    otherSpans: readonly Span[],
    otherCounts: readonly number[],
    compensation: Map<number, number>,
  ): { spans: Span[]; counts: number[] } {
    const merged = new Map<number, number>();
    for (const b of indexedCounts(spans, counts)) merged.set(b.index, b.count);
    for (const b of indexedCounts(otherSpans, otherCounts)) {
      // Buckets inside the zero bucket were counted there.
      if (isExponentialSchema(t.schema) && exponentialBound(b.index, t.schema) <= t.zeroThreshold) continue;
      const [s, c] = kahanSumInc(b.count, merged.get(b.index) ?? 0, compensation.get(b.index) ?? 0);
      merged.set(b.index, s);
      compensation.set(b.index, c);
    }
    const ordered: IndexedCount[] = [...merged].sort(([a], [b]) => a - b).map(([index, count]) => ({ index, count }));
    return layoutFrom(ordered);
  }
}

/** Moves `h` into the given schema, zero threshold (at least) or custom bounds by adding an empty histogram that has them. */
function reshape(h: FloatHistogram, schema: number, zeroThreshold: number, customValues?: readonly number[]): void {
  const hint = h.counterResetHint;
  h.add(new FloatHistogram({ schema, zeroThreshold, customValues }));
  h.counterResetHint = hint;
}

function withCompensation(spans: readonly Span[], counts: readonly number[], compensation: Map<number, number>): number[] {
  return [...indexedCounts(spans, counts)].map((b) => b.count + (compensation.get(b.index) ?? 0));
}

/** One step of Neumaier summation, as PromQL's kahanSumInc. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(t) === Infinity) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) return [t, c + (sum - t + inc)];
  return [t, c + (inc - t + sum)];
}
