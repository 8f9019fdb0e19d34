import { bucketAt, formatBucket, type Bucket } from './bucket.js';
import { combineCounterResetHints, type CounterResetHint } from './counter-reset-hint.js';
import { HistogramError } from './errors.js';
import { formatGoFloat } from './go-float-format.js';
import { customBoundsMatch, exponentialBound, isCustomBucketsSchema, isExponentialSchema, targetIndex } from './schema.js';
import {
  addLayouts,
  addMismatchedCustomLayouts,
  checkSpans,
  compactLayout,
  indexedCounts,
  intersectCustomBounds,
  reduceLayout,
  spansMatch,
  type IndexedCount,
  type Span,
} from './span.js';

/** The fields of a histogram sample; every one is optional when constructing (default 0 / empty / `unknown`). */
export interface FloatHistogramFields {
  counterResetHint?: CounterResetHint;
  schema?: number;
  zeroThreshold?: number;
  zeroCount?: number;
  count?: number;
  sum?: number;
  positiveSpans?: readonly Span[];
  negativeSpans?: readonly Span[];
  positiveBuckets?: readonly number[];
  negativeBuckets?: readonly number[];
  customValues?: readonly number[];
}

/** What `add`/`sub` had to reconcile; PromQL turns each into an annotation. */
export interface CombineOutcome {
  /** One side said `reset`, the other `not_reset`; the result's hint is `unknown`. */
  counterResetCollision: boolean;
  /** Custom-bucket histograms with different bounds were combined over the bounds both have. */
  nhcbBoundsReconciled: boolean;
}

/**
 * A native histogram with float counts and absolute bucket counts: what PromQL computes with
 * (rates, sums and averages have fractional counts). Operations change the receiver in place
 * and return it, as Prometheus' do; `copy()` first to keep the original. Custom bounds are
 * shared between copies and must not be modified.
 */
export class FloatHistogram {
  counterResetHint: CounterResetHint = 'unknown';
  /** -4..8 for exponential buckets, -53 for custom buckets. */
  schema = 0;
  /** Observations in [-zeroThreshold, zeroThreshold] count in the zero bucket. */
  zeroThreshold = 0;
  zeroCount = 0;
  /** Number of observations, NaN observations included. */
  count = 0;
  sum = 0;
  positiveSpans: Span[] = [];
  negativeSpans: Span[] = [];
  positiveBuckets: number[] = [];
  negativeBuckets: number[] = [];
  /** Upper bounds of the custom buckets (schema -53), ascending, without +Inf; empty otherwise. */
  customValues: readonly number[] = [];

  constructor(fields: FloatHistogramFields = {}) {
    if (fields.counterResetHint !== undefined) this.counterResetHint = fields.counterResetHint;
    this.schema = fields.schema ?? 0;
    this.zeroThreshold = fields.zeroThreshold ?? 0;
    this.zeroCount = fields.zeroCount ?? 0;
    this.count = fields.count ?? 0;
    this.sum = fields.sum ?? 0;
    this.positiveSpans = (fields.positiveSpans ?? []).map((s) => ({ ...s }));
    this.negativeSpans = (fields.negativeSpans ?? []).map((s) => ({ ...s }));
    this.positiveBuckets = [...(fields.positiveBuckets ?? [])];
    this.negativeBuckets = [...(fields.negativeBuckets ?? [])];
    this.customValues = fields.customValues ?? [];
  }

  usesCustomBuckets(): boolean {
    return isCustomBucketsSchema(this.schema);
  }

  /** A deep copy (custom bounds are shared: they are immutable). */
  copy(): FloatHistogram {
    if (this.usesCustomBuckets()) {
      return new FloatHistogram({
        counterResetHint: this.counterResetHint,
        schema: this.schema,
        count: this.count,
        sum: this.sum,
        positiveSpans: this.positiveSpans,
        positiveBuckets: this.positiveBuckets,
        customValues: this.customValues,
      });
    }
    return new FloatHistogram(this);
  }

  /**
   * A copy in the coarser `targetSchema` (buckets merged). As in Prometheus, the copy's counter
   * reset hint is `unknown`. Throws for custom buckets or a finer target.
   */
  copyToSchema(targetSchema: number): FloatHistogram {
    if (targetSchema === this.schema) return this.copy();
    if (this.usesCustomBuckets()) throw new Error(`cannot reduce resolution to ${targetSchema} when there are custom buckets`);
    if (isCustomBucketsSchema(targetSchema)) throw new Error('cannot reduce resolution to custom buckets schema');
    if (targetSchema > this.schema) throw new Error(`cannot copy from schema ${this.schema} to ${targetSchema}`);
    const positive = reduceLayout(this.positiveSpans, this.positiveBuckets, this.schema, targetSchema);
    const negative = reduceLayout(this.negativeSpans, this.negativeBuckets, this.schema, targetSchema);
    return new FloatHistogram({
      schema: targetSchema,
      zeroThreshold: this.zeroThreshold,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      positiveSpans: positive.spans,
      positiveBuckets: positive.counts,
      negativeSpans: negative.spans,
      negativeBuckets: negative.counts,
    });
  }

  /** `{count:5, sum:12, [-4,-2):1, [-0.001,0.001]:2, (1,2]:2}`: Prometheus' rendering (populated buckets only). */
  toString(): string {
    const parts = [`{count:${formatGoFloat(this.count)}`, `sum:${formatGoFloat(this.sum)}`];
    for (const b of [...this.negativeBucketIterator()].reverse()) if (b.count !== 0) parts.push(formatBucket(b));
    if (this.zeroCount !== 0) parts.push(formatBucket(this.zeroBucket()));
    for (const b of this.positiveBucketIterator()) if (b.count !== 0) parts.push(formatBucket(b));
    return `${parts.join(', ')}}`;
  }

  /** The histogram in the PromQL test notation (`{{schema:1 count:3 sum:5 buckets:[1 2]}}`), as promtool prints it. */
  testExpression(): string {
    const m = this.copy().compact(Number.MAX_SAFE_INTEGER);
    const res: string[] = [];
    if (m.schema !== 0) res.push(`schema:${m.schema}`);
    if (m.count !== 0) res.push(`count:${formatGoFloat(m.count)}`);
    if (m.sum !== 0) res.push(`sum:${formatGoFloat(m.sum)}`);
    if (m.zeroCount !== 0) res.push(`z_bucket:${formatGoFloat(m.zeroCount)}`);
    if (m.zeroThreshold !== 0) res.push(`z_bucket_w:${formatGoFloat(m.zeroThreshold)}`);
    if (m.usesCustomBuckets()) res.push(`custom_values:[${m.customValues.map(formatGoFloat).join(' ')}]`);
    if (m.counterResetHint !== 'unknown') res.push(`counter_reset_hint:${m.counterResetHint}`);
    const side = (bucketsKey: string, offsetKey: string, spans: Span[], counts: number[]) => {
      if (spans.length > 0 && spans[0].offset !== 0) res.push(`${offsetKey}:${spans[0].offset}`);
      if (counts.length > 0) res.push(`${bucketsKey}:[${counts.map(formatGoFloat).join(' ')}]`);
    };
    side('buckets', 'offset', m.positiveSpans, m.positiveBuckets);
    side('n_buckets', 'n_offset', m.negativeSpans, m.negativeBuckets);
    return `{{${res.join(' ')}}}`;
  }

  /** The zero bucket `[-w, w]`. Custom-bucket histograms have none. */
  zeroBucket(): Bucket {
    if (this.usesCustomBuckets()) throw new Error('histograms with custom buckets have no zero bucket');
    return { lower: -this.zeroThreshold, upper: this.zeroThreshold, lowerInclusive: true, upperInclusive: true, count: this.zeroCount, index: 0 };
  }

  /** Scales every count and the sum; a negative factor makes a gauge. */
  mul(factor: number): this {
    this.zeroCount *= factor;
    this.count *= factor;
    this.sum *= factor;
    for (let i = 0; i < this.positiveBuckets.length; i++) this.positiveBuckets[i] *= factor;
    for (let i = 0; i < this.negativeBuckets.length; i++) this.negativeBuckets[i] *= factor;
    if (factor < 0) this.counterResetHint = 'gauge';
    return this;
  }

  /** Divides every count and the sum; dividing by zero also drops all buckets, a negative divisor makes a gauge. */
  div(scalar: number): this {
    this.zeroCount /= scalar;
    this.count /= scalar;
    this.sum /= scalar;
    if (scalar === 0) {
      this.positiveBuckets = [];
      this.negativeBuckets = [];
      this.positiveSpans = [];
      this.negativeSpans = [];
      return this;
    }
    for (let i = 0; i < this.positiveBuckets.length; i++) this.positiveBuckets[i] /= scalar;
    for (let i = 0; i < this.negativeBuckets.length; i++) this.negativeBuckets[i] /= scalar;
    if (scalar < 0) this.counterResetHint = 'gauge';
    return this;
  }

  /**
   * Adds `other` into this histogram. Differences are reconciled: the result has the coarser of
   * the two schemas and a zero bucket wide enough for both (moved out to a bucket boundary where
   * it would split a populated bucket); custom-bucket histograms with different bounds are added
   * over the bounds both have. The result may hold empty buckets: `compact()` removes them.
   * Throws a HistogramError when one side has custom buckets and the other has not.
   */
  add(other: FloatHistogram): CombineOutcome {
    return this.combine(other, false);
  }

  /**
   * Subtracts `other` (same reconciliation as `add`). The counter reset hint follows `add`'s rule;
   * PromQL's `-` operator sets it to `gauge` afterwards.
   */
  sub(other: FloatHistogram): CombineOutcome {
    return this.combine(other, true);
  }

  private combine(other: FloatHistogram, subtract: boolean): CombineOutcome {
    if (this.usesCustomBuckets() !== other.usesCustomBuckets()) throw new HistogramError('incompatible_schema');
    const { hint, collision } = combineCounterResetHints(this.counterResetHint, other.counterResetHint);
    this.counterResetHint = hint;
    const sign = subtract ? -1 : 1;
    if (!this.usesCustomBuckets()) {
      // Reconciling may widen this histogram's zero bucket (and change its count): read it after.
      const otherZeroCount = this.reconcileZeroBuckets(other);
      this.zeroCount += sign * otherZeroCount;
    }
    this.count += sign * other.count;
    this.sum += sign * other.sum;

    if (this.usesCustomBuckets()) {
      if (customBoundsMatch(this.customValues, other.customValues)) {
        const p = addLayouts(this.schema, this.zeroThreshold, subtract, this.positiveSpans, this.positiveBuckets, other.positiveSpans, other.positiveBuckets);
        this.positiveSpans = p.spans;
        this.positiveBuckets = p.counts;
        return { counterResetCollision: collision, nhcbBoundsReconciled: false };
      }
      const bounds = intersectCustomBounds(this.customValues, other.customValues);
      const p = addMismatchedCustomLayouts(
        subtract,
        this.positiveSpans, this.positiveBuckets, this.customValues,
        other.positiveSpans, other.positiveBuckets, other.customValues,
        bounds,
      );
      this.positiveSpans = p.spans;
      this.positiveBuckets = p.counts;
      this.customValues = bounds;
      return { counterResetCollision: collision, nhcbBoundsReconciled: true };
    }

    let otherSide = { pSpans: other.positiveSpans, pCounts: other.positiveBuckets, nSpans: other.negativeSpans, nCounts: other.negativeBuckets };
    if (other.schema < this.schema) {
      this.reduceResolution(other.schema);
    } else if (other.schema > this.schema) {
      const p = reduceLayout(other.positiveSpans, other.positiveBuckets, other.schema, this.schema);
      const n = reduceLayout(other.negativeSpans, other.negativeBuckets, other.schema, this.schema);
      otherSide = { pSpans: p.spans, pCounts: p.counts, nSpans: n.spans, nCounts: n.counts };
    }
    const p = addLayouts(this.schema, this.zeroThreshold, subtract, this.positiveSpans, this.positiveBuckets, otherSide.pSpans, otherSide.pCounts);
    const n = addLayouts(this.schema, this.zeroThreshold, subtract, this.negativeSpans, this.negativeBuckets, otherSide.nSpans, otherSide.nCounts);
    this.positiveSpans = p.spans;
    this.positiveBuckets = p.counts;
    this.negativeSpans = n.spans;
    this.negativeBuckets = n.counts;
    return { counterResetCollision: collision, nhcbBoundsReconciled: false };
  }

  /**
   * Exact equality of the data (not of the layout's representation): same schema, bounds and
   * zero threshold, bit-identical count, sum, zero count and bucket counts (so NaN equals NaN and
   * 0 differs from -0), and the same buckets, empty ones included. The counter reset hint is not
   * compared.
   */
  equals(other: FloatHistogram | undefined): boolean {
    if (other === undefined) return false;
    if (this.schema !== other.schema || !Object.is(this.count, other.count) || !Object.is(this.sum, other.sum)) return false;
    if (this.usesCustomBuckets() && !customBoundsMatch(this.customValues, other.customValues)) return false;
    if (this.zeroThreshold !== other.zeroThreshold || !Object.is(this.zeroCount, other.zeroCount)) return false;
    return (
      spansMatch(this.negativeSpans, other.negativeSpans) &&
      sameCounts(this.negativeBuckets, other.negativeBuckets) &&
      spansMatch(this.positiveSpans, other.positiveSpans) &&
      sameCounts(this.positiveBuckets, other.positiveBuckets)
    );
  }

  /**
   * Drops empty buckets at span edges, merges spans at most `maxEmptyBuckets` apart and splits
   * spans at longer runs of empty buckets (see `compactLayout`).
   */
  compact(maxEmptyBuckets = 0): this {
    const p = compactLayout(this.positiveSpans, this.positiveBuckets, maxEmptyBuckets);
    const n = compactLayout(this.negativeSpans, this.negativeBuckets, maxEmptyBuckets);
    this.positiveSpans = p.spans;
    this.positiveBuckets = p.counts;
    this.negativeSpans = n.spans;
    this.negativeBuckets = n.counts;
    return this;
  }

  /**
   * Whether this histogram is a counter reset after `previous`: a hint of `reset`/`not_reset`
   * decides; otherwise any count (total, zero bucket, any bucket, but not the sum) that went down,
   * a populated bucket that disappeared, a finer schema or a narrower zero bucket is a reset. A
   * wider zero bucket or a coarser schema compares against `previous` converted accordingly.
   * Custom-bucket histograms with different bounds compare over the bounds both have.
   */
  detectReset(previous: FloatHistogram): boolean {
    if (this.counterResetHint === 'reset') return true;
    if (this.counterResetHint === 'not_reset') return false;
    if (this.count < previous.count) return true;
    if (this.usesCustomBuckets()) {
      if (!previous.usesCustomBuckets()) return true;
      if (!customBoundsMatch(this.customValues, previous.customValues)) return this.detectResetWithMismatchedBounds(previous);
    }
    if (this.schema > previous.schema) return true;
    if (this.zeroThreshold < previous.zeroThreshold) return true;
    const prevZero = previous.zeroCountForLargerThreshold(this.zeroThreshold);
    if (prevZero.threshold !== this.zeroThreshold) return true;
    if (this.zeroCount < prevZero.count) return true;
    for (const positive of [true, false]) {
      const current = [...this.mergedBuckets(positive, this.zeroThreshold, this.schema)];
      let c = 0;
      for (const prev of previous.mergedBuckets(positive, this.zeroThreshold, this.schema)) {
        while (c < current.length && current[c].index < prev.index) c++;
        if (c < current.length && current[c].index === prev.index) {
          if (current[c].count < prev.count) return true;
        } else if (prev.count !== 0) {
          return true;
        }
      }
    }
    return false;
  }

  private detectResetWithMismatchedBounds(previous: FloatHistogram): boolean {
    const bounds = intersectCustomBounds(this.customValues, previous.customValues);
    const current = addMismatchedCustomLayouts(false, this.positiveSpans, this.positiveBuckets, this.customValues, [], [], [], bounds);
    const prev = addMismatchedCustomLayouts(false, previous.positiveSpans, previous.positiveBuckets, previous.customValues, [], [], [], bounds);
    const currentByIndex = new Map<number, number>();
    for (const b of indexedCounts(current.spans, current.counts)) currentByIndex.set(b.index, b.count);
    for (const b of indexedCounts(prev.spans, prev.counts)) {
      if ((currentByIndex.get(b.index) ?? 0) < b.count) return true;
    }
    return false;
  }

  /** Positive buckets in ascending order (from the zero bucket up). */
  positiveBucketIterator(): Generator<Bucket> {
    return this.mergedBuckets(true, 0, this.schema);
  }

  /** Negative buckets from the zero bucket down (descending values). */
  negativeBucketIterator(): Generator<Bucket> {
    return this.mergedBuckets(false, 0, this.schema);
  }

  /** Positive buckets from the highest down to the zero bucket. */
  *positiveReverseBucketIterator(): Generator<Bucket> {
    const all = [...indexedCounts(this.positiveSpans, this.positiveBuckets)];
    for (let i = all.length - 1; i >= 0; i--) yield bucketAt(all[i].index, all[i].count, this.schema, true, this.customValues);
  }

  /** Negative buckets from the lowest up to the zero bucket (ascending values). */
  *negativeReverseBucketIterator(): Generator<Bucket> {
    const all = [...indexedCounts(this.negativeSpans, this.negativeBuckets)];
    for (let i = all.length - 1; i >= 0; i--) yield bucketAt(all[i].index, all[i].count, this.schema, false, undefined);
  }

  /**
   * Every bucket in ascending order of values: negative buckets, the zero bucket (when populated),
   * positive buckets. A bucket overlapping the zero bucket is cut at the zero threshold.
   */
  *allBucketIterator(): Generator<Bucket> {
    for (const b of this.negativeReverseBucketIterator()) yield this.clipToZeroBucket(b);
    if (this.zeroCount > 0 && !this.usesCustomBuckets()) yield this.zeroBucket();
    for (const b of this.positiveBucketIterator()) yield this.clipToZeroBucket(b);
  }

  /** `allBucketIterator` in descending order of values. */
  *allReverseBucketIterator(): Generator<Bucket> {
    for (const b of this.positiveReverseBucketIterator()) yield this.clipToZeroBucket(b);
    if (this.zeroCount > 0 && !this.usesCustomBuckets()) yield this.zeroBucket();
    for (const b of this.negativeBucketIterator()) yield this.clipToZeroBucket(b);
  }

  private clipToZeroBucket(b: Bucket): Bucket {
    if (b.upper < 0 && b.upper > -this.zeroThreshold) b.upper = -this.zeroThreshold;
    else if (b.lower > 0 && b.lower < this.zeroThreshold) b.lower = this.zeroThreshold;
    return b;
  }

  /**
   * Buckets of one side merged into `targetSchema` (coarser or equal), skipping exponential
   * buckets whose upper bound (absolute) is at most `absoluteStartValue`.
   */
  private *mergedBuckets(positive: boolean, absoluteStartValue: number, targetSchema: number): Generator<Bucket> {
    if (this.usesCustomBuckets() && targetSchema !== this.schema) throw new Error('cannot merge from custom buckets schema to exponential schema');
    if (!this.usesCustomBuckets() && isCustomBucketsSchema(targetSchema)) throw new Error('cannot merge from exponential buckets schema to custom schema');
    if (targetSchema > this.schema) throw new Error(`cannot merge from schema ${this.schema} to ${targetSchema}`);
    const spans = positive ? this.positiveSpans : this.negativeSpans;
    const counts = positive ? this.positiveBuckets : this.negativeBuckets;
    const customValues = positive ? this.customValues : undefined;
    let reachedStart = absoluteStartValue === 0;
    const skip = (index: number) => {
      if (reachedStart || !isExponentialSchema(targetSchema) || exponentialBound(index, targetSchema) > absoluteStartValue) {
        reachedStart = true;
        return false;
      }
      return true;
    };
    let current: IndexedCount | undefined;
    for (const { index, count } of indexedCounts(spans, counts)) {
      const t = this.schema === targetSchema ? index : targetIndex(index, this.schema, targetSchema);
      if (current !== undefined && current.index === t) {
        current.count += count;
        continue;
      }
      if (current !== undefined && !skip(current.index)) yield bucketAt(current.index, current.count, targetSchema, positive, customValues);
      current = { index: t, count };
    }
    if (current !== undefined && !skip(current.index)) yield bucketAt(current.index, current.count, targetSchema, positive, customValues);
  }

  /**
   * Checks spans against buckets, bucket counts for negatives and the fields a schema must not
   * use. The total count is not checked against the buckets: float rounding would give false
   * alarms. Throws a HistogramError.
   */
  validate(): void {
    if (isCustomBucketsSchema(this.schema)) {
      checkCustomBounds(this.customValues, this.positiveSpans, this.positiveBuckets.length);
      if (this.zeroCount !== 0) throw new HistogramError('custom_buckets_zero_count');
      if (this.zeroThreshold !== 0) throw new HistogramError('custom_buckets_zero_threshold');
      if (this.negativeSpans.length > 0) throw new HistogramError('custom_buckets_negative_spans');
      if (this.negativeBuckets.length > 0) throw new HistogramError('custom_buckets_negative_buckets');
    } else if (isExponentialSchema(this.schema)) {
      checkSpans(this.positiveSpans, this.positiveBuckets.length, 'positive side');
      checkSpans(this.negativeSpans, this.negativeBuckets.length, 'negative side');
      checkNonNegative(this.negativeBuckets, 'negative side');
      if (this.zeroCount < 0) throw new HistogramError('negative_bucket_count', `zero bucket has observation count of ${formatGoFloat(this.zeroCount)}`);
      if (this.customValues.length > 0) throw new HistogramError('exponential_schema_custom_bounds');
    } else {
      throw new HistogramError('invalid_schema', undefined, `, got schema ${this.schema}`);
    }
    if (this.count < 0) throw new HistogramError('negative_count', `observation count is  ${formatGoFloat(this.count)}`);
    checkNonNegative(this.positiveBuckets, 'positive side');
  }

  /**
   * The zero count this histogram would have with the (larger or equal) threshold, and the
   * threshold itself, moved up to the upper bound of a populated bucket it would cut through.
   */
  zeroCountForLargerThreshold(largerThreshold: number): { count: number; threshold: number } {
    if (largerThreshold === this.zeroThreshold) return { count: this.zeroCount, threshold: largerThreshold };
    if (largerThreshold < this.zeroThreshold) {
      throw new Error(`new threshold ${largerThreshold} is less than old threshold ${this.zeroThreshold}`);
    }
    // Widening on the negative side can move the threshold past buckets the positive side already
    // looked at, so start over until it settles.
    for (;;) {
      let count = this.zeroCount;
      for (const b of this.positiveBucketIterator()) {
        if (b.lower >= largerThreshold) break;
        count += b.count;
        if (b.upper > largerThreshold) {
          if (b.count !== 0) largerThreshold = b.upper;
          break;
        }
      }
      let restart = false;
      for (const b of this.negativeBucketIterator()) {
        if (b.upper <= -largerThreshold) break;
        count += b.count;
        if (b.lower < -largerThreshold) {
          if (b.count !== 0) {
            largerThreshold = -b.lower;
            restart = true;
          }
          break;
        }
      }
      if (!restart) return { count, threshold: largerThreshold };
    }
  }

  /** Empties the buckets now inside the zero bucket (their counts are in the zero count already). */
  private trimBucketsInZeroBucket(): void {
    let i = 0;
    for (const b of this.positiveBucketIterator()) {
      if (b.lower >= this.zeroThreshold) break;
      this.positiveBuckets[i++] = 0;
    }
    i = 0;
    for (const b of this.negativeBucketIterator()) {
      if (b.upper <= -this.zeroThreshold) break;
      this.negativeBuckets[i++] = 0;
    }
    this.compact(0);
  }

  /**
   * Widens this histogram's zero bucket until it also covers `other`'s without cutting through a
   * populated bucket of either, and returns the zero count `other` would have with it.
   */
  private reconcileZeroBuckets(other: FloatHistogram): number {
    let otherZeroCount = other.zeroCount;
    let otherZeroThreshold = other.zeroThreshold;
    while (otherZeroThreshold !== this.zeroThreshold) {
      if (this.zeroThreshold > otherZeroThreshold) {
        ({ count: otherZeroCount, threshold: otherZeroThreshold } = other.zeroCountForLargerThreshold(this.zeroThreshold));
      }
      if (otherZeroThreshold > this.zeroThreshold) {
        ({ count: this.zeroCount, threshold: this.zeroThreshold } = this.zeroCountForLargerThreshold(otherZeroThreshold));
        this.trimBucketsInZeroBucket();
      }
    }
    return otherZeroCount;
  }

  /** Merges the buckets into the coarser `targetSchema`, in place. */
  reduceResolution(targetSchema: number): this {
    if (this.usesCustomBuckets()) throw new Error('cannot reduce resolution when there are custom buckets');
    if (isCustomBucketsSchema(targetSchema)) throw new Error('cannot reduce resolution to custom buckets schema');
    if (targetSchema >= this.schema) throw new Error(`cannot reduce resolution from schema ${this.schema} to ${targetSchema}`);
    const p = reduceLayout(this.positiveSpans, this.positiveBuckets, this.schema, targetSchema);
    const n = reduceLayout(this.negativeSpans, this.negativeBuckets, this.schema, targetSchema);
    this.positiveSpans = p.spans;
    this.positiveBuckets = p.counts;
    this.negativeSpans = n.spans;
    this.negativeBuckets = n.counts;
    this.schema = targetSchema;
    return this;
  }
}

function sameCounts(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function checkNonNegative(counts: readonly number[], side: string): void {
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] < 0) {
      throw new HistogramError('negative_bucket_count', `${side}: bucket number ${i + 1} has observation count of ${formatGoFloat(counts[i])}`);
    }
  }
}

/** Custom bounds ascending, finite, not NaN, and enough of them for the spans. */
export function checkCustomBounds(bounds: readonly number[], spans: readonly Span[], bucketCount: number): void {
  let prev = -Infinity;
  for (let i = 0; i < bounds.length; i++) {
    const curr = bounds[i];
    if (Number.isNaN(curr)) throw new HistogramError('custom_buckets_nan', 'custom buckets');
    if (i > 0 && curr <= prev) {
      throw new HistogramError('custom_buckets_invalid', `custom buckets: previous bound is ${prev.toFixed(6)} and current is ${curr.toFixed(6)}`);
    }
    prev = curr;
  }
  if (prev === Infinity) throw new HistogramError('custom_buckets_infinite', 'custom buckets: last +Inf bound must not be explicitly defined');
  let needed = 0;
  let totalLength = 0;
  for (let n = 0; n < spans.length; n++) {
    if (spans[n].offset < 0) throw new HistogramError('span_negative_offset', `custom buckets: span number ${n + 1} with offset ${spans[n].offset}`);
    needed += spans[n].length;
    totalLength += spans[n].length + spans[n].offset;
  }
  if (needed !== bucketCount) throw new HistogramError('spans_buckets_mismatch', `custom buckets: spans need ${needed} buckets, have ${bucketCount} buckets`);
  if (bounds.length + 1 < totalLength) {
    throw new HistogramError('custom_buckets_mismatch', `custom buckets: only ${bounds.length} custom bounds defined which is insufficient to cover total span length of ${totalLength}`);
  }
}
