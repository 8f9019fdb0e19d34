/** The query APIs' result shapes (/api/v1/query and /api/v1/query_range). */
export type Metric = Record<string, string>;
export type SamplePair = [number, string];

/** A native histogram as the API writes it. */
export interface HistogramValue {
  readonly count: string;
  readonly sum: string;
  /** [boundary rule, lower, upper, count]; rule 0: (lo,hi], 1: [lo,hi), 2: (lo,hi), 3: [lo,hi]. */
  readonly buckets?: ReadonlyArray<[number, string, string, string]>;
}
export type HistogramPair = [number, HistogramValue];

export interface VectorSample {
  readonly metric: Metric;
  readonly value?: SamplePair;
  readonly histogram?: HistogramPair;
}
export interface MatrixSeries {
  readonly metric: Metric;
  readonly values?: SamplePair[];
  readonly histograms?: HistogramPair[];
}

export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: VectorSample[] }
  | { readonly resultType: 'matrix'; readonly result: MatrixSeries[] }
  | { readonly resultType: 'scalar'; readonly result: SamplePair }
  | { readonly resultType: 'string'; readonly result: SamplePair };

/** Prometheus' `stats=all` object, the parts shown. */
export interface QueryStats {
  readonly timings?: { readonly evalTotalTime?: number };
  readonly samples?: { readonly totalQueryableSamples?: number; readonly peakSamples?: number };
}

export type QueryData = QueryResult & { readonly stats?: QueryStats };
