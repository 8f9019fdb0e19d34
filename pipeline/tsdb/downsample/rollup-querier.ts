import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import type { LabelMatcher, Querier, RollupHint, SelectHints, Series, SeriesSet } from '../querier.js';
import { coarsen, columnSeries, copyWindow, emptyWindows, rollupSamples, windowEnd, type RollupWindows } from './rollup-windows.js';
import { fieldsOf } from './rollup-chunk.js';
import type { Tier } from './tier.js';

/**
 * A TSDB's querier with rollup selects: a select with a `rollup` hint reads the windows from the
 * tier of that resolution where its blocks cover them and rolls the raw samples up for the rest
 * (recent data not yet downsampled, or a resolution without a tier), so the answer does not depend
 * on how far downsampling has got. Everything else goes to the raw querier.
 */
export class RollupQuerier implements Querier {
  constructor(
    private readonly raw: Querier,
    private readonly tiers: readonly Tier[],
  ) {}

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    if (hints.rollup === undefined || hints.labelsOnly) return this.raw.select(matchers, hints);
    return this.selectRollup(matchers, hints, hints.rollup);
  }

  private async selectRollup(matchers: readonly LabelMatcher[], hints: SelectHints, rollup: RollupHint): Promise<SeriesSet> {
    const r = rollup.resolutionMs;
    const lo = windowEnd(hints.start, r);
    const hi = windowEnd(hints.end, r);
    if (lo > hi) return { series: [], warnings: [] };
    const parts = new Map<string, { labels: Labels; windows: RollupWindows[] }>();
    const part = (key: string, labels: Labels): RollupWindows[] => {
      let e = parts.get(key);
      if (e === undefined) {
        e = { labels, windows: [] };
        parts.set(key, e);
      }
      return e.windows;
    };
    // The tier of this resolution first, then finer tiers (windows coarsened), then raw samples,
    // each for the window ends the ones before left uncovered.
    let todo: [number, number][] = [[lo, hi]];
    const sources = this.tiers.filter((t) => t.resolution <= r && r % t.resolution === 0).sort((a, b) => b.resolution - a.resolution);
    for (const tier of sources) {
      const next: [number, number][] = [];
      for (const [a, b] of todo) {
        // Windows of r ending in [a, b] are made of the fine windows ending in [a - r + fine, b].
        const read = tier.read(matchers, a - r + tier.resolution, b, fieldsOf(rollup.column));
        for (const [key, s] of read.series) part(key, s.labels).push(tier.resolution === r ? s.windows : coarsen(s.windows, r));
        // A tier block covers fine ends [x, y] = its windows (x - fine, y]; block ranges are multiples
        // of r (r divides a day), so the windows of r it holds whole end in [x - fine + r, y].
        const covered = read.covered.map(([x, y]): [number, number] => [x - tier.resolution + r, y]);
        next.push(...gaps(covered.filter(([x, y]) => x <= y), a, b, r));
      }
      todo = next;
      if (todo.length === 0) break;
    }
    const warnings: string[] = [];
    for (const [a, b] of todo) {
      const set = await this.raw.select(matchers, { start: a - r + 1, end: b });
      warnings.push(...set.warnings);
      for (const s of set.series) {
        const w = emptyWindows();
        rollupSamples(s.timestamps, s.values, s.stale, r, w);
        if (w.ends.length > 0) part(canonicalLabels(s.labels), s.labels).push(w);
      }
    }
    const keys = [...parts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const series: Series[] = [];
    for (const k of keys) {
      const { labels, windows } = parts.get(k)!;
      const merged = windows.length === 1 ? windows[0] : mergeByEnd(windows);
      const cols = columnSeries(merged, rollup.column, lo, hi);
      if (cols.timestamps.length > 0) series.push({ labels, ...cols, stale: null });
    }
    return { series, warnings };
  }

  labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.raw.labelNames(matchers);
  }

  labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.raw.labelValues(name, matchers);
  }

  close(): Promise<void> {
    return this.raw.close();
  }
}

/** Window-end intervals in [lo, hi] (multiples of r) that `covered` leaves out. */
export function gaps(covered: readonly [number, number][], lo: number, hi: number, r: number): [number, number][] {
  const out: [number, number][] = [];
  let cur = lo;
  for (const [a, b] of [...covered].sort((x, y) => x[0] - y[0])) {
    if (a > cur) out.push([cur, Math.min(a - r, hi)]);
    cur = Math.max(cur, b + r);
    if (cur > hi) return out;
  }
  if (cur <= hi) out.push([cur, hi]);
  return out;
}

/** Windows from several sources in end order; where two hold the same window the first wins. */
function mergeByEnd(parts: readonly RollupWindows[]): RollupWindows {
  const all: [RollupWindows, number][] = [];
  for (const w of parts) for (let i = 0; i < w.ends.length; i++) all.push([w, i]);
  all.sort((a, b) => a[0].ends[a[1]] - b[0].ends[b[1]]);
  const out = emptyWindows();
  for (const [w, i] of all) {
    if (out.ends.length > 0 && out.ends[out.ends.length - 1] === w.ends[i]) continue;
    copyWindow(w, i, out);
  }
  return out;
}
