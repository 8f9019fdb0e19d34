/**
 * One rule's state over one input partition: what it remembers of each input series (its last
 * sample, for counters and ordering; its pending sample under deduplication) and the partial
 * accumulators of the windows still open. A partition's records are applied in log order, so
 * this state is a function of the partition's records up to an offset: what a checkpoint saves.
 */
import type { HistogramValue, Labels } from '../../schemas/index.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { CompiledRule } from './compiled-rule.js';
import { DOUBLE_FIELD as D } from './double-field.js';
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
}

export interface SeriesEntry {
  readonly outKey: string;
  readonly groupWindow: GroupWindow;
  readonly group: Labels;
  /** Newest timestamp seen (applied or pending); older samples are out of order. */
  seenTs: number;
  /** Last applied sample: the counter baseline while `hasLast`. */
  lastTs: number;
  lastV: number;
  hasLast: boolean;
  /** Window of the series' latest applied sample, and its increase and span there (for rates). */
  win: number;
  winInc: number;
  winFrom: number;
  winTo: number;
  winFolded: boolean;
  /** Deduplication: the newest sample of the current dedup interval, applied when the interval ends. */
  pendingBucket: number;
  pendingTs: number;
  pendingV: number;
  /** The pending sample when it is a native histogram. */
  pendingH: FloatHistogram | null;
  /** Last applied native histogram of a counter histogram series (histogram_bucket counts the observations since). */
  lastH: FloatHistogram | null;
  /** Set when the series was forgotten (stale): holders of this entry must look the series up again. */
  forgotten?: boolean;
  /** The accumulator of window `accWin` this series feeds (a cache: not checkpointed). */
  accRef?: WindowAccumulator;
  accWin?: number;
}

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

export class PartitionState {
  readonly series = new Map<string, SeriesEntry>();
  readonly windows = new Map<number, Map<string, WindowAccumulator>>();
  /** Output key -> its GroupWindow, for new entries of the group (pruned as windows close; see close). */
  private readonly groupWindows = new Map<string, GroupWindow>();

  constructor(private readonly rule: CompiledRule) {}

  entry(key: string, labels: Labels): SeriesEntry {
    let e = this.series.get(key);
    if (e === undefined) {
      const group = this.rule.group.groupOf(labels);
      const outKey = this.rule.group.keyOf(labels);
      let groupWindow = this.groupWindows.get(outKey);
      if (groupWindow === undefined) this.groupWindows.set(outKey, (groupWindow = { win: Number.NEGATIVE_INFINITY, acc: undefined }));
      e = {
        outKey, groupWindow, group, seenTs: D, lastTs: D, lastV: D, hasLast: false,
        win: D, winInc: D, winFrom: D, winTo: D, winFolded: true, pendingBucket: D, pendingTs: D, pendingV: D, pendingH: null, lastH: null,
        // Every field set from the start: one object shape for all entries keeps the per-sample path monomorphic.
        forgotten: false, accRef: undefined, accWin: D,
      };
      e.seenTs = e.lastTs = Number.NEGATIVE_INFINITY;
      e.lastV = e.win = e.winInc = e.winFrom = e.winTo = e.pendingBucket = e.pendingTs = e.pendingV = e.accWin = 0;
      this.series.set(key, e);
    }
    return e;
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
      if (t <= e.seenTs) {
        counts.outOfOrder++;
        continue;
      }
      const w = Math.ceil(t / I) * I;
      if (w <= closedThrough) {
        counts.late++;
        onLate?.(t, vs[j]!);
        continue;
      }
      e.seenTs = t;
      applied++;
      const v = vs[j]!;
      if (d > 0) {
        const bucket = Math.ceil(t / d) * d;
        if (e.pendingBucket !== 0 && e.pendingBucket !== bucket) this.apply(e, e.pendingTs, e.pendingV);
        e.pendingBucket = bucket;
        e.pendingTs = t;
        e.pendingV = v;
        e.pendingH = null;
        continue;
      }
      // apply() and addSample() written out: see above.
      const opens = e.win !== w;
      if (opens) this.foldRate(e);
      const a = e.accWin === w && e.accRef !== undefined ? e.accRef : this.acc(w, e);
      if (opens) {
        e.win = w;
        e.winFolded = false;
        e.winInc = 0;
        e.winFrom = e.hasLast ? e.lastTs : t;
        a.series++;
      }
      e.winTo = t;
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
        if (e.hasLast) {
          const inc = v >= e.lastV ? v - e.lastV : v;
          a.inc += inc;
          e.winInc += inc;
        }
        a.alive = true;
      }
      e.lastTs = t;
      e.lastV = v;
      e.hasLast = true;
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
    for (let j = 0; j < ts.length; j++) {
      const t = ts[j]!;
      if (t <= e.seenTs) {
        counts.outOfOrder++;
        continue;
      }
      if (Math.ceil(t / I) * I <= closedThrough) {
        counts.late++;
        onLate?.(t, 0, hs[j]);
        continue;
      }
      e.seenTs = t;
      counts.applied++;
      const raw = hs[j]!;
      const h = raw instanceof FloatHistogram ? raw : raw.toFloat();
      if (d > 0) {
        const bucket = Math.ceil(t / d) * d;
        if (e.pendingBucket !== 0 && e.pendingBucket !== bucket) this.flushPending(e);
        e.pendingBucket = bucket;
        e.pendingTs = t;
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
    const opens = e.win !== w;
    if (opens) this.foldRate(e);
    const a = this.acc(w, e);
    if (opens) {
      e.win = w;
      // Rates are of float counters: nothing of a histogram to fold into rate_sum or rate_avg.
      e.winFolded = true;
      e.winInc = 0;
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
    if (ts <= e.seenTs) return;
    this.flushPending(e);
    e.seenTs = ts;
    e.hasLast = false;
    e.lastH = null;
  }

  private flushPending(e: SeriesEntry): void {
    if (e.pendingBucket === 0) return;
    const h = e.pendingH;
    if (h !== null) {
      e.pendingH = null;
      this.applyHistogram(e, e.pendingTs, h);
    } else {
      this.apply(e, e.pendingTs, e.pendingV);
    }
    e.pendingBucket = 0;
  }

  private acc(w: number, e: SeriesEntry): WindowAccumulator {
    if (e.accWin === w && e.accRef !== undefined) return e.accRef;
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
    e.accWin = w;
    return a;
  }

  private apply(e: SeriesEntry, ts: number, v: number): void {
    const I = this.rule.intervalMs;
    const w = Math.ceil(ts / I) * I;
    const opens = e.win !== w;
    // Folded before acc() moves the series' cached accumulator on to window w.
    if (opens) this.foldRate(e);
    const a = this.acc(w, e);
    if (opens) {
      e.win = w;
      e.winFolded = false;
      e.winInc = 0;
      e.winFrom = e.hasLast ? e.lastTs : ts;
      a.series++;
    }
    e.winTo = ts;
    addSample(a, ts, v, this.rule.needs.moments);
    if (this.rule.counter) {
      if (e.hasLast) {
        const inc = v >= e.lastV ? v - e.lastV : v;
        a.inc += inc;
        e.winInc += inc;
      }
      a.alive = true;
    }
    e.lastTs = ts;
    e.lastV = v;
    e.hasLast = true;
  }

  /** The series' average rate over its latest window goes into that window (once). */
  private foldRate(e: SeriesEntry): void {
    if (e.winFolded) return;
    e.winFolded = true;
    // The cached accumulator when it is this window's (a closed window's is never folded into again: closing folds first).
    const a = e.accWin === e.win && e.accRef !== undefined ? e.accRef : this.windows.get(e.win)?.get(e.outKey);
    if (a !== undefined && e.winTo > e.winFrom) {
      a.rateSum += e.winInc / ((e.winTo - e.winFrom) / 1000);
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
    // forEach: no [key, entry] pair allocated per series (every series is visited at every close).
    this.series.forEach((e, key) => {
      if (e.pendingBucket !== 0 && e.pendingBucket <= w) this.flushPending(e);
      if (e.win === w) this.foldRate(e);
      if (e.seenTs < staleBefore && e.pendingBucket === 0) {
        this.series.delete(key);
        e.forgotten = true;
        return;
      }
      if (this.rule.counter && e.hasLast && e.win < w) this.acc(w, e).alive = true;
    });
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
        if (e.pendingBucket === 0) continue;
        const w = Math.ceil(e.pendingTs / I) * I;
        if (min === undefined || w < min) min = w;
      }
    }
    return min;
  }
}
