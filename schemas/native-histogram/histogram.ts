import { bucketAt, formatBucket, type Bucket } from './bucket.js';
import type { CounterResetHint } from './counter-reset-hint.js';
import { HistogramError } from './errors.js';
import { checkCustomBounds, FloatHistogram } from './float-histogram.js';
import { formatGoFloat } from './go-float-format.js';
import { customBoundsMatch, isCustomBucketsSchema, isExponentialSchema } from './schema.js';
import { absoluteToDeltas, checkSpans, compactLayout, deltasToAbsolute, indexedCounts, reduceLayout, spansMatch, type Span } from './span.js';

/** The fields of an integer histogram sample; optional when constructing. Bucket counts are deltas. */
export interface HistogramFields {
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

/**
 * A native histogram with integer counts, as instrumented code exposes it and remote write and
 * the TSDB carry it: bucket counts are delta-encoded (each bucket relative to the previous one
 * on the same side, the first relative to zero). Counts are JavaScript numbers, exact up to 2^53.
 * PromQL works on `toFloat()`.
 */
export class Histogram {
  counterResetHint: CounterResetHint = 'unknown';
  schema = 0;
  zeroThreshold = 0;
  zeroCount = 0;
  count = 0;
  sum = 0;
  positiveSpans: Span[] = [];
  negativeSpans: Span[] = [];
  /** Deltas between consecutive positive buckets. */
  positiveBuckets: number[] = [];
  /** Deltas between consecutive negative buckets. */
  negativeBuckets: number[] = [];
  customValues: readonly number[] = [];

  constructor(fields: HistogramFields = {}) {
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

  copy(): Histogram {
    if (this.usesCustomBuckets()) {
      return new Histogram({
        counterResetHint: this.counterResetHint,
        schema: this.schema,
        count: this.count,
        sum: this.sum,
        positiveSpans: this.positiveSpans,
        positiveBuckets: this.positiveBuckets,
        customValues: this.customValues,
      });
    }
    return new Histogram(this);
  }

  /** The same histogram with float, absolute counts (custom bounds shared). */
  toFloat(): FloatHistogram {
    const custom = this.usesCustomBuckets();
    return new FloatHistogram({
      counterResetHint: this.counterResetHint,
      schema: this.schema,
      zeroThreshold: custom ? 0 : this.zeroThreshold,
      zeroCount: custom ? 0 : this.zeroCount,
      count: this.count,
      sum: this.sum,
      positiveSpans: this.positiveSpans,
      positiveBuckets: deltasToAbsolute(this.positiveBuckets),
      negativeSpans: custom ? [] : this.negativeSpans,
      negativeBuckets: custom ? [] : deltasToAbsolute(this.negativeBuckets),
      customValues: this.customValues,
    });
  }

  /** `{count:5, sum:12, [-4,-2):1, (1,2]:2}`, counts printed as integers. */
  toString(): string {
    const parts = [`{count:${formatInteger(this.count)}`, `sum:${formatGoFloat(this.sum)}`];
    for (const b of [...this.negativeBucketIterator()].reverse()) if (b.count !== 0) parts.push(formatBucket(b, formatInteger));
    if (this.zeroCount !== 0) parts.push(formatBucket(this.zeroBucket(), formatInteger));
    for (const b of this.positiveBucketIterator()) if (b.count !== 0) parts.push(formatBucket(b, formatInteger));
    return `${parts.join(', ')}}`;
  }

  zeroBucket(): Bucket {
    if (this.usesCustomBuckets()) throw new Error('histograms with custom buckets have no zero bucket');
    return { lower: -this.zeroThreshold, upper: this.zeroThreshold, lowerInclusive: true, upperInclusive: true, count: this.zeroCount, index: 0 };
  }

  /** Positive buckets (absolute counts) in ascending order. */
  *positiveBucketIterator(): Generator<Bucket> {
    for (const b of indexedCounts(this.positiveSpans, deltasToAbsolute(this.positiveBuckets))) {
      yield bucketAt(b.index, b.count, this.schema, true, this.customValues);
    }
  }

  /** Negative buckets (absolute counts) from the zero bucket down. */
  *negativeBucketIterator(): Generator<Bucket> {
    for (const b of indexedCounts(this.negativeSpans, deltasToAbsolute(this.negativeBuckets))) {
      yield bucketAt(b.index, b.count, this.schema, false, undefined);
    }
  }

  /** Exact equality as FloatHistogram.equals defines it (deltas compared as stored). */
  equals(other: Histogram | undefined): boolean {
    if (other === undefined) return false;
    if (this.schema !== other.schema || this.count !== other.count || !Object.is(this.sum, other.sum)) return false;
    if (this.usesCustomBuckets() && !customBoundsMatch(this.customValues, other.customValues)) return false;
    if (this.zeroThreshold !== other.zeroThreshold || this.zeroCount !== other.zeroCount) return false;
    return (
      spansMatch(this.negativeSpans, other.negativeSpans) &&
      sameValues(this.negativeBuckets, other.negativeBuckets) &&
      spansMatch(this.positiveSpans, other.positiveSpans) &&
      sameValues(this.positiveBuckets, other.positiveBuckets)
    );
  }

  /** Compaction as FloatHistogram.compact, keeping the delta encoding. */
  compact(maxEmptyBuckets = 0): this {
    const p = compactLayout(this.positiveSpans, deltasToAbsolute(this.positiveBuckets), maxEmptyBuckets);
    const n = compactLayout(this.negativeSpans, deltasToAbsolute(this.negativeBuckets), maxEmptyBuckets);
    this.positiveSpans = p.spans;
    this.positiveBuckets = absoluteToDeltas(p.counts);
    this.negativeSpans = n.spans;
    this.negativeBuckets = absoluteToDeltas(n.counts);
    return this;
  }

  /** Merges the buckets into the coarser `targetSchema`, in place (what an ingester does with schemas above 8). */
  reduceResolution(targetSchema: number): this {
    if (this.usesCustomBuckets()) throw new Error('cannot reduce resolution when there are custom buckets');
    if (isCustomBucketsSchema(targetSchema)) throw new Error('cannot reduce resolution to custom buckets schema');
    if (targetSchema >= this.schema) throw new Error(`cannot reduce resolution from schema ${this.schema} to ${targetSchema}`);
    const p = reduceLayout(this.positiveSpans, deltasToAbsolute(this.positiveBuckets), this.schema, targetSchema);
    const n = reduceLayout(this.negativeSpans, deltasToAbsolute(this.negativeBuckets), this.schema, targetSchema);
    this.positiveSpans = p.spans;
    this.positiveBuckets = absoluteToDeltas(p.counts);
    this.negativeSpans = n.spans;
    this.negativeBuckets = absoluteToDeltas(n.counts);
    this.schema = targetSchema;
    return this;
  }

  /**
   * Checks spans against buckets, that no bucket count is negative, and that the count equals the
   * observations in the buckets (or is at least that many when the sum is NaN, i.e. there were NaN
   * observations). Throws a HistogramError.
   */
  validate(): void {
    let observed = 0;
    if (isCustomBucketsSchema(this.schema)) {
      checkCustomBounds(this.customValues, this.positiveSpans, this.positiveBuckets.length);
      if (this.zeroCount !== 0) throw new HistogramError('custom_buckets_zero_count');
      if (this.zeroThreshold !== 0) throw new HistogramError('custom_buckets_zero_threshold');
      if (this.negativeSpans.length > 0) throw new HistogramError('custom_buckets_negative_spans');
      if (this.negativeBuckets.length > 0) throw new HistogramError('custom_buckets_negative_buckets');
    } else if (isExponentialSchema(this.schema)) {
      checkSpans(this.positiveSpans, this.positiveBuckets.length, 'positive side');
      checkSpans(this.negativeSpans, this.negativeBuckets.length, 'negative side');
      observed += sumAbsolute(this.negativeBuckets, 'negative side');
      if (this.customValues.length > 0) throw new HistogramError('exponential_schema_custom_bounds');
    } else {
      throw new HistogramError('invalid_schema', undefined, `, got schema ${this.schema}`);
    }
    observed += sumAbsolute(this.positiveBuckets, 'positive side');
    observed += this.zeroCount;
    if (Number.isNaN(this.sum)) {
      if (observed > this.count) {
        throw new HistogramError('count_not_big_enough', `${observed} observations found in buckets, but the Count field is ${this.count}`);
      }
    } else if (observed !== this.count) {
      throw new HistogramError('count_mismatch', `${observed} observations found in buckets, but the Count field is ${this.count}`);
    }
  }
}

function sumAbsolute(deltas: readonly number[], side: string): number {
  let total = 0;
  let current = 0;
  for (let i = 0; i < deltas.length; i++) {
    current += deltas[i];
    if (current < 0) throw new HistogramError('negative_bucket_count', `${side}: bucket number ${i + 1} has observation count of ${current}`);
    total += current;
  }
  return total;
}

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Go's `%d`/`%v` of an unsigned integer. */
function formatInteger(n: number): string {
  return Number.isFinite(n) && !Number.isSafeInteger(n) ? BigInt(Math.round(n)).toString() : String(n);
}
