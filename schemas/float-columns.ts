import type { Labels } from './labels.js';
import type { SeriesHistograms, SeriesSamples } from './sample.js';

/**
 * The float samples of a decoded record column-wise: series `i` has `labels[i]` and the samples
 * `offsets[i]` to `offsets[i + 1]` (exclusive) of `timestamps` and `values`. A record's series
 * mostly carry one sample each, so building a `SeriesSamples` (an object and two arrays) per
 * series costs more allocation than the samples themselves; readers that walk every sample
 * (the store) take the columns instead.
 */
export interface FloatColumns {
  readonly labels: readonly Labels[];
  /** `labels.length + 1` entries, ascending. */
  readonly offsets: readonly number[];
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

/** A batch that may carry its samples as columns too (then it holds no staleness markers, start timestamps or histograms). */
export interface MaybeColumnar {
  readonly floatColumns?: FloatColumns;
}

/** Shared by every series without staleness markers (never written to: frozen). */
const NO_STALE: number[] = Object.freeze([]) as unknown as number[];

/** The series the columns hold, as `SeriesSamples` (own arrays, no staleness markers). */
export function seriesOfColumns(c: FloatColumns): SeriesSamples[] {
  const n = c.labels.length;
  const out: SeriesSamples[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const from = c.offsets[i];
    const to = c.offsets[i + 1];
    out[i] = { labels: c.labels[i], timestamps: c.timestamps.slice(from, to), values: c.values.slice(from, to), stale: NO_STALE };
  }
  return out;
}

/**
 * `fields` with `floatColumns` and a `series` built from them on first read (then kept): readers
 * that take the columns never build it. `series` is an own enumerable property, so the batch
 * compares, spreads and prints as one with plain series would (a spread copy has no columns).
 */
export function columnarBatch<T extends object>(c: FloatColumns, fields: T): T & MaybeColumnar & { readonly series: SeriesSamples[] } {
  return new ColumnarBatch(c, fields) as unknown as T & MaybeColumnar & { readonly series: SeriesSamples[] };
}

class ColumnarBatch {
  readonly #columns: FloatColumns;
  #series: SeriesSamples[] | undefined;

  constructor(columns: FloatColumns, fields: object) {
    Object.assign(this, fields);
    this.#columns = columns;
    Object.defineProperty(this, 'series', SERIES_PROPERTY);
  }

  get floatColumns(): FloatColumns {
    return this.#columns;
  }

  builtSeries(): SeriesSamples[] {
    return (this.#series ??= seriesOfColumns(this.#columns));
  }
}

/** One descriptor (one getter function) for every batch, so each gets the same hidden class. */
const SERIES_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  get(this: ColumnarBatch): SeriesSamples[] {
    return this.builtSeries();
  },
};

/**
 * Walks a batch's series one at a time without building them: `at(k)` points the fields at series
 * `k`, whose float samples are `from` to `to` (exclusive) of `timestamps` and `values`, read from
 * the batch's columns when it has them and from its `series` otherwise. One cursor serves a whole
 * batch, so readers that walk every sample (the store, the aggregator) allocate nothing per series.
 */
export class BatchSeriesCursor {
  /** Series in the batch. */
  readonly count: number;
  labels: Labels = NO_LABELS;
  timestamps: readonly number[] = NO_STALE;
  values: readonly number[] = NO_STALE;
  from = 0;
  to = 0;
  stale: readonly number[] = NO_STALE;
  startTimestamps: readonly number[] | undefined = undefined;
  histograms: SeriesHistograms | undefined = undefined;
  readonly #columns: FloatColumns | undefined;
  readonly #series: readonly SeriesSamples[] | undefined;

  constructor(batch: MaybeColumnar & { readonly series: readonly SeriesSamples[] }) {
    this.#columns = batch.floatColumns;
    this.#series = this.#columns === undefined ? batch.series : undefined;
    this.count = this.#columns === undefined ? this.#series!.length : this.#columns.labels.length;
  }

  /** The labels of series `k`, without moving the cursor. */
  labelsAt(k: number): Labels {
    return this.#columns === undefined ? this.#series![k].labels : this.#columns.labels[k];
  }

  at(k: number): void {
    const c = this.#columns;
    if (c !== undefined) {
      this.labels = c.labels[k];
      this.timestamps = c.timestamps;
      this.values = c.values;
      this.from = c.offsets[k];
      this.to = c.offsets[k + 1];
      return;
    }
    const s = this.#series![k];
    this.labels = s.labels;
    this.timestamps = s.timestamps;
    this.values = s.values;
    this.from = 0;
    this.to = s.timestamps.length;
    this.stale = s.stale;
    this.startTimestamps = s.startTimestamps;
    this.histograms = s.histograms;
  }
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;
