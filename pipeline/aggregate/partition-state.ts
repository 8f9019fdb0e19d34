/**
 * One rule's state over one input partition: what it remembers of each input series (its last
 * sample, for counters and ordering; its pending sample under deduplication) and the partial
 * accumulators of the windows still open. A partition's records are applied in log order, so
 * this state is a function of the partition's records up to an offset: what a checkpoint saves.
 */
import type { HistogramValue, Labels } from '../../schemas/index.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { CompiledRule } from './compiled-rule.js';
import { addBucket, addHistogramBuckets, addSample, newAccumulator, type WindowAccumulator } from './window-accumulator.js';

/**
 * The newest window accumulator of one output group, shared by the group's input series: the
 * first series to open a window finds it in `windows`, the others take it from here instead of
 * hashing the group's key again (that lookup, once per series and window, was about a fifth of
 * the aggregator's own time in a profile of the aggregation bench).
 */
export interface GroupWindow {
  win: number;
  acc: WindowAccumulator | undefined;
  /** The group's labels, one object for all its input series. */
  readonly group: Labels;
}

/**
 * A series' numbers live in its PartitionState's columns (`SeriesColumns`), at `row`; the entry
 * keeps what is not a number. As object fields, each number was a heap box of its own (V8 keeps
 * a double field boxed): a dozen per series and rule, which the garbage collector traced again
 * and again.
 */
export interface SeriesEntry {
  /** The series' key in its PartitionState (its canonical labels). */
  readonly key: string;
  readonly outKey: string;
  readonly groupWindow: GroupWindow;
  readonly group: Labels;
  /** Row of the series' numbers in the partition state's columns. */
  readonly row: number;
  /** The pending sample when it is a native histogram. */
  pendingH: FloatHistogram | null;
  /** Last applied native histogram of a counter histogram series (histogram_bucket counts the observations since). */
  lastH: FloatHistogram | null;
  /** Set when the series was forgotten (stale): holders of this entry must look the series up again. */
  forgotten: boolean;
  /** The accumulator of window ACC_WIN this series feeds (a cache: not checkpointed). */
  accRef: WindowAccumulator | undefined;
}

/*
 * A series' numbers, at offset row * STRIDE: the first twelve in the order a checkpoint writes them.
 * SEEN_TS: newest timestamp seen (applied or pending); older samples are out of order.
 * LAST_TS, LAST_V, HAS_LAST (0/1): last applied sample, the counter baseline while HAS_LAST.
 * WIN, WIN_INC, WIN_FROM, WIN_TO, WIN_FOLDED (0/1): window of the series' latest applied sample,
 * its increase and span there (for rates), and whether its rate went into the window.
 * PENDING_BUCKET, PENDING_TS, PENDING_V: deduplication, the newest sample of the current dedup
 * interval (applied when the interval ends; bucket 0 when none).
 * ACC_WIN: the window of the entry's cached accumulator (`accRef`).
 */
const SEEN_TS = 0;
const LAST_TS = 1;
const LAST_V = 2;
const HAS_LAST = 3;
const WIN = 4;
const WIN_INC = 5;
const WIN_FROM = 6;
const WIN_TO = 7;
const WIN_FOLDED = 8;
const PENDING_BUCKET = 9;
const PENDING_TS = 10;
const PENDING_V = 11;
const ACC_WIN = 12;
const STRIDE = 13;
/** How many of a row's numbers a checkpoint keeps (ACC_WIN is a cache). */
export const SERIES_NUMBERS = 12;

/**
 * Where a rule's closed-through point is read (its RuleState). Passed as an object: a
 * timestamp is no small integer, and a number argument to a call that is not inlined is boxed,
 * one heap number per series and record.
 */
export interface ClosedThrough {
  readonly closedThrough: number;
}

export type SampleOutcome = 'applied' | 'out_of_order' | 'late';

export interface SampleCounts {
  applied: number;
  late: number;
  outOfOrder: number;
}

const NO_STALE: readonly number[] = [];

/**
 * Input series forgotten so far by every PartitionState of this process. A record layout
 * position (record-hints.ts) resolved when this count was the same holds no forgotten entry, and
 * is reused without visiting its entries (each one a load from elsewhere in the heap, per series
 * and record: a sixth of the aggregator's per-sample time in a profile of the aggregation bench).
 */
let forgottenSeries = 0;

export function seriesForgotten(): number {
  return forgottenSeries;
}

export class PartitionState {
  readonly series = new Map<string, SeriesEntry>();
  /** The entries of `series` in its order, visited by close (an array walk, not the map's). */
  private order: SeriesEntry[] = [];
  /** The series' numbers, STRIDE per row; rows of forgotten series are reused. */
  private cols = new Float64Array(STRIDE * 64);
  private rows = 0;
  private readonly freeRows: number[] = [];
  readonly windows = new Map<number, Map<string, WindowAccumulator>>();
  /** Output key -> its GroupWindow, for new entries of the group (pruned as windows close; see close). */
  private readonly groupWindows = new Map<string, GroupWindow>();

  constructor(private readonly rule: CompiledRule) {}

  entry(key: string, labels: Labels): SeriesEntry {
    let e = this.series.get(key);
    if (e === undefined) {
      const fresh = this.rule.group.groupOf(labels);
      const outKey = this.rule.group.keyOfGroup(fresh);
      let groupWindow = this.groupWindows.get(outKey);
      if (groupWindow === undefined) this.groupWindows.set(outKey, (groupWindow = { win: Number.NEGATIVE_INFINITY, acc: undefined, group: fresh }));
      const group = groupWindow.group;
      const row = this.newRow();
      // Every field set from the start: one object shape for all entries keeps the per-sample path monomorphic.
      e = { key, outKey, groupWindow, group, row, pendingH: null, lastH: null, forgotten: false, accRef: undefined };
      this.series.set(key, e);
      this.order.push(e);
    }
    return e;
  }

  private newRow(): number {
    let row = this.freeRows.pop();
    if (row === undefined) {
      row = this.rows++;
      if (this.rows * STRIDE > this.cols.length) {
        const grown = new Float64Array(this.cols.length * 2);
        grown.set(this.cols);
        this.cols = grown;
      }
    }
    const o = row * STRIDE;
    this.cols.fill(0, o, o + STRIDE);
    this.cols[o + SEEN_TS] = this.cols[o + LAST_TS] = Number.NEGATIVE_INFINITY;
    this.cols[o + WIN_FOLDED] = 1;
    return row;
  }

  /** The series' numbers a checkpoint keeps (SERIES_NUMBERS of them, in the order of the columns above). */
  numbersOf(e: SeriesEntry): number[] {
    const o = e.row * STRIDE;
    const c = this.cols;
    // Written out: Array.from over a subarray (an iterator) made this most of a checkpoint's time.
    return [c[o]!, c[o + 1]!, c[o + 2]!, c[o + 3]!, c[o + 4]!, c[o + 5]!, c[o + 6]!, c[o + 7]!, c[o + 8]!, c[o + 9]!, c[o + 10]!, c[o + 11]!];
  }

  /** Restores the numbers `numbersOf` gave (from a checkpoint). */
  restoreNumbers(e: SeriesEntry, numbers: readonly number[]): void {
    const o = e.row * STRIDE;
    for (let i = 0; i < SERIES_NUMBERS; i++) this.cols[o + i] = numbers[i]!;
    this.cols[o + ACC_WIN] = 0;
    e.accRef = undefined;
  }

  /** Newest timestamp the series has seen (applied or pending). */
  seenTs(e: SeriesEntry): number {
    return this.cols[e.row * STRIDE + SEEN_TS]!;
  }

  /** One sample of a series; `closedThrough` is the end of the newest closed window. */
  sample(e: SeriesEntry, ts: number, v: number, closedThrough: number): SampleOutcome {
    const c: SampleCounts = { applied: 0, late: 0, outOfOrder: 0 };
    this.applySeries(e, [ts], [v], NO_STALE, { closedThrough }, c);
    return c.applied > 0 ? 'applied' : c.late > 0 ? 'late' : 'out_of_order';
  }

  /**
   * A series' samples of one record (`stale` lists the positions that are staleness markers),
   * counted into `counts`; `onLate` hears each late sample. One call per series and record, not
   * per sample: timestamps and values stay unboxed numbers in this loop, where a call per sample
   * allocated a heap number for each argument (most of the aggregator's garbage).
   */
  applySeries(e: SeriesEntry, ts: readonly number[], vs: readonly number[], stale: readonly number[], closed: ClosedThrough, counts: SampleCounts, onLate?: (t: number, v: number) => void): void {
    const closedThrough = closed.closedThrough;
    const I = this.rule.intervalMs;
    const d = this.rule.dedupMs;
    const counter = this.rule.counter;
    const moments = this.rule.needs.moments;
    const n = ts.length;
    // No row is added while a series' samples are applied: the columns stay where they are.
    const c = this.cols;
    const o = e.row * STRIDE;
    let si = 0;
    let nextStale = stale.length > 0 ? stale[0]! : -1;
    let applied = 0;
    for (let j = 0; j < n; j++) {
      const t = ts[j]!;
      if (j === nextStale) {
        nextStale = ++si < stale.length ? stale[si]! : -1;
        this.stale(e, t);
        continue;
      }
      if (t <= c[o + SEEN_TS]!) {
        counts.outOfOrder++;
        continue;
      }
      const w = Math.ceil(t / I) * I;
      if (w <= closedThrough) {
        counts.late++;
        onLate?.(t, vs[j]!);
        continue;
      }
      c[o + SEEN_TS] = t;
      applied++;
      const v = vs[j]!;
      if (d > 0) {
        const bucket = Math.ceil(t / d) * d;
        const pending = c[o + PENDING_BUCKET]!;
        if (pending !== 0 && pending !== bucket) this.apply(e, c[o + PENDING_TS]!, c[o + PENDING_V]!);
        c[o + PENDING_BUCKET] = bucket;
        c[o + PENDING_TS] = t;
        c[o + PENDING_V] = v;
        e.pendingH = null;
        continue;
      }
      // apply() and addSample() written out: see above.
      const opens = c[o + WIN] !== w;
      if (opens) this.foldRate(e);
      const a = c[o + ACC_WIN] === w && e.accRef !== undefined ? e.accRef : this.acc(w, e);
      if (opens) {
        c[o + WIN] = w;
        c[o + WIN_FOLDED] = 0;
        c[o + WIN_INC] = 0;
        c[o + WIN_FROM] = c[o + HAS_LAST] === 1 ? c[o + LAST_TS]! : t;
        a.series++;
      }
      c[o + WIN_TO] = t;
      const k = ++a.samples;
      a.sum += v;
      if (v < a.min) a.min = v;
      if (v > a.max) a.max = v;
      if (t >= a.lastTs) { a.lastTs = t; a.lastV = v; a.lastH = null; }
      if (moments) {
        const dm = v - a.mean;
        a.mean += dm / k;
        a.m2 += dm * (v - a.mean);
      }
      if (a.values !== null) a.values.push(v);
      if (a.buckets !== null) addBucket(a, v);
      if (counter) {
        if (c[o + HAS_LAST] === 1) {
          const last = c[o + LAST_V]!;
          const inc = v >= last ? v - last : v;
          a.inc += inc;
          c[o + WIN_INC] += inc;
        }
        a.alive = true;
      }
      c[o + LAST_TS] = t;
      c[o + LAST_V] = v;
      c[o + HAS_LAST] = 1;
    }
    counts.applied += applied;
  }

  /**
   * A series' native-histogram samples of one record, as `applySeries` applies float samples:
   * the same ordering, lateness and deduplication. `onLate` hears each late sample.
   */
  applyHistograms(e: SeriesEntry, ts: readonly number[], hs: readonly HistogramValue[], closedThrough: number, counts: SampleCounts, onLate?: (t: number, v: number, h?: HistogramValue) => void): void {
    const I = this.rule.intervalMs;
    const d = this.rule.dedupMs;
    const c = this.cols;
    const o = e.row * STRIDE;
    for (let j = 0; j < ts.length; j++) {
      const t = ts[j]!;
      if (t <= c[o + SEEN_TS]!) {
        counts.outOfOrder++;
        continue;
      }
      if (Math.ceil(t / I) * I <= closedThrough) {
        counts.late++;
        onLate?.(t, 0, hs[j]);
        continue;
      }
      c[o + SEEN_TS] = t;
      counts.applied++;
      const raw = hs[j]!;
      const h = raw instanceof FloatHistogram ? raw : raw.toFloat();
      if (d > 0) {
        const bucket = Math.ceil(t / d) * d;
        const pending = c[o + PENDING_BUCKET]!;
        if (pending !== 0 && pending !== bucket) this.flushPending(e);
        c[o + PENDING_BUCKET] = bucket;
        c[o + PENDING_TS] = t;
        e.pendingH = h;
        continue;
      }
      this.applyHistogram(e, t, h);
    }
  }

  /**
   * A series with float and histogram samples in one record: applied in timestamp order, runs of
   * each kind at a time (a series changing type is rare; most records carry one kind).
   */
  applyMixed(e: SeriesEntry, ts: readonly number[], vs: readonly number[], stale: readonly number[], hts: readonly number[], hs: readonly HistogramValue[], closedThrough: number, counts: SampleCounts, onLate?: (t: number, v: number, h?: HistogramValue) => void): void {
    let i = 0;
    let j = 0;
    while (i < ts.length || j < hts.length) {
      if (j >= hts.length || (i < ts.length && ts[i]! <= hts[j]!)) {
        let k = i;
        while (k < ts.length && (j >= hts.length || ts[k]! <= hts[j]!)) k++;
        const runStale = stale.filter((s) => s >= i && s < k).map((s) => s - i);
        this.applySeries(e, ts.slice(i, k), vs.slice(i, k), runStale, { closedThrough }, counts, onLate);
        i = k;
      } else {
        let k = j;
        while (k < hts.length && (i >= ts.length || hts[k]! < ts[i]!)) k++;
        this.applyHistograms(e, hts.slice(j, k), hs.slice(j, k), closedThrough, counts, onLate);
        j = k;
      }
    }
  }

  /** One native-histogram sample: counted, kept as the window's latest, and its observations bucketed. */
  private applyHistogram(e: SeriesEntry, ts: number, h: FloatHistogram): void {
    const I = this.rule.intervalMs;
    const w = Math.ceil(ts / I) * I;
    const c = this.cols;
    const o = e.row * STRIDE;
    const opens = c[o + WIN] !== w;
    if (opens) this.foldRate(e);
    const a = this.acc(w, e);
    if (opens) {
      c[o + WIN] = w;
      // Rates are of float counters: nothing of a histogram to fold into rate_sum or rate_avg.
      c[o + WIN_FOLDED] = 1;
      c[o + WIN_INC] = 0;
      a.series++;
    }
    a.hSamples++;
    if (ts >= a.lastTs) { a.lastTs = ts; a.lastH = h; }
    if (!this.rule.needs.buckets || h.counterResetHint === 'gauge') {
      e.lastH = null;
      return;
    }
    // The observations since the series' previous histogram, or since its reset: what a
    // histogram counter's increase() counts. A series' first histogram has no predecessor.
    const prev = e.lastH;
    e.lastH = h;
    if (prev === null) return;
    const reset = h.usesCustomBuckets() !== prev.usesCustomBuckets() || h.detectReset(prev);
    let observed = h;
    if (!reset) {
      observed = h.copy();
      observed.sub(prev);
    }
    addHistogramBuckets(a, observed);
  }

  /** A staleness marker: the series ended; its next sample starts a new counter. */
  stale(e: SeriesEntry, ts: number): void {
    const o = e.row * STRIDE;
    if (ts <= this.cols[o + SEEN_TS]!) return;
    this.flushPending(e);
    this.cols[o + SEEN_TS] = ts;
    this.cols[o + HAS_LAST] = 0;
    e.lastH = null;
  }

  private flushPending(e: SeriesEntry): void {
    const o = e.row * STRIDE;
    if (this.cols[o + PENDING_BUCKET] === 0) return;
    const h = e.pendingH;
    if (h !== null) {
      e.pendingH = null;
      this.applyHistogram(e, this.cols[o + PENDING_TS]!, h);
    } else {
      this.apply(e, this.cols[o + PENDING_TS]!, this.cols[o + PENDING_V]!);
    }
    this.cols[o + PENDING_BUCKET] = 0;
  }

  private acc(w: number, e: SeriesEntry): WindowAccumulator {
    const accWin = e.row * STRIDE + ACC_WIN;
    if (this.cols[accWin] === w && e.accRef !== undefined) return e.accRef;
    const g = e.groupWindow;
    let a = g.win === w ? g.acc : undefined;
    if (a === undefined) {
      let m = this.windows.get(w);
      if (m === undefined) this.windows.set(w, (m = new Map()));
      a = m.get(e.outKey);
      if (a === undefined) m.set(e.outKey, (a = newAccumulator(e.group, this.rule.needs)));
      if (w >= g.win) {
        g.win = w;
        g.acc = a;
      }
    }
    e.accRef = a;
    this.cols[accWin] = w;
    return a;
  }

  private apply(e: SeriesEntry, ts: number, v: number): void {
    const I = this.rule.intervalMs;
    const w = Math.ceil(ts / I) * I;
    const c = this.cols;
    const o = e.row * STRIDE;
    const opens = c[o + WIN] !== w;
    // Folded before acc() moves the series' cached accumulator on to window w.
    if (opens) this.foldRate(e);
    const a = this.acc(w, e);
    if (opens) {
      c[o + WIN] = w;
      c[o + WIN_FOLDED] = 0;
      c[o + WIN_INC] = 0;
      c[o + WIN_FROM] = c[o + HAS_LAST] === 1 ? c[o + LAST_TS]! : ts;
      a.series++;
    }
    c[o + WIN_TO] = ts;
    addSample(a, ts, v, this.rule.needs.moments);
    if (this.rule.counter) {
      if (c[o + HAS_LAST] === 1) {
        const last = c[o + LAST_V]!;
        const inc = v >= last ? v - last : v;
        a.inc += inc;
        c[o + WIN_INC] += inc;
      }
      a.alive = true;
    }
    c[o + LAST_TS] = ts;
    c[o + LAST_V] = v;
    c[o + HAS_LAST] = 1;
  }

  /** The series' average rate over its latest window goes into that window (once). */
  private foldRate(e: SeriesEntry): void {
    const c = this.cols;
    const o = e.row * STRIDE;
    if (c[o + WIN_FOLDED] === 1) return;
    c[o + WIN_FOLDED] = 1;
    const win = c[o + WIN]!;
    // The cached accumulator when it is this window's (a closed window's is never folded into again: closing folds first).
    const a = c[o + ACC_WIN] === win && e.accRef !== undefined ? e.accRef : this.windows.get(win)?.get(e.outKey);
    const from = c[o + WIN_FROM]!;
    const to = c[o + WIN_TO]!;
    if (a !== undefined && to > from) {
      a.rateSum += c[o + WIN_INC]! / ((to - from) / 1000);
      a.rateN++;
    }
  }

  /**
   * Closes window `w` (every earlier one is closed): pending deduplicated samples up to it are
   * applied, rates folded, live counters keep their output alive, stale series are forgotten.
   * Returns the window's accumulators.
   */
  close(w: number): Map<string, WindowAccumulator> | undefined {
    const staleBefore = w - this.rule.stalenessMs;
    const counter = this.rule.counter;
    // Every series is visited at every close: an array walk in the map's order (the order the
    // series' rates are summed in), kept compact as series are forgotten.
    const order = this.order;
    let kept = 0;
    for (let i = 0; i < order.length; i++) {
      const e = order[i]!;
      // Read through this.cols each time: flushing applies samples (no row is added meanwhile, but keep it plain).
      const o = e.row * STRIDE;
      const pending = this.cols[o + PENDING_BUCKET]!;
      if (pending !== 0 && pending <= w) this.flushPending(e);
      if (this.cols[o + WIN] === w) this.foldRate(e);
      if (this.cols[o + SEEN_TS]! < staleBefore && this.cols[o + PENDING_BUCKET] === 0) {
        this.series.delete(e.key);
        e.forgotten = true;
        e.accRef = undefined;
        this.freeRows.push(e.row);
        forgottenSeries++;
        continue;
      }
      if (counter && this.cols[o + HAS_LAST] === 1 && this.cols[o + WIN]! < w) this.acc(w, e).alive = true;
      order[kept++] = e;
    }
    order.length = kept;
    const m = this.windows.get(w);
    this.windows.delete(w);
    // Groups not past this window start again from a fresh GroupWindow for their new entries (the
    // map stays bounded under series churn); entries holding the old one find the same accumulators.
    for (const [k, g] of this.groupWindows) if (g.win <= w) this.groupWindows.delete(k);
    return m;
  }

  /** The oldest open window, or undefined. */
  oldestWindow(): number | undefined {
    let min: number | undefined;
    for (const w of this.windows.keys()) if (min === undefined || w < min) min = w;
    if (this.rule.dedupMs > 0) {
      // A pending deduplicated sample opens its window when it is applied.
      const I = this.rule.intervalMs;
      for (const e of this.series.values()) {
        const o = e.row * STRIDE;
        if (this.cols[o + PENDING_BUCKET] === 0) continue;
        const w = Math.ceil(this.cols[o + PENDING_TS]! / I) * I;
        if (min === undefined || w < min) min = w;
      }
    }
    return min;
  }
}
