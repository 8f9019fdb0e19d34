import type { Labels } from '../../schemas/labels.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { DecodeJob } from './select-decode/decode-job.js';
import type { SlabLease } from './shared-memory/index.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/**
 * A label matcher as PromQL writes it. Regular expressions are fully anchored (`^(?:re)$`), as in
 * Prometheus; a matcher on a label a series lacks compares against the empty string.
 */
export interface LabelMatcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

/**
 * One series with its samples in the selected time range, column-wise and in ascending timestamp
 * order (no duplicate timestamps). `stale[i]` is 1 where sample i is a staleness marker; then
 * `values[i]` is meaningless. `stale` may be null when the series has no markers in range.
 */
export interface Series {
  readonly labels: Labels;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly stale: ArrayLike<number> | null;
  /**
   * Native-histogram samples: where `histograms[i]` is not null, sample i is that histogram and
   * `values[i]` is meaningless. Absent or null when the series has no histograms in range.
   */
  readonly histograms?: ArrayLike<FloatHistogram | null> | null;
  /**
   * Start timestamps (ms) of the samples, beside `timestamps`: 0 where a sample has none (the
   * sample's counter started at an unknown time). Absent or null when no sample in range has one.
   */
  readonly startTimestamps?: ArrayLike<number> | null;
  /**
   * Where the series is present, in place of its samples (SelectHints.presenceLookback): then
   * `timestamps`, `values` and `stale` are empty. Absent or null for a series read in full.
   */
  readonly presence?: PresenceSummary | null;
}

/**
 * A series' samples in range reduced to what says where an instant selector finds one: it has no
 * staleness marker and no two consecutive samples more than the select's lookback apart, so it is
 * present exactly at the times in [first, last + lookback).
 */
export interface PresenceSummary {
  /** Timestamps of its first and last sample in range. */
  readonly first: number;
  readonly last: number;
  /** How many samples it stands for (what a select's statistics count). */
  readonly samples: number;
}

/** The samples a selected series holds or, for a presence summary, stands for. */
export function seriesSamples(s: Series): number {
  return s.presence != null ? s.presence.samples : s.timestamps.length;
}

export interface SelectHints {
  /** Inclusive range in milliseconds the caller needs; an implementation may return more. */
  readonly start: number;
  readonly end: number;
  /** Only labels are needed (series/labels APIs): samples may be left empty. */
  readonly labelsOnly?: boolean;
  /**
   * Only timestamps and staleness are needed (`count`, `group` over a selector): float values may
   * be left unspecified where that saves decoding them.
   */
  readonly timestampsOnly?: boolean;
  /**
   * Only where each series is present under this lookback delta is needed (`count`, `group` of an
   * instant selector): a series with no staleness marker and no two consecutive samples more than
   * this apart may come back as a presence summary (Series.presence) in place of its samples,
   * which spares writing and handing over its timestamps. Others come back in full.
   */
  readonly presenceLookback?: number;
  /**
   * Read window aggregates instead of raw samples (downsample/rollup-windows.ts): one column of
   * the windows of this resolution that end in [start, end], from a downsampled tier where one
   * covers them and computed from the raw samples elsewhere.
   */
  readonly rollup?: RollupHint;
  /**
   * The query's allowance of samples in memory, shared by its selects: a select that can tell
   * how many samples it would load (chunk headers, head chunk lengths) charges them before
   * decoding, so an oversized query fails before it holds them.
   */
  readonly budget?: SampleBudget;
  /**
   * Pooled memory the columns may be cut from, the query's until it releases the lease (once
   * nothing reads the series any more, the columns are reused by other selects). Without it the
   * columns are the series' own.
   */
  readonly slabs?: SlabLease;
  /**
   * Plans instead of decoding: a select hands what it would decode (one DecodeJob, its series'
   * labels in order) to this sink and returns only the series it could not plan (native
   * histograms, start timestamps), so the chunks can be decoded elsewhere (a store's answer that
   * a query role decodes, select-chunks-wire.ts).
   */
  readonly plans?: PlannedSelectSink;
  /**
   * How many selects like this one the caller's select is made of (a process' shards, each read
   * apart; default 1): a source decides whether to decode in place or in the decode threads by
   * about its share times this, the whole select's size, as series spread evenly over shards.
   */
  readonly parts?: number;
}

/** Receives the planned part of a select (SelectHints.plans). */
export interface PlannedSelectSink {
  add(labels: readonly Labels[], job: DecodeJob): void;
}

/** How many samples a query may still load into memory (`query.max_samples`). */
export interface SampleBudget {
  readonly remaining: number;
  /** Counts `samples` as loaded; throws, counting nothing, when they exceed `remaining`. */
  load(samples: number): void;
}

/** Which windows and which of their aggregates a rollup select returns. */
export interface RollupHint {
  readonly resolutionMs: number;
  readonly column: 'counter' | 'sum' | 'count' | 'min' | 'max';
}

/** A set of series plus warnings (for example, a fan-out that could not reach every shard). */
export interface SeriesSet {
  readonly series: Series[];
  readonly warnings: string[];
}

/**
 * Read access to series over one time range [mint, maxt] (milliseconds, inclusive). Implemented by
 * the TSDB head, its blocks, their merge, the fan-out over shards, and the rule evaluator's window
 * store; the PromQL engine reads only through it. Series are returned sorted by their labels'
 * canonical form. A querier is cheap to create, used by one query, and closed after it.
 */
export interface Querier {
  select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet>;
  /**
   * Told of a select the caller answered itself with part of another select's series (the PromQL
   * engine's subset selects): wrappers that count or record selects count or record it as one
   * that reached the storage. A storage has nothing to do.
   */
  answered?(matchers: readonly LabelMatcher[], hints: SelectHints, set: SeriesSet): void;
  labelNames(matchers: readonly LabelMatcher[]): Promise<string[]>;
  labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]>;
  close(): Promise<void>;
}

/** Hands out queriers; `mint`/`maxt` bound what the querier will be asked for. */
export interface Queryable {
  querier(mint: number, maxt: number): Querier;
}
