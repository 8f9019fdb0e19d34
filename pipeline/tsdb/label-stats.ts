import { canonicalLabels } from '../../schemas/labels.js';
import type { Head } from './head/index.js';
import type { MemSeries } from './head/index.js';
import type { LabelMatcher, Queryable } from './querier.js';

/** Counts of a head as Prometheus' `headStats` reports them. */
export interface HeadCounts {
  numSeries: number;
  chunkCount: number;
  /** Oldest and newest sample in memory; Infinity / -Infinity when the head is empty. */
  minTime: number;
  maxTime: number;
}

/**
 * The label index of a set of series, as the cardinality pages read it: for every label name,
 * every value and how many series carry that pair. Everything the TSDB status reports (series by
 * metric name, values per label name, bytes of values, series per pair) derives from it, and two
 * of them over disjoint series add up (see mergeLabelStats).
 */
export interface LabelStats {
  readonly head: HeadCounts;
  /** Series counted in `pairs` (the head's, or those the selection matched). */
  series: number;
  readonly pairs: Map<string, Map<string, number>>;
}

/** What to count: the whole head (Prometheus), or the series some selectors match. */
export interface LabelStatsRequest {
  /** Series selectors (a series counts once when several match it); none = every series. */
  readonly selectors?: readonly (readonly LabelMatcher[])[];
  /**
   * Count series with samples in [start, end] across the head and the blocks (VictoriaMetrics'
   * `date`); absent = the series in the head, as Prometheus' TSDB status does.
   */
  readonly range?: { readonly start: number; readonly end: number };
}

export function emptyLabelStats(): LabelStats {
  return { head: { numSeries: 0, chunkCount: 0, minTime: Infinity, maxTime: -Infinity }, series: 0, pairs: new Map() };
}

export function headCounts(head: Head): HeadCounts {
  let chunks = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  head.forEachSeries((s) => {
    chunks += headChunksOf(s);
    if (s.minT < minTime) minTime = s.minT;
    if (s.maxT > maxTime) maxTime = s.maxT;
  });
  return { numSeries: head.numSeries, chunkCount: chunks, minTime, maxTime };
}

function headChunksOf(s: MemSeries): number {
  return s.chunkCount + (s.app === null ? 0 : 1) + (s.oooChunks?.length ?? 0) + (s.oooT === null ? 0 : 1);
}

/**
 * The label statistics of one TSDB (its head, and with `range` its blocks too). Without
 * selectors or range this walks the head's postings index only: no series is visited.
 */
export async function labelStatsOf(tsdb: { readonly head: Head } & Queryable, req: LabelStatsRequest = {}): Promise<LabelStats> {
  const stats: LabelStats = { head: headCounts(tsdb.head), series: 0, pairs: new Map() };
  const selectors = req.selectors ?? [];
  if (req.range === undefined && selectors.length === 0) {
    tsdb.head.postings.forEachPair((name, value, n) => addPair(stats.pairs, name, value, n));
    stats.series = tsdb.head.numSeries;
    return stats;
  }
  if (req.range === undefined) {
    const seen = new Set<MemSeries>();
    for (const m of selectors) for (const s of tsdb.head.select(m)) seen.add(s);
    for (const s of seen) countSeries(stats, s.labels);
    return stats;
  }
  const q = tsdb.querier(req.range.start, req.range.end);
  try {
    const seen = new Set<string>();
    for (const m of selectors.length === 0 ? [ALL_SERIES] : selectors) {
      const set = await q.select(m, { start: req.range.start, end: req.range.end, labelsOnly: true });
      for (const s of set.series) {
        const key = canonicalLabels(s.labels);
        if (seen.has(key)) continue;
        seen.add(key);
        countSeries(stats, s.labels);
      }
    }
  } finally {
    await q.close();
  }
  return stats;
}

const ALL_SERIES: readonly LabelMatcher[] = [{ type: '=~', name: '__name__', value: '.+' }];

function countSeries(stats: LabelStats, labels: Readonly<Record<string, string>>): void {
  stats.series++;
  for (const name in labels) {
    const v = labels[name];
    if (v !== '') addPair(stats.pairs, name, v, 1);
  }
}

function addPair(pairs: Map<string, Map<string, number>>, name: string, value: string, n: number): void {
  let values = pairs.get(name);
  if (values === undefined) pairs.set(name, (values = new Map()));
  values.set(value, (values.get(value) ?? 0) + n);
}

/**
 * Adds `from` into `into`. Right for shards of disjoint series (a series lives on one partition):
 * series counts add up, and a value seen in both shards is one value.
 */
export function mergeLabelStats(into: LabelStats, from: LabelStats): LabelStats {
  into.head.numSeries += from.head.numSeries;
  into.head.chunkCount += from.head.chunkCount;
  into.head.minTime = Math.min(into.head.minTime, from.head.minTime);
  into.head.maxTime = Math.max(into.head.maxTime, from.head.maxTime);
  into.series += from.series;
  for (const [name, values] of from.pairs) for (const [value, n] of values) addPair(into.pairs, name, value, n);
  return into;
}
