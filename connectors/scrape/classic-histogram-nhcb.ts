import type { Exemplar, MetricType, Parser } from '../../schemas/exposition/index.js';
import { parseFloatLiteral } from '../../schemas/exposition/float-literal.js';
import { canonicalLabels, type Labels } from '../../schemas/labels.js';
import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, Histogram, HistogramError } from '../../schemas/native-histogram/index.js';

/** Classic series that make no native histogram (convertnhcb's errors), or an invalid result (its cause). */
export class NhcbConversionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NhcbConversionError';
  }
}

/** What a series of a classic histogram family adds to the native histogram it is converted into. */
export type ClassicHistogramPart =
  | { readonly kind: 'bucket'; readonly le: number }
  | { readonly kind: 'count' }
  | { readonly kind: 'sum' };

/** The current series as part of a classic histogram: its part, and the histogram's labels and identity. */
export interface ClassicSeries {
  readonly part: ClassicHistogramPart;
  /** The histogram's labels: the family name as `__name__`, no `le`. */
  readonly labels: Labels;
  /** `canonicalLabels(labels)`: series with the same key are one histogram. */
  readonly key: string;
}

const SUFFIXES = ['_bucket', '_count', '_sum'] as const;

/**
 * The parser's current 'series' entry as a part of a classic histogram, as Prometheus'
 * NHCBParser tells them: the family is typed `histogram` (gauge histograms are not converted),
 * the name is the family's plus `_bucket` (with an `le` that is a number), `_count` or `_sum`.
 * Anything else is undefined: an ordinary series.
 */
export function classicSeriesOf(p: Parser): ClassicSeries | undefined {
  if (p.familyType() !== 'histogram') return undefined;
  const family = p.familyName();
  const name = p.metricName();
  if (name.length <= family.length || !name.startsWith(family)) return undefined;
  const suffix = SUFFIXES.find((s) => name.length === family.length + s.length && name.endsWith(s));
  if (suffix === undefined) return undefined;
  // labels() is a new object each call: ours to change.
  const labels = p.labels() as Record<string, string>;
  let part: ClassicHistogramPart;
  if (suffix === '_bucket') {
    const text = labels.le;
    if (text === undefined) return undefined;
    const le = parseFloatLiteral(text, 0, text.length);
    if (le === undefined || Number.isNaN(le)) return undefined;
    part = { kind: 'bucket', le };
    delete labels.le;
  } else part = { kind: suffix === '_count' ? 'count' : 'sum' };
  labels.__name__ = family;
  return { part, labels, key: canonicalLabels(labels) };
}

/**
 * What `classicSeriesOf` said of a series text in this scrape and the one before (null: not part
 * of a classic histogram), so that an unchanged page costs a map lookup per series instead of
 * building and sorting its labels. Entries unseen for a whole scrape are forgotten.
 */
export class ClassicSeriesMemo {
  private current = new Map<string, MemoEntry>();
  private previous = new Map<string, MemoEntry>();

  /** Starts a scrape. */
  begin(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** The parser's current series (whose text is `raw`) as part of a classic histogram, or undefined. */
  of(raw: string, p: Parser): ClassicSeries | undefined {
    const type = p.familyType();
    let c = this.current.get(raw);
    if (c === undefined || c.type !== type) {
      c = this.previous.get(raw);
      // The same text under another TYPE line is another thing.
      if (c === undefined || c.type !== type) c = { type, series: classicSeriesOf(p) ?? null };
      this.current.set(raw, c);
    }
    return c.series ?? undefined;
  }
}

interface MemoEntry {
  readonly type: MetricType;
  readonly series: ClassicSeries | null;
}

interface CumulativeBucket {
  le: number;
  count: number;
}

/**
 * The series of one classic histogram as they are read (cumulative `_bucket` counts, `_count`,
 * `_sum`), turned into a native histogram with custom buckets as Prometheus' convertnhcb does:
 * the finite `le` bounds become the custom values, a missing `+Inf` bucket is the count, a
 * missing count the highest bucket's; integer counts make an integer histogram, any fraction a
 * float one. What cannot be a histogram (counts going down, a count that is not the `+Inf`
 * bucket's) is reported by `convert` as an NhcbConversionError.
 */
export class ClassicHistogramGroup {
  private buckets: CumulativeBucket[] = [];
  private count = 0;
  private hasCount = false;
  private sum = 0;
  private problem: string | undefined;
  /** The histogram's labels and identity (undefined: no group open). */
  labels: Labels | undefined;
  key: string | undefined;
  /** The timestamp its series gave (the last one that gave one). */
  timestamp: number | undefined;
  /** Exemplars of its series, with a timestamp (Prometheus keeps no others on a native histogram). */
  exemplars: Exemplar[] = [];

  get open(): boolean {
    return this.key !== undefined;
  }

  /** Starts collecting the histogram `series` belongs to. */
  start(series: ClassicSeries): void {
    this.buckets = [];
    this.count = 0;
    this.hasCount = false;
    this.sum = 0;
    this.problem = undefined;
    this.labels = series.labels;
    this.key = series.key;
    this.timestamp = undefined;
    this.exemplars = [];
  }

  /** Adds one series' value (and its timestamp and exemplar, when it has them). */
  add(part: ClassicHistogramPart, value: number, timestamp: number | undefined, exemplar: Exemplar | undefined): void {
    if (timestamp !== undefined) this.timestamp = timestamp;
    if (exemplar !== undefined && exemplar.timestamp !== undefined) this.exemplars.push(exemplar);
    if (this.problem !== undefined) return;
    if (part.kind === 'sum') this.sum = value;
    else if (part.kind === 'count') {
      if (value < 0) this.problem = `count must be non-negative: count=${value}`;
      this.count = value;
      this.hasCount = true;
    } else this.addBucket(part.le, value);
  }

  private addBucket(le: number, count: number): void {
    if (count < 0) {
      this.problem = `bucket count must be non-negative: le=${le}, count=${count}`;
      return;
    }
    const b = this.buckets;
    // Exposed in order as a rule; an out-of-order bound is placed, a repeated one ignored.
    let i = b.length;
    while (i > 0 && b[i - 1].le > le) i--;
    if (i > 0 && b[i - 1].le === le) return;
    if (i > 0 && count < b[i - 1].count) {
      this.problem = `count is not cumulative: le=${le} count=${count} < le=${b[i - 1].le} count=${b[i - 1].count}`;
      return;
    }
    if (i < b.length && count > b[i].count) {
      this.problem = `count is not cumulative: le=${le} count=${count} > le=${b[i].le} count=${b[i].count}`;
      return;
    }
    b.splice(i, 0, { le, count });
  }

  /** The native histogram (compacted and validated); throws NhcbConversionError when there is none. */
  convert(): Histogram | FloatHistogram {
    const h = this.build();
    try {
      h.validate();
    } catch (err) {
      if (!(err instanceof HistogramError)) throw err;
      throw new NhcbConversionError(err.message, { cause: err });
    }
    return h;
  }

  private build(): Histogram | FloatHistogram {
    if (this.problem !== undefined) throw new NhcbConversionError(this.problem);
    const buckets = [...this.buckets];
    let count = this.count;
    if (!this.hasCount) {
      if (buckets.length === 0) throw new NhcbConversionError('count must be provided when no buckets are present');
      count = buckets[buckets.length - 1].count;
    }
    if (buckets.length === 0 || buckets[buckets.length - 1].le !== Infinity) buckets.push({ le: Infinity, count });
    const top = buckets[buckets.length - 1].count;
    if (top !== count) throw new NhcbConversionError(`count mismatch: count=${count} != le=+Inf count=${top}`);
    const customValues = buckets.slice(0, -1).map((b) => b.le);
    const populations = buckets.map((b, i) => b.count - (i === 0 ? 0 : buckets[i - 1].count));
    const fields = {
      schema: CUSTOM_BUCKETS_SCHEMA,
      count,
      sum: this.sum,
      customValues,
      positiveSpans: [{ offset: 0, length: buckets.length }],
    };
    if (Number.isInteger(count) && buckets.every((b) => Number.isInteger(b.count))) {
      const deltas = populations.map((n, i) => n - (i === 0 ? 0 : populations[i - 1]));
      return new Histogram({ ...fields, positiveBuckets: deltas }).compact(2);
    }
    return new FloatHistogram({ ...fields, positiveBuckets: populations }).compact(0);
  }
}
