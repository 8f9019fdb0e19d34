import type { LabelMatcher, LabelStats, LabelStatsRequest } from '../tsdb/index.js';

/**
 * The JSON of `POST /api/v1/store/tsdb_status`: a store's label statistics in full (not a top-N),
 * so the query role can add stores up exactly. Pairs travel as arrays, never as object keys: a
 * label may be named `__proto__`. Empty heads carry null times (JSON has no Infinity).
 */
export interface WireLabelStats {
  readonly head: { numSeries: number; chunkCount: number; minTime: number | null; maxTime: number | null };
  readonly series: number;
  /** [name, [[value, series], ...]] */
  readonly pairs: [string, [string, number][]][];
}

export interface WireLabelStatsRequest {
  readonly selectors?: LabelMatcher[][];
  readonly start?: number;
  readonly end?: number;
}

export function encodeLabelStats(s: LabelStats): WireLabelStats {
  return {
    head: {
      numSeries: s.head.numSeries,
      chunkCount: s.head.chunkCount,
      minTime: Number.isFinite(s.head.minTime) ? s.head.minTime : null,
      maxTime: Number.isFinite(s.head.maxTime) ? s.head.maxTime : null,
    },
    series: s.series,
    pairs: [...s.pairs].map(([name, values]) => [name, [...values]]),
  };
}

export function decodeLabelStats(data: unknown): LabelStats {
  const w = data as Partial<WireLabelStats> | null;
  if (w === null || typeof w !== 'object' || w.head === undefined || !Array.isArray(w.pairs) || typeof w.series !== 'number') {
    throw new TypeError('expected {head, series, pairs}');
  }
  const pairs = new Map<string, Map<string, number>>();
  for (const entry of w.pairs) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) throw new TypeError('expected pairs as [name, [[value, series], ...]]');
    const values = new Map<string, number>();
    for (const [v, n] of entry[1]) {
      if (typeof v !== 'string' || typeof n !== 'number') throw new TypeError(`label ${entry[0]}: expected [value, series] pairs`);
      values.set(v, n);
    }
    pairs.set(entry[0], values);
  }
  return {
    head: {
      numSeries: w.head.numSeries,
      chunkCount: w.head.chunkCount,
      minTime: w.head.minTime ?? Infinity,
      maxTime: w.head.maxTime ?? -Infinity,
    },
    series: w.series,
    pairs,
  };
}

export function encodeLabelStatsRequest(r: LabelStatsRequest): WireLabelStatsRequest {
  return {
    selectors: r.selectors?.map((m) => [...m]),
    ...(r.range === undefined ? {} : { start: r.range.start, end: r.range.end }),
  };
}
