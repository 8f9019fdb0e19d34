import { SampleBuffer } from './chunks/index.js';
import { seriesSamples, type LabelMatcher, type Querier, type SelectHints, type Series, type SeriesSet } from './querier.js';
import { selectHints } from './select-hints.js';
import { groupByLabels } from './series-groups.js';
import { sortedUnique } from './series-order.js';

/**
 * Merges queriers over the same series space (blocks and head): series with equal labels are
 * joined. Parts that follow each other in time (the usual case: blocks, then the head) are
 * concatenated with block copies; only parts whose time ranges overlap are merged sample by
 * sample, with overlapping samples deduplicated (chunks/sample-precedence.ts).
 */
export class MergeQuerier implements Querier {
  constructor(private readonly queriers: readonly Querier[]) {}

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const sets = await Promise.all(this.queriers.map((q) => q.select(matchers, hints)));
    if (sets.length === 1) return sets[0];
    const warnings: string[] = [];
    for (const set of sets) warnings.push(...set.warnings);
    const { series: grouped, start } = groupByLabels(sets.map((set) => set.series));
    const count = start.length - 1;
    const out: Series[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = grouped[start[i]];
    if (hints.labelsOnly) return { series: out, warnings: sortedUnique(warnings) };
    // Groups of several series (one label set in several parts) are joined; the rest are in `out` already.
    const joins: { readonly at: number; readonly parts: readonly Series[] }[] = [];
    // One allocation for every concatenated series' columns; each gets views of its window.
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (start[i + 1] - start[i] === 1) continue;
      // Parts without samples in range take no part in the join.
      const parts = grouped.slice(start[i], start[i + 1]).filter((s) => seriesSamples(s) > 0);
      if (parts.length === 1) out[i] = parts[0];
      if (parts.length <= 1) continue;
      joins.push({ at: i, parts });
      if (concatenable(parts)) for (const s of parts) total += s.timestamps.length;
    }
    if (joins.some((j) => j.parts.some((s) => s.presence != null))) {
      // Presence summaries of one series' parts do not add up to one (a gap or a marker may lie
      // between them): read again in full, its samples charged by the first read.
      return this.select(matchers, selectHints(hints, { presenceLookback: undefined, budget: undefined }));
    }
    const allT = new Float64Array(total);
    const allV = new Float64Array(total);
    let off = 0;
    let buf: SampleBuffer | null = null;
    for (const { at, parts: g } of joins) {
      if (concatenable(g)) {
        const from = off;
        let anyStale = false;
        for (const s of g) {
          allT.set(s.timestamps, off);
          allV.set(s.values, off);
          off += s.timestamps.length;
          if (s.stale !== null) anyStale = true;
        }
        out[at] = { labels: g[0].labels, timestamps: allT.subarray(from, off), values: allV.subarray(from, off), stale: anyStale ? concatStale(g, off - from) : null };
      } else {
        buf ??= new SampleBuffer(256);
        buf.clear();
        for (const s of g) {
          const hs = s.histograms ?? null;
          const sts = s.startTimestamps ?? null;
          for (let j = 0; j < s.timestamps.length; j++) {
            const h = hs === null ? null : hs[j];
            if (sts !== null && sts[j] !== 0) buf.pushStartTimestamp(s.timestamps[j], sts[j]);
            if (h !== null) buf.pushHistogram(s.timestamps[j], h);
            else buf.push(s.timestamps[j], s.values[j], s.stale !== null && s.stale[j] === 1);
          }
        }
        out[at] = { labels: g[0].labels, ...buf.columns() };
      }
    }
    return { series: out, warnings: sortedUnique(warnings) };
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    const all = await Promise.all(this.queriers.map((q) => q.labelNames(matchers)));
    return sortedUnique(all.flat());
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    const all = await Promise.all(this.queriers.map((q) => q.labelValues(name, matchers)));
    return sortedUnique(all.flat());
  }

  async close(): Promise<void> {
    await Promise.all(this.queriers.map((q) => q.close()));
  }
}

/**
 * True when each part (non-empty) ends before the next begins, so concatenation keeps order, and
 * no part has histograms or start timestamps (those are merged sample by sample).
 */
function concatenable(parts: readonly Series[]): boolean {
  if (parts.some((s) => s.histograms != null || s.startTimestamps != null)) return false;
  for (let i = 1; i < parts.length; i++) {
    const prev = parts[i - 1].timestamps;
    if (prev[prev.length - 1] >= parts[i].timestamps[0]) return false;
  }
  return true;
}

function concatStale(parts: readonly Series[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  for (const s of parts) {
    if (s.stale !== null) for (let j = 0; j < s.stale.length; j++) out[off + j] = s.stale[j];
    off += s.timestamps.length;
  }
  return out;
}
