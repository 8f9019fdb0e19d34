import type { Labels } from '../../schemas/labels.js';
import type { MetricMetadataEntry } from '../../schemas/metric-metadata-codec.js';
import { addHistogram, type DecodedHistogram, type DecodedHistograms } from './histogram-message-reader.js';

/** Why a series' labels break the rules (what and which label). */
export interface SeriesProblem {
  readonly message: string;
  readonly label?: string;
  /** Set when the labels keep the rules but pass one of the edge's label limits: that limit's reason. */
  readonly limit?: string;
}

/** Exemplar{1: labels, 2: value, 3: timestamp} of a TimeSeries. */
export interface DecodedExemplar {
  readonly labels: Record<string, string>;
  readonly value: number;
  readonly timestampMs: number;
}

/** One series of a decoded request as an object of its own (`DecodedWriteRequest.seriesAt`). */
export interface DecodedSeries {
  readonly labels: Labels;
  readonly timestamps: number[];
  readonly values: number[];
  /** Indices of samples that carried the staleness NaN (0x7ff0000000000002). */
  readonly stale: number[];
  readonly invalid: SeriesProblem | undefined;
  readonly exemplars?: DecodedExemplar[];
  readonly histograms?: DecodedHistograms;
  /** Start timestamps beside `timestamps` (0: unknown; remote write 2.0), when any sample has one. */
  readonly startTimestamps?: number[];
}

/** The most series slots a request's labels list is created with (it grows past them). */
const MAX_PRESIZED_SERIES = 32_768;

/** Float samples a request is first sized for before its byte length says more. */
const MIN_CAPACITY = 64;

/**
 * Request bytes per float sample the columns are first sized for: a one-sample series with a
 * handful of labels takes more, a long series less (its columns then grow).
 */
const SIZING_BYTES_PER_SAMPLE = 64;

/**
 * A decoded remote_write request, column-wise for the whole request: series `i` has labels
 * `labels[i]` and float samples `offsets[i]` to `offsets[i + 1]` (exclusive) of `timestamps` and
 * `values`. Most series carry one sample, so per-series sample arrays would be most of what a
 * request allocates; the columns are two typed arrays instead. What few series have (problems,
 * exemplars, histograms) sits in maps by series index.
 */
export class DecodedWriteRequest {
  /**
   * Series labels; only the first `seriesCount` entries are in use. Sized up front like the
   * columns: pushed one by one, a request of thousands of series grew (and left behind) a dozen
   * copies of it.
   */
  readonly labels: Labels[];
  private series = 0;
  /** `seriesCount + 1` entries in use; typed, as a growing array of numbers leaves its old copies behind. */
  offsets: Int32Array;
  /** Float sample columns; only the first `samples` entries are in use. */
  timestamps: Float64Array;
  values: Float64Array;
  samples = 0;
  /** Request-wide indices of the samples that carried the staleness NaN, ascending. */
  readonly stale: number[] = [];
  /** Start timestamps beside `timestamps` (0: unknown), once any sample has one. */
  startTimestamps: Float64Array | undefined;
  readonly invalid = new Map<number, SeriesProblem>();
  /** True when the reader checked every series against the edge's label limits (`SeriesProblem.limit`). */
  labelLimitsChecked = false;
  readonly exemplarsOf = new Map<number, DecodedExemplar[]>();
  readonly histogramsOf = new Map<number, DecodedHistograms>();
  exemplars = 0;
  /** Native-histogram samples (each series' own are in `histogramsOf`). */
  histograms = 0;
  /** The request's MetricMetadata messages (Prometheus sends them apart from the series). */
  readonly metadata: MetricMetadataEntry[] = [];

  /** `bytes`: the request's decoded size, which bounds how many samples it can hold. */
  constructor(bytes = 0) {
    const capacity = Math.max(MIN_CAPACITY, Math.min(Math.ceil(bytes / SIZING_BYTES_PER_SAMPLE), 2 ** 20));
    this.timestamps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    // A series holds at least one sample, as a rule: as many series as samples.
    this.offsets = new Int32Array(capacity + 1);
    // Capped: V8 makes a larger `new Array(n)` a dictionary, not a list.
    this.labels = new Array<Labels>(Math.min(capacity, MAX_PRESIZED_SERIES));
  }

  get seriesCount(): number {
    return this.series;
  }

  /** Closes the series whose samples were appended since the previous one; returns its index. */
  addSeries(labels: Labels, invalid: SeriesProblem | undefined): number {
    const i = this.series;
    this.labels[i] = labels; // past the presized length, this grows the array as push would
    this.series = i + 1;
    if (i + 1 === this.offsets.length) {
      const offsets = new Int32Array(this.offsets.length * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
    }
    this.offsets[i + 1] = this.samples;
    if (invalid !== undefined) this.invalid.set(i, invalid);
    return i;
  }

  /** Appends a float sample to the series being read. */
  addSample(t: number, v: number, stale: boolean): void {
    const i = this.samples;
    if (i === this.timestamps.length) this.grow();
    this.timestamps[i] = t;
    this.values[i] = v;
    if (stale) this.stale.push(i);
    this.samples = i + 1;
  }

  /** Sets the start timestamp of sample `i` (request-wide index). */
  setStartTimestamp(i: number, st: number): void {
    (this.startTimestamps ??= new Float64Array(this.timestamps.length))[i] = st;
  }

  /** Adds an exemplar to series `i` (the series being read: its index is `seriesCount`). */
  addExemplar(i: number, e: DecodedExemplar): void {
    this.exemplars++;
    const list = this.exemplarsOf.get(i);
    if (list === undefined) this.exemplarsOf.set(i, [e]);
    else list.push(e);
  }

  /** Adds a native-histogram sample to series `i` (the series being read: its index is `seriesCount`). */
  addHistogram(i: number, h: DecodedHistogram): void {
    this.histograms++;
    this.histogramsOf.set(i, addHistogram(this.histogramsOf.get(i), h));
  }

  /** Series `i` as an object of its own, its sample indices counted from its first sample. */
  seriesAt(i: number): DecodedSeries {
    const from = this.offsets[i];
    const to = this.offsets[i + 1];
    const starts = this.startTimestamps?.subarray(from, to);
    const exemplars = this.exemplarsOf.get(i);
    const histograms = this.histogramsOf.get(i);
    return {
      labels: this.labels[i],
      timestamps: Array.from(this.timestamps.subarray(from, to)),
      values: Array.from(this.values.subarray(from, to)),
      stale: this.stale.filter((k) => k >= from && k < to).map((k) => k - from),
      invalid: this.invalid.get(i),
      ...(exemplars === undefined ? {} : { exemplars }),
      ...(histograms === undefined ? {} : { histograms }),
      ...(starts === undefined || starts.every((st) => st === 0) ? {} : { startTimestamps: Array.from(starts) }),
    };
  }

  /** Every series as an object of its own (`seriesAt`), in request order. */
  allSeries(): DecodedSeries[] {
    return Array.from({ length: this.series }, (_, i) => this.seriesAt(i));
  }

  private grow(): void {
    const size = this.timestamps.length * 2;
    const ts = new Float64Array(size);
    ts.set(this.timestamps);
    this.timestamps = ts;
    const vs = new Float64Array(size);
    vs.set(this.values);
    this.values = vs;
    if (this.startTimestamps !== undefined) {
      const st = new Float64Array(size);
      st.set(this.startTimestamps);
      this.startTimestamps = st;
    }
  }
}
