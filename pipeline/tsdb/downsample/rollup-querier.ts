import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import type { LabelMatcher, Querier, RollupHint, SelectHints, Series, SeriesSet } from '../querier.js';
import { coarsen, columnSeries, emptyWindows, fieldsOf, rollupSamples, windowEnd, type RollupField, type RollupWindows } from './rollup-windows.js';
import type { Tier } from './tier.js';

/**
 * A TSDB's querier with rollup selects: a select with a `rollup` hint reads the windows from the
 * tier of that resolution where its blocks cover them and rolls the raw samples up for the rest
 * (recent data not yet downsampled, or a resolution without a tier), so the answer does not depend
 * on how far downsampling has got. A series holding native histograms in the select's range (the
 * tiers leave such series out) is answered with its raw samples instead: the rollup plan keeps
 * the range function it answers (`rate` stays `rate`), so the engine computes the raw answer for
 * it; for the count column (`count_over_time`, read as `sum_over_time` of counts) its samples are
 * counted per window. Everything else goes to the raw querier.
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
    const fields = fieldsOf(rollup.column);
    // Series the tiers leave out (they hold native histograms): read raw over the whole select.
    const rawOnly = new Map<string, Labels>();
    const warnings: string[] = [];
    const sources = this.tiers.filter((t) => t.resolution <= r && r % t.resolution === 0).sort((a, b) => b.resolution - a.resolution);
    for (const tier of sources) {
      const next: [number, number][] = [];
      for (const [a, b] of todo) {
        // Windows of r ending in [a, b] are made of the fine windows ending in [a - r + fine, b].
        // The windows of this resolution are the answer's: room for all of them (the rest appended).
        const read = tier.read(matchers, a - r + tier.resolution, b, fields, tier.resolution === r ? (hi - lo) / r + 1 : undefined);
        for (const [key, s] of read.series) part(key, s.labels).push(tier.resolution === r ? s.windows : coarsen(s.windows, r));
        for (let i = 0; i < read.covered.length; i++) {
          const held = read.held[i];
          if (held === null) continue;
          const [x, y] = read.covered[i];
          const present = await this.raw.select(matchers, { start: x - tier.resolution + 1, end: y, labelsOnly: true });
          warnings.push(...present.warnings);
          for (const s of present.series) {
            const key = canonicalLabels(s.labels);
            if (!held.has(key)) rawOnly.set(key, s.labels);
          }
        }
        // A tier block covers fine ends [x, y] = its windows (x - fine, y]; block ranges are multiples
        // of r (r divides a day), so the windows of r it holds whole end in [x - fine + r, y].
        const covered = read.covered.map(([x, y]): [number, number] => [x - tier.resolution + r, y]);
        next.push(...gaps(covered.filter(([x, y]) => x <= y), a, b, r));
      }
      todo = next;
      if (todo.length === 0) break;
    }
    for (const [a, b] of todo) {
      const set = await this.raw.select(matchers, { start: a - r + 1, end: b });
      warnings.push(...set.warnings);
      for (const s of set.series) {
        if (holdsHistograms(s)) {
          rawOnly.set(canonicalLabels(s.labels), s.labels);
          continue;
        }
        const w = emptyWindows();
        rollupSamples(s.timestamps, s.values, s.stale, r, w);
        if (w.length > 0) part(canonicalLabels(s.labels), s.labels).push(w);
      }
    }
    const raws = new Map<string, Series>();
    for (const [key, labels] of rawOnly) {
      const s = await this.rawSeries(labels, hints);
      parts.delete(key);
      if (s === undefined) continue;
      warnings.push(...s.warnings);
      if (holdsHistograms(s.series) && rollup.column !== 'count') {
        raws.set(key, s.series);
        continue;
      }
      // Floats only in this range (or the count column, which counts histograms as samples):
      // the windows the tier would have held.
      const w = emptyWindows();
      rollupSamples(s.series.timestamps, s.series.values, s.series.stale, r, w);
      if (w.length > 0) part(key, labels).push(w);
    }
    const keys = [...parts.keys(), ...raws.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const series: Series[] = [];
    for (const k of keys) {
      const raw = raws.get(k);
      if (raw !== undefined) {
        series.push(raw);
        continue;
      }
      const { labels, windows } = parts.get(k)!;
      const merged = windows.length === 1 ? windows[0] : mergeByEnd(windows, fields);
      const cols = columnSeries(merged, rollup.column, lo, hi);
      if (cols.timestamps.length > 0) series.push({ labels, ...cols, stale: null });
    }
    return { series, warnings };
  }

  /**
   * The raw samples of the one series with `labels` over the select's range (a select by its
   * labels also matches series with more labels: those are left out).
   */
  private async rawSeries(labels: Labels, hints: SelectHints): Promise<{ series: Series; warnings: string[] } | undefined> {
    const matchers: LabelMatcher[] = Object.entries(labels).map(([name, value]) => ({ type: '=', name, value }));
    const set = await this.raw.select(matchers, { start: hints.start, end: hints.end });
    const key = canonicalLabels(labels);
    const series = set.series.find((s) => canonicalLabels(s.labels) === key);
    return series === undefined ? undefined : { series, warnings: set.warnings };
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

/**
 * Windows from several sources in end order, keeping `fields`; where two hold the same window the
 * first wins. Sources normally hold disjoint runs (each covers the gaps the ones before left), so
 * they are concatenated in order of their first window; overlapping ones are merged window by window.
 */
function mergeByEnd(parts: readonly RollupWindows[], fields: readonly RollupField[]): RollupWindows {
  const order = parts.filter((w) => w.length > 0).sort((a, b) => a.ends[0] - b.ends[0]);
  let disjoint = true;
  for (let i = 1; i < order.length && disjoint; i++) disjoint = order[i].ends[0] > order[i - 1].ends[order[i - 1].length - 1];
  if (disjoint && order.length > 0) {
    // Appended to the first run where it keeps just `fields` (a tier read): one copy fewer.
    const total = order.reduce((n, w) => n + w.length, 0);
    const out = order[0].fields === fields ? order[0] : emptyWindows(fields, total);
    out.reserve(total - out.length);
    for (const w of order) if (w !== out) out.copyWindows(w, 0, w.length);
    return out;
  }
  const out = emptyWindows(fields);
  const at = parts.map(() => 0);
  for (;;) {
    let best = -1;
    for (let p = 0; p < parts.length; p++) if (at[p] < parts[p].length && (best < 0 || parts[p].ends[at[p]] < parts[best].ends[at[best]])) best = p;
    if (best < 0) return out;
    const e = parts[best].ends[at[best]];
    if (out.length === 0 || out.ends[out.length - 1] !== e) out.copyWindow(parts[best], at[best]);
    at[best]++;
  }
}

/** Whether any sample of `s` is a native histogram. */
function holdsHistograms(s: Series): boolean {
  const h = s.histograms;
  if (h === undefined || h === null) return false;
  for (let i = 0; i < h.length; i++) if (h[i] !== null) return true;
  return false;
}
