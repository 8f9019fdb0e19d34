import type { Labels } from './labels.js';
import type { FloatHistogram, Histogram } from './native-histogram/index.js';

/** A native-histogram sample's value: integer counts (instrumented code) or float counts (results of rules, imports). */
export type HistogramValue = Histogram | FloatHistogram;

/** The native-histogram samples of one series, column-wise and by timestamp. */
export interface SeriesHistograms {
  readonly timestamps: number[];
  readonly histograms: HistogramValue[];
  /** Start timestamps beside `timestamps` (0: unknown); absent when none is known. */
  readonly startTimestamps?: number[];
}

/**
 * One series and its samples in a batch, column-wise: `timestamps[i]` (int64 milliseconds since
 * the epoch, held exactly in a JS number up to 2^53) goes with `values[i]` (float64).
 * A staleness marker is explicit: `stale` lists the indices of samples that are markers (their
 * `values` entry is NaN but must not be relied upon: NaN payloads do not survive JS numbers).
 */
export interface SeriesSamples {
  readonly labels: Labels;
  readonly timestamps: number[];
  readonly values: number[];
  readonly stale: number[];
  /**
   * Start timestamps beside `timestamps` (ms; 0 where unknown): when the counter a sample belongs
   * to started counting (remote write 2.0's created timestamp, OTLP's start time). Absent when
   * no sample has one.
   */
  readonly startTimestamps?: number[];
  /** Native-histogram samples, apart from the float ones (absent or empty when there are none). */
  readonly histograms?: SeriesHistograms;
}

/** What a record on the samples topic carries: many series of one partition. */
export interface SampleBatch {
  readonly series: SeriesSamples[];
}

/** Prometheus' staleness-marker NaN bit pattern (0x7ff0000000000002), for formats that carry it. */
export const STALE_NAN_BITS_HI = 0x7ff00000;
export const STALE_NAN_BITS_LO = 0x00000002;

/** True when the float64 at `offset` in `view` is Prometheus' staleness marker. */
export function isStaleNaNAt(view: DataView, offset: number, littleEndian: boolean): boolean {
  const hi = view.getUint32(littleEndian ? offset + 4 : offset, littleEndian);
  const lo = view.getUint32(littleEndian ? offset : offset + 4, littleEndian);
  return hi === STALE_NAN_BITS_HI && lo === STALE_NAN_BITS_LO;
}
