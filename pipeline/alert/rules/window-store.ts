/**
 * The rule evaluator's storage: a `Queryable` that holds only the series some rule selector can
 * match, and only the samples evaluation can still read (those at or after `minTime`, which the
 * evaluator moves forward as event time passes). Staleness markers are kept as samples with
 * `stale = 1`, as the PromQL engine expects. Native-histogram samples sit in the same columns, their
 * histogram in a column made on a series' first one. Appends may arrive out of order; a sample at
 * an existing timestamp replaces it (a replayed record writes the same value again).
 */
import { canonicalLabels, compareStrings, type Labels } from '../../../schemas/index.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { loopTurns, type LabelMatcher, type LoopTurns, type Querier, type Queryable, type SelectHints, type Series, type SeriesSet } from '../../tsdb/index.js';
import { compileMatchers, type LabelsPredicate } from './label-match.js';

class WindowSeries {
  readonly ts: number[] = [];
  readonly vs: number[] = [];
  readonly st: number[] = [];
  /** The histogram of each sample (null for float ones); null until the series' first histogram. */
  hs: (FloatHistogram | null)[] | null = null;
  /** The start timestamp of each sample (0: unknown); null until the series' first one. */
  sts: number[] | null = null;
  staleCount = 0;
  constructor(readonly key: string, readonly labels: Labels) {}

  insert(t: number, v: number, stale: boolean, h: FloatHistogram | null, start = 0): void {
    const ts = this.ts;
    if (h !== null && this.hs === null) this.hs = new Array<FloatHistogram | null>(ts.length).fill(null);
    if (start !== 0 && this.sts === null) this.sts = new Array<number>(ts.length).fill(0);
    let i = ts.length;
    if (i === 0 || ts[i - 1]! < t) {
      ts.push(t); this.vs.push(v); this.st.push(stale ? 1 : 0); this.hs?.push(h); this.sts?.push(start);
    } else {
      let lo = 0;
      while (lo < i) { const mid = (lo + i) >>> 1; if (ts[mid]! < t) lo = mid + 1; else i = mid; }
      if (ts[lo] === t) {
        this.staleCount -= this.st[lo]!;
        this.vs[lo] = v; this.st[lo] = stale ? 1 : 0;
        if (this.hs !== null) this.hs[lo] = h;
        if (this.sts !== null) this.sts[lo] = start;
      } else {
        ts.splice(lo, 0, t); this.vs.splice(lo, 0, v); this.st.splice(lo, 0, stale ? 1 : 0); this.hs?.splice(lo, 0, h); this.sts?.splice(lo, 0, start);
      }
    }
    if (stale) this.staleCount++;
  }

  /** Drops samples before `t`; returns how many. */
  evict(t: number): number {
    const ts = this.ts;
    let n = 0;
    while (n < ts.length && ts[n]! < t) n++;
    if (n === 0) return 0;
    for (let i = 0; i < n; i++) this.staleCount -= this.st[i]!;
    ts.splice(0, n); this.vs.splice(0, n); this.st.splice(0, n);
    if (this.hs !== null) {
      this.hs.splice(0, n);
      if (!this.hs.some((h) => h !== null)) this.hs = null;
    }
    if (this.sts !== null) {
      this.sts.splice(0, n);
      if (!this.sts.some((st) => st !== 0)) this.sts = null;
    }
    return n;
  }
}

export type AppendOutcome = 'stored' | 'filtered' | 'too_old';

/** Cap on remembered "no selector matches this series" decisions, so churn cannot grow it without bound. */
const MAX_REJECTED = 200_000;

export class WindowStore implements Queryable {
  /** `turns`: the event loop turns a large selection takes between its pieces. */
  constructor(private readonly turns: LoopTurns = loopTurns) {}

  private readonly series = new Map<string, WindowSeries>();
  private readonly byName = new Map<string, Set<WindowSeries>>();
  private readonly rejected = new Set<string>();
  private selectors: LabelsPredicate[] = [];
  private minTimeMs = Number.NEGATIVE_INFINITY;
  private sampleCount = 0;
  /** Every series in key order; null once series came or went. */
  private sorted: WindowSeries[] | null = null;

  /** Sets which series are kept (any selector matching admits a series); drops series no longer matched. */
  setSelectors(matchers: readonly (readonly LabelMatcher[])[]): void {
    this.selectors = matchers.map(compileMatchers);
    this.rejected.clear();
    for (const s of [...this.series.values()]) if (!this.matches(s.labels)) this.remove(s);
  }

  /** Whether any series can be kept at all: without rules nothing is, and a caller may skip the per-series work. */
  get selecting(): boolean {
    return this.selectors.length > 0;
  }

  /** Samples before this time are dropped and refused from now on. */
  get minTime(): number {
    return this.minTimeMs;
  }

  /** Whether a series with these labels would be kept. `key` is its canonical form when known. */
  accepts(labels: Labels, key = canonicalLabels(labels)): boolean {
    if (this.series.has(key)) return true;
    if (this.rejected.has(key)) return false;
    if (this.matches(labels)) return true;
    if (this.rejected.size >= MAX_REJECTED) this.rejected.clear();
    this.rejected.add(key);
    return false;
  }

  /**
   * Adds one sample (or staleness marker); with `h`, a native-histogram sample (`v` then unused);
   * `st`, when not 0, is its start timestamp.
   */
  append(labels: Labels, t: number, v: number, stale = false, key = canonicalLabels(labels), h: FloatHistogram | null = null, st = 0): AppendOutcome {
    if (!this.accepts(labels, key)) return 'filtered';
    if (t < this.minTimeMs) return 'too_old';
    let s = this.series.get(key);
    if (s === undefined) {
      s = new WindowSeries(key, labels);
      this.series.set(key, s);
      this.sorted = null;
      const name = labels['__name__'] ?? '';
      let set = this.byName.get(name);
      if (set === undefined) this.byName.set(name, (set = new Set()));
      set.add(s);
    }
    const before = s.ts.length;
    s.insert(t, v, stale, h, st);
    this.sampleCount += s.ts.length - before;
    return 'stored';
  }

  /** Moves the window start forward to `t` (never backwards), dropping older samples and empty series. */
  evictBefore(t: number): void {
    if (t <= this.minTimeMs) return;
    this.minTimeMs = t;
    for (const s of [...this.series.values()]) {
      this.sampleCount -= s.evict(t);
      if (s.ts.length === 0) this.remove(s);
    }
  }

  get stats(): { series: number; samples: number } {
    return { series: this.series.size, samples: this.sampleCount };
  }

  querier(_mint: number, _maxt: number): Querier {
    return new WindowQuerier(this, this.turns);
  }

  /** Series matching every matcher (the `__name__` equality, when present, picks the bucket). */
  candidates(matchers: readonly LabelMatcher[]): WindowSeries[] {
    const pred = compileMatchers(matchers);
    const eqName = matchers.find((m) => m.name === '__name__' && m.type === '=');
    const out: WindowSeries[] = [];
    if (eqName === undefined) {
      for (const s of this.sortedSeries()) if (pred(s.labels)) out.push(s);
      return out;
    }
    for (const s of this.byName.get(eqName.value) ?? []) if (pred(s.labels)) out.push(s);
    out.sort((a, b) => compareStrings(a.key, b.key));
    return out;
  }

  /**
   * Every series in key order, sorted again only after series came or went: a rule that reads
   * every series (`{__name__=~".+"}`) would otherwise sort tens of thousands of keys at each
   * evaluation.
   */
  private sortedSeries(): readonly WindowSeries[] {
    if (this.sorted === null) this.sorted = [...this.series.values()].sort((a, b) => compareStrings(a.key, b.key));
    return this.sorted;
  }

  private matches(labels: Labels): boolean {
    for (const p of this.selectors) if (p(labels)) return true;
    return false;
  }

  private remove(s: WindowSeries): void {
    this.series.delete(s.key);
    this.sorted = null;
    this.sampleCount -= s.ts.length;
    const set = this.byName.get(s.labels['__name__'] ?? '');
    set?.delete(s);
    if (set?.size === 0) this.byName.delete(s.labels['__name__'] ?? '');
  }
}

/** Series a select copies in one turn of the event loop; a larger selection waits for a turn before each further piece. */
const SERIES_PER_TURN = 2048;

/** The first index of sorted `ts` whose value is not below `t` (when `inclusive`), or above it. */
function searchTimes(ts: readonly number[], t: number, inclusive: boolean): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (inclusive ? ts[mid]! < t : ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class WindowQuerier implements Querier {
  constructor(private readonly store: WindowStore, private readonly turns: LoopTurns) {}

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const series: Series[] = [];
    const candidates = this.store.candidates(matchers);
    for (let i = 0; i < candidates.length; i++) {
      // A rule over tens of thousands of series copies them in pieces, each in a turn of the
      // event loop, so the process serves requests in between (the pieces of a selection may
      // see samples that arrived meanwhile, as an evaluation sees those of the rules before it).
      if (i > 0 && i % SERIES_PER_TURN === 0) await this.turns.take();
      const s = candidates[i]!;
      const lo = searchTimes(s.ts, hints.start, true);
      const hi = Math.max(lo, searchTimes(s.ts, hints.end, false));
      if (hi === lo && !hints.labelsOnly) continue;
      series.push({
        labels: s.labels,
        timestamps: s.ts.slice(lo, hi),
        values: s.vs.slice(lo, hi),
        stale: s.staleCount > 0 ? s.st.slice(lo, hi) : null,
        histograms: s.hs === null ? null : s.hs.slice(lo, hi),
        ...(s.sts === null ? {} : { startTimestamps: s.sts.slice(lo, hi) }),
      });
    }
    return { series, warnings: [] };
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.store.candidates(matchers)) for (const n of Object.keys(s.labels)) names.add(n);
    return [...names].sort(compareStrings);
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    const values = new Set<string>();
    for (const s of this.store.candidates(matchers)) { const v = s.labels[name]; if (v !== undefined && v !== '') values.add(v); }
    return [...values].sort(compareStrings);
  }

  async close(): Promise<void> {}
}
