import type { Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';

/** One element of an instant vector. `dropName`: the metric name goes at the end (delayed removal). */
export interface Sample {
  readonly metric: Labels;
  readonly f: number;
  /** Timestamp of the underlying sample (for `timestamp()`); evaluation time otherwise. */
  readonly t: number;
  readonly dropName: boolean;
  /** A native-histogram sample: then `f` is meaningless. */
  readonly h?: FloatHistogram;
}

export type Vector = Sample[];

/**
 * One series' samples inside a range window, zero-copy: points `lo..hi-1` of `ts`/`vs`.
 * Range selectors point into the selected series arrays; subqueries into freshly built ones.
 */
export interface Window {
  readonly metric: Labels;
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
  readonly lo: number;
  readonly hi: number;
  readonly dropName: boolean;
  /** Native-histogram samples beside `vs` (null where a float); absent without any. */
  readonly hs?: ArrayLike<FloatHistogram | null> | null;
  /**
   * Start timestamps beside `ts` (0 where a sample has none); absent or null without any. Only
   * windows of selected series carry them: a subquery's steps have none.
   */
  readonly sts?: ArrayLike<number> | null;
}

export type Value =
  | { readonly kind: 'scalar'; readonly v: number }
  | { readonly kind: 'string'; readonly v: string }
  | { readonly kind: 'vector'; readonly v: Vector }
  | {
    readonly kind: 'matrix';
    readonly v: Window[];
    readonly range: number;
    readonly refTime: number;
    /** Extended range selector modifier; windows then may use the samples around them. */
    readonly modifier?: 'anchored' | 'smoothed' | null;
  };

/** A series of a query result matrix. */
export interface ResultSeries {
  readonly metric: Labels;
  readonly timestamps: number[];
  readonly values: number[];
  /** Native-histogram points (null where a float); absent when the series has none. */
  histograms?: (FloatHistogram | null)[];
}

/** What a query returns, in Prometheus's result shapes. */
export type QueryValue =
  | { readonly resultType: 'scalar'; readonly result: { readonly t: number; readonly v: number } }
  | { readonly resultType: 'string'; readonly result: { readonly t: number; readonly v: string } }
  | { readonly resultType: 'vector'; readonly result: { readonly metric: Labels; readonly t: number; readonly v: number; readonly h?: FloatHistogram }[] }
  | { readonly resultType: 'matrix'; readonly result: ResultSeries[] };

export interface QueryResult {
  readonly value: QueryValue;
  /** Rendered `PromQL warning: ...` annotations. */
  readonly warnings: string[];
  /** Rendered `PromQL info: ...` annotations. */
  readonly infos: string[];
  /** Samples the query's selects loaded into memory (set by the engine). */
  readonly loadedSamples?: number;
}
