import type { Labels } from '../../../schemas/labels.js';
import type { Call } from '../parser/ast.js';
import type { EvalContext, SelectedSeries } from './eval-context.js';
import { checkCounterMetricName } from './functions/rate.js';
import type { Window } from './types.js';

/** A range function as series-major evaluation calls it, one window at a time. */
export interface SeriesWindowFunction {
  readonly min: number;
  readonly keepName: boolean;
  readonly counter: boolean;
  readonly f: (w: Window, start: number, end: number, resetFree?: boolean) => number;
}

const EMPTY = new Float64Array(0);
/**
 * A window's labels before its first series: an object of another hidden class than any label
 * set's, so that the field holds any object from the start and code storing into it is not
 * tied to one query's label objects.
 */
const NO_METRIC: Labels = Object.freeze({});

/** The window handed to a range function: one object per query, moved along each series. */
class SlidingWindow implements Window {
  metric: Labels = NO_METRIC;
  ts: ArrayLike<number> = EMPTY;
  vs: ArrayLike<number> = EMPTY;
  lo = 0;
  hi = 0;
  readonly dropName = false;
}

/**
 * `f(x[range])` series-major: for each series the window slides across all steps in one pass
 * (O(samples + steps)), instead of every step visiting every series. A class, its loops module
 * functions, like SelectorRows (row-source.ts): `fill` compiled once serves every query.
 */
export class WindowRows {
  readonly metrics: readonly Labels[];
  readonly dropName: readonly boolean[];
  readonly samples: Float64Array;
  private readonly w: SlidingWindow;
  /**
   * Each row's metric name, and the first step's time, read here rather than in `fill`: label
   * objects and the context have hidden classes made per query, and `fill` compiled against one
   * query's was deoptimized ("weak objects", "wrong map") and compiled again in every warm query.
   */
  private readonly names: (string | undefined)[];
  private readonly start: number;
  private readonly interval: number;
  private readonly checked = new Set<string | undefined>();
  /** checkCounterMetricName for this query: `fill` holds no field typed by the query's context. */
  private readonly checkName: (name: string | undefined) => void;
  /** rate or increase without `@`: the loop of fillExtrapolated. */
  private readonly extrapolated: boolean;
  private readonly isRate: boolean;

  constructor(
    call: Call,
    ctx: EvalContext,
    private readonly series: readonly SelectedSeries[],
    private readonly fn: SeriesWindowFunction,
    private readonly steps: number,
    private readonly at: number | null,
    private readonly offset: number,
    private readonly range: number,
  ) {
    this.metrics = series.map((s) => s.labels);
    this.dropName = series.map(() => !fn.keepName);
    this.names = series.map((s) => s.labels.__name__);
    this.start = ctx.start;
    this.interval = ctx.interval;
    this.checkName = (name) => checkCounterMetricName(name, call, ctx);
    this.samples = new Float64Array(steps);
    this.w = new SlidingWindow();
    this.isRate = call.func === 'rate';
    this.extrapolated = this.isRate || call.func === 'increase';
  }

  fill(r: number, values: Float64Array, present: Uint8Array): void {
    const s = this.series[r];
    const w = this.w;
    w.metric = s.labels;
    w.ts = s.rts;
    w.vs = s.rvs;
    const any = this.extrapolated && this.at === null
      ? fillExtrapolated(s.rts, s.rvs, this.start - this.offset, this.interval, this.range, this.steps, this.isRate, values, present, this.samples, w, this.fn.f)
      : fillWindows(s.rts, s.rvs, this.start, this.interval, this.at, this.offset, this.range, this.steps, this.extrapolated ? this.isRate : null, values, present, this.samples, w, this.fn);
    const name = this.names[r];
    if (any && this.fn.counter && !this.checked.has(name)) {
      this.checked.add(name);
      this.checkName(name);
    }
  }
}

/**
 * Any range function of one series at every step. `extrapolatedRate`: rate (true) or increase
 * (false) with `@`, whose windows without a counter reset are computed inline; null for other
 * functions. Returns whether any step has a value.
 */
function fillWindows(
  rts: ArrayLike<number>, rvs: ArrayLike<number>, start: number, interval: number, at: number | null, offset: number, range: number, steps: number,
  extrapolatedRate: boolean | null, values: Float64Array, present: Uint8Array, samples: Float64Array, w: SlidingWindow, fn: SeriesWindowFunction,
): boolean {
  const n = rts.length;
  // Index of the latest counter reset (rvs[j] < rvs[j - 1]) among the samples passed so far:
  // window [lo, hi) holds a reset iff that index is above lo. Found while the window's end
  // advances, so the samples are read once.
  const counter = fn.counter;
  let lastReset = 0;
  let lo = 0;
  let hi = 0;
  let any = false;
  for (let k = 0; k < steps; k++) {
    const ref = (at ?? start + k * interval) - offset;
    const mint = ref - range;
    while (lo < n && rts[lo] <= mint) lo++;
    if (hi < lo) hi = lo;
    if (counter) {
      while (hi < n && rts[hi] <= ref) {
        if (hi > 0 && rvs[hi] < rvs[hi - 1]) lastReset = hi;
        hi++;
      }
    } else {
      while (hi < n && rts[hi] <= ref) hi++;
    }
    // A window pinned by @ is selected once per query (cached), so counted once.
    if (at === null || k === 0) samples[k] += hi - lo;
    if (hi - lo < fn.min) {
      present[k] = 0;
      continue;
    }
    const resetFree = counter && lastReset <= lo;
    if (extrapolatedRate !== null && resetFree) {
      // rate/increase without a reset in the window, inline (the hot path of dashboards).
      values[k] = extrapolatedNoReset(rts, rvs, lo, hi, mint, ref, extrapolatedRate);
    } else {
      w.lo = lo;
      w.hi = hi;
      values[k] = fn.f(w, mint, ref, resetFree);
    }
    present[k] = 1;
    any = true;
  }
  return any;
}

/**
 * rate/increase of one series at every step (no `@`): the loop `fill` runs, with everything it
 * reads in locals and each sample's value loaded once, since this is most of a dashboard's
 * evaluation time. A window with a counter reset goes to `f` (extrapolatedRate) through `w`.
 * Returns whether any step has a value.
 */
function fillExtrapolated(
  rts: ArrayLike<number>, rvs: ArrayLike<number>, first: number, interval: number, range: number, steps: number, isRate: boolean,
  values: Float64Array, present: Uint8Array, samples: Float64Array, w: SlidingWindow, f: SeriesWindowFunction['f'],
): boolean {
  const n = rts.length;
  let lastReset = 0;
  let lo = 0;
  let hi = 0;
  // The value at hi - 1, so the reset check loads each value once.
  let prev = n > 0 ? rvs[0] : 0;
  let any = false;
  for (let k = 0; k < steps; k++) {
    const ref = first + k * interval;
    const mint = ref - range;
    while (lo < n && rts[lo] <= mint) lo++;
    if (hi < lo) {
      hi = lo;
      prev = rvs[lo - 1];
    }
    while (hi < n && rts[hi] <= ref) {
      const v = rvs[hi];
      if (hi > 0 && v < prev) lastReset = hi;
      prev = v;
      hi++;
    }
    samples[k] += hi - lo;
    if (hi - lo < 2) {
      present[k] = 0;
      continue;
    }
    if (lastReset <= lo) {
      values[k] = extrapolatedNoReset(rts, rvs, lo, hi, mint, ref, isRate);
    } else {
      w.lo = lo;
      w.hi = hi;
      values[k] = f(w, mint, ref, false);
    }
    present[k] = 1;
    any = true;
  }
  return any;
}

/** extrapolatedRate (functions/rate.ts) of a counter window without resets, same arithmetic. */
function extrapolatedNoReset(ts: ArrayLike<number>, vs: ArrayLike<number>, lo: number, hi: number, rangeStart: number, rangeEnd: number, isRate: boolean): number {
  const firstT = ts[lo];
  const lastT = ts[hi - 1];
  const first = vs[lo];
  const result = vs[hi - 1] - first;
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const avg = sampledInterval / (hi - lo - 1);
  const threshold = avg * 1.1;
  if (durationToStart >= threshold) durationToStart = avg / 2;
  if (result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = avg / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000;
  return result * factor;
}
