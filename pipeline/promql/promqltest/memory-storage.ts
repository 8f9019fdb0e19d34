import { compileSelectorRegexp } from '../../../schemas/regexp/index.js';
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { withStoredCounterResetHint, type FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { LabelMatcher, Querier, Queryable, SelectHints, SeriesSet, Series } from '../../tsdb/querier.js';
import { upperBound } from '../engine/search.js';

interface StoredSeries {
  readonly labels: Labels;
  readonly key: string;
  ts: number[];
  vs: number[];
  stale: number[];
  hasStale: boolean;
  /** Native-histogram samples by position (null: a float); null while the series has none. */
  hs: (FloatHistogram | null)[] | null;
  /** Start timestamps by sample timestamp; null while no sample has one. */
  sts: Map<number, number> | null;
  /** Frozen typed copies, rebuilt after appends. */
  frozen: { ts: Float64Array; vs: Float64Array; stale: Uint8Array | null; hs: (FloatHistogram | null)[] | null; sts: Float64Array | null } | null;
}

function matcherFn(m: LabelMatcher): (v: string) => boolean {
  switch (m.type) {
    case '=': return (v) => v === m.value;
    case '!=': return (v) => v !== m.value;
    case '=~': {
      const re = compileSelectorRegexp(m.value);
      return (v) => re.test(v);
    }
    case '!~': {
      const re = compileSelectorRegexp(m.value);
      return (v) => !re.test(v);
    }
  }
}

/**
 * An in-memory series store implementing `Queryable` and `Querier` (the promqltest storage and
 * the benchmark's data set). Appends may arrive in any order; a sample at an existing timestamp
 * replaces it.
 */
export class MemoryQueryable implements Queryable, Querier {
  private series = new Map<string, StoredSeries>();
  private byName = new Map<string, StoredSeries[]>();
  private sorted: StoredSeries[] | null = null;
  /** Metric names whose `byName` list is currently in canonical order. */
  private readonly sortedNames = new Set<string>();

  clear(): void {
    this.series.clear();
    this.byName.clear();
    this.sorted = null;
    this.sortedNames.clear();
  }

  /** Appends one native-histogram sample (replacing any sample at its timestamp). */
  appendHistogram(labels: Labels, t: number, h: FloatHistogram, st = 0): void {
    const s = this.append(labels, t, NaN, false, st);
    // append() keeps an existing histogram column aligned; a first histogram creates it.
    s.hs ??= new Array<FloatHistogram | null>(s.ts.length).fill(null);
    const i = upperBound(s.ts, t) - 1;
    const prev = i > 0 && i === s.ts.length - 1 ? s.hs[i - 1] : null;
    s.hs[i] = prev === null ? h : withStoredCounterResetHint(h, prev);
  }

  /** Appends one sample; `stale` writes a staleness marker; `st` (not 0): its start timestamp. */
  append(labels: Labels, t: number, v: number, stale = false, st = 0): StoredSeries {
    const key = canonicalLabels(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, key, ts: [], vs: [], stale: [], hasStale: false, hs: null, sts: null, frozen: null };
      this.series.set(key, s);
      const name = labels.__name__ ?? '';
      const list = this.byName.get(name);
      if (list) list.push(s);
      else this.byName.set(name, [s]);
      this.sorted = null;
    this.sortedNames.clear();
    }
    s.frozen = null;
    const n = s.ts.length;
    if (n === 0 || s.ts[n - 1] < t) {
      s.ts.push(t);
      s.vs.push(v);
      s.stale.push(stale ? 1 : 0);
      s.hs?.push(null);
    } else {
      const i = upperBound(s.ts, t);
      if (i > 0 && s.ts[i - 1] === t) {
        s.vs[i - 1] = v;
        s.stale[i - 1] = stale ? 1 : 0;
        if (s.hs !== null) s.hs[i - 1] = null;
      } else {
        s.ts.splice(i, 0, t);
        s.vs.splice(i, 0, v);
        s.stale.splice(i, 0, stale ? 1 : 0);
        s.hs?.splice(i, 0, null);
      }
    }
    if (stale) s.hasStale = true;
    if (st !== 0) (s.sts ??= new Map()).set(t, st);
    else s.sts?.delete(t);
    return s;
  }

  /** Adds a whole series at once (ascending timestamps, no markers); replaces any existing one. */
  addSeries(labels: Labels, timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    this.deleteSeries(labels);
    const s: StoredSeries = {
      labels, key: canonicalLabels(labels), ts: Array.from(timestamps), vs: Array.from(values),
      stale: new Array(timestamps.length).fill(0), hasStale: false, hs: null, sts: null, frozen: null,
    };
    this.series.set(s.key, s);
    const name = labels.__name__ ?? '';
    const list = this.byName.get(name);
    if (list) list.push(s);
    else this.byName.set(name, [s]);
    this.sorted = null;
    this.sortedNames.clear();
  }

  /** Removes one series entirely (a `load` line replacing an earlier one). */
  deleteSeries(labels: Labels): void {
    const key = canonicalLabels(labels);
    const s = this.series.get(key);
    if (!s) return;
    this.series.delete(key);
    const list = this.byName.get(labels.__name__ ?? '')!;
    list.splice(list.indexOf(s), 1);
    this.sorted = null;
    this.sortedNames.clear();
  }

  querier(): Querier {
    return this;
  }

  private candidates(matchers: readonly LabelMatcher[]): StoredSeries[] {
    const eq = matchers.find((m) => m.name === '__name__' && m.type === '=');
    if (eq) {
      const list = this.byName.get(eq.value) ?? [];
      if (!this.sortedNames.has(eq.value)) {
        list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        this.sortedNames.add(eq.value);
      }
      return list;
    }
    if (!this.sorted) this.sorted = [...this.series.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.sorted;
  }

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const fns = matchers.map((m) => ({ name: m.name, test: matcherFn(m) }));
    const out: Series[] = [];
    for (const s of this.candidates(matchers)) {
      if (!fns.every((f) => f.test(s.labels[f.name] ?? ''))) continue;
      if (!s.frozen) {
        s.frozen = {
          ts: Float64Array.from(s.ts),
          vs: Float64Array.from(s.vs),
          stale: s.hasStale ? Uint8Array.from(s.stale) : null,
          hs: s.hs === null ? null : [...s.hs],
          sts: s.sts === null || s.sts.size === 0 ? null : Float64Array.from(s.ts, (t) => s.sts!.get(t) ?? 0),
        };
      }
      const f = s.frozen;
      const lo = upperBound(f.ts, hints.start - 1);
      const hi = upperBound(f.ts, hints.end);
      if (hints.labelsOnly) {
        out.push({ labels: s.labels, timestamps: [], values: [], stale: null });
        continue;
      }
      if (hi <= lo) continue;
      out.push({
        labels: s.labels,
        timestamps: f.ts.subarray(lo, hi),
        values: f.vs.subarray(lo, hi),
        stale: f.stale ? f.stale.subarray(lo, hi) : null,
        ...(f.hs === null ? {} : { histograms: f.hs.slice(lo, hi) }),
        ...(f.sts === null ? {} : { startTimestamps: f.sts.subarray(lo, hi) }),
      });
    }
    return { series: out, warnings: [] };
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    const set = await this.select(matchers, { start: -Infinity, end: Infinity, labelsOnly: true });
    const names = new Set<string>();
    for (const s of set.series) for (const k of Object.keys(s.labels)) names.add(k);
    return [...names].sort();
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    const set = await this.select(matchers, { start: -Infinity, end: Infinity, labelsOnly: true });
    const values = new Set<string>();
    for (const s of set.series) if (s.labels[name] !== undefined) values.add(s.labels[name]);
    return [...values].sort();
  }

  async close(): Promise<void> {}
}
