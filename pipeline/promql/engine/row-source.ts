import type { Labels } from '../../../schemas/labels.js';
import type { Call, Expr, MatrixSelector, VectorSelector } from '../parser/ast.js';
import { atTime, durationMs } from './durations.js';
import type { EvalContext, SelectedSeries } from './eval-context.js';
import { lookbackSpan, presentSteps } from './lookback-presence.js';
import type { RowMatrix } from './row-matrix.js';
import { changes, OVER_TIME_WINDOW_FUNCTIONS, resets } from './functions/over-time.js';
import { checkCounterName, WINDOW_FUNCTIONS } from './functions/rate.js';
import type { Window } from './types.js';

/**
 * The rows (series) of an instant-vector node over every step of a range query, produced one row
 * at a time: `fill(r, ...)` writes row r's value and presence at each step into the caller's
 * buffers. Rows come in the order step-by-step evaluation lists them (selection order).
 */
export interface RowSource {
  readonly metrics: readonly Labels[];
  readonly dropName: readonly boolean[];
  /** Per step, the samples step-by-step evaluation would count; complete once every row is filled. */
  readonly samples: Float64Array;
  fill(r: number, values: Float64Array, present: Uint8Array): void;
  /** What `fill` writes to `present` (and counts), without the values, where that reads less. */
  fillPresent?(r: number, present: Uint8Array): void;
  /**
   * When row r is present at one run of steps, found without stepping through them: sets `span`
   * to [first step, past the last), counts the row's samples as `fill` would, and returns true;
   * false (nothing counted) when the caller has to fill the row.
   */
  presentSpan?(r: number, span: Int32Array): boolean;
}

interface SeriesWindowFunction {
  readonly min: number;
  readonly keepName: boolean;
  readonly counter: boolean;
  readonly f: (w: Window, start: number, end: number, resetFree?: boolean) => number;
}

const SERIES_WINDOW_FUNCTIONS: Record<string, SeriesWindowFunction> = {
  ...Object.fromEntries(Object.entries(WINDOW_FUNCTIONS).map(([n, w]) => [n, { ...w, keepName: false }])),
  ...Object.fromEntries(Object.entries(OVER_TIME_WINDOW_FUNCTIONS).map(([n, w]) => [n, { min: 1, keepName: w.keepName, counter: false, f: w.f }])),
  changes: { min: 1, keepName: false, counter: false, f: changes },
  resets: { min: 1, keepName: false, counter: false, f: resets },
};

/** Evaluation time of step k. */
function stepTime(ctx: EvalContext, k: number): number {
  return ctx.start + k * ctx.interval;
}

function unwrap(e: Expr): Expr {
  while (e.type === 'paren') e = e.expr;
  return e;
}

/**
 * A row source for `e` when it is a plain selector or a range function of a plain range; else
 * null. Rows computed ahead for `e` (ctx.rowMatrices) are read from there.
 */
export function rowSource(e: Expr, ctx: EvalContext): RowSource | null {
  const u = unwrap(e);
  const ahead = ctx.rowMatrices?.get(u);
  if (ahead !== undefined) return rowMatrixSource(ahead, ctx);
  if (u.type === 'vector_selector') return u.smoothed ? null : selectorRows(u, ctx);
  if (u.type === 'call') return windowRows(u, ctx);
  return null;
}

/** The selector whose series are the rows of `e`, when rowSource gives a source for `e` (rows computed ahead aside); else null. */
export function rowSelector(e: Expr): VectorSelector | null {
  const u = unwrap(e);
  if (u.type === 'vector_selector') return u.smoothed ? null : u;
  if (u.type !== 'call' || SERIES_WINDOW_FUNCTIONS[u.func] === undefined || u.args.length !== 1) return null;
  const arg = u.args[0];
  return arg.type === 'matrix_selector' && arg.modifier === null ? arg.vector : null;
}

/**
 * `f(x[range])` series-major: for each series the window slides across all steps in one pass
 * (O(samples + steps)), instead of every step visiting every series.
 */
export function windowRows(call: Call, ctx: EvalContext): RowSource | null {
  const vs = rowSelector(call);
  if (vs === null) return null;
  const fn = SERIES_WINDOW_FUNCTIONS[call.func];
  const arg = call.args[0] as MatrixSelector;
  const series = ctx.selections.get(vs) ?? [];
  const steps = ctx.steps;
  const at = atTime(vs.at, ctx);
  const offset = durationMs(vs.offset, ctx);
  const range = durationMs(arg.range, ctx);
  const samples = new Float64Array(steps);
  const metrics = series.map((s) => s.labels);
  const dropName = series.map(() => !fn.keepName);
  const w = { metric: metrics[0], ts: [] as ArrayLike<number>, vs: [] as ArrayLike<number>, lo: 0, hi: 0, dropName: false };
  const checked = new Set<string | undefined>();
  const extrapolated = call.func === 'rate' || call.func === 'increase' ? call.func : null;
  return {
    metrics,
    dropName,
    samples,
    fill(r, values, present) {
      const s = series[r];
      const rts = s.rts;
      const rvs = s.rvs;
      const n = rts.length;
      w.metric = s.labels;
      w.ts = rts;
      w.vs = rvs;
      if (extrapolated !== null && at === null) {
        const any = fillExtrapolated(rts, rvs, ctx.start - offset, ctx.interval, range, steps, extrapolated === 'rate', values, present, samples, w, fn.f);
        if (any && !checked.has(s.labels.__name__)) {
          checked.add(s.labels.__name__);
          checkCounterName(w, call, ctx);
        }
        return;
      }
      // Index of the latest counter reset (rvs[j] < rvs[j - 1]) among the samples passed so far:
      // window [lo, hi) holds a reset iff that index is above lo. Found while the window's end
      // advances, so the samples are read once.
      const counter = fn.counter;
      let lastReset = 0;
      let lo = 0;
      let hi = 0;
      let any = false;
      for (let k = 0; k < steps; k++) {
        const ref = (at ?? stepTime(ctx, k)) - offset;
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
        if (extrapolated !== null && resetFree) {
          // rate/increase without a reset in the window, inline (the hot path of dashboards).
          values[k] = extrapolatedNoReset(rts, rvs, lo, hi, mint, ref, extrapolated === 'rate');
        } else {
          w.lo = lo;
          w.hi = hi;
          values[k] = fn.f(w, mint, ref, resetFree);
        }
        present[k] = 1;
        any = true;
      }
      if (any && fn.counter && !checked.has(s.labels.__name__)) {
        checked.add(s.labels.__name__);
        checkCounterName(w, call, ctx);
      }
    },
  };
}

/**
 * rate/increase of one series at every step (no `@`): the loop `fill` runs, with everything it
 * reads in locals and each sample's value loaded once, since this is most of a dashboard's
 * evaluation time. A window with a counter reset goes to `f` (extrapolatedRate) through `w`.
 * Returns whether any step has a value.
 */
function fillExtrapolated(
  rts: ArrayLike<number>, rvs: ArrayLike<number>, first: number, interval: number, range: number, steps: number, isRate: boolean,
  values: Float64Array, present: Uint8Array, samples: Float64Array, w: { -readonly [K in keyof Window]: Window[K] }, f: SeriesWindowFunction['f'],
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

/** Rows computed ahead: each fill copies a row; their annotations are added as computing them would add them. */
function rowMatrixSource(m: RowMatrix, ctx: EvalContext): RowSource {
  for (const w of m.warnings) ctx.warnings.add(w);
  for (const i of m.infos) ctx.infos.add(i);
  const steps = ctx.steps;
  return {
    metrics: m.metrics,
    dropName: m.dropName,
    samples: m.samples,
    fill(r, values, present) {
      values.set(m.values.subarray(r * steps, (r + 1) * steps));
      present.set(m.present.subarray(r * steps, (r + 1) * steps));
    },
  };
}

/**
 * An instant selector series-major: the latest sample within the lookback delta, per step. A
 * class, its loop a module function: made as closures per query, `fill` was compiled again for
 * each query, and callers compiled for one query's closure deoptimized on the next one's.
 */
export function selectorRows(vs: VectorSelector, ctx: EvalContext): RowSource {
  return new SelectorRows(ctx.selections.get(vs) ?? [], ctx.steps, ctx.start, ctx.interval, atTime(vs.at, ctx), durationMs(vs.offset, ctx), ctx.lookback);
}

class SelectorRows implements RowSource {
  readonly metrics: readonly Labels[];
  readonly dropName: readonly boolean[];
  readonly samples: Float64Array;
  private readonly span = new Int32Array(2);

  constructor(
    private readonly series: readonly SelectedSeries[],
    private readonly steps: number,
    private readonly start: number,
    private readonly interval: number,
    private readonly at: number | null,
    private readonly offset: number,
    private readonly lookback: number,
  ) {
    this.metrics = series.map((s) => s.labels);
    this.dropName = series.map(() => false);
    this.samples = new Float64Array(steps);
  }

  fill(r: number, values: Float64Array, present: Uint8Array): void {
    latestSamples(this.series[r], this.steps, this.start, this.interval, this.at, this.offset, this.lookback, values, present, this.samples);
  }

  /** Presence only (count and group need no values): from the series' run of steps where its gaps allow. */
  fillPresent(r: number, present: Uint8Array): void {
    const span = this.span;
    if (this.presentSpan(r, span)) {
      present.fill(0, 0, span[0]);
      present.fill(1, span[0], span[1]);
      present.fill(0, span[1], this.steps);
      return;
    }
    latestSamples(this.series[r], this.steps, this.start, this.interval, this.at, this.offset, this.lookback, null, present, this.samples);
  }

  /**
   * A series without staleness markers whose samples are never a lookback apart is present at one
   * run of steps: found from the storage's presence summary, or by checking its timestamps.
   */
  presentSpan(r: number, span: Int32Array): boolean {
    const s = this.series[r];
    if (this.at !== null) return false;
    const p = s.presence;
    if (p != null) presentSteps(p.first, p.last, this.start, this.interval, this.offset, this.lookback, this.steps, span);
    else if (s.stale !== null || !lookbackSpan(s.ts, this.start, this.interval, this.offset, this.lookback, this.steps, span)) return false;
    const samples = this.samples;
    for (let k = span[0]; k < span[1]; k++) samples[k]++;
    return true;
  }
}

/**
 * Each step's latest sample of `s` within the lookback: its value (when `values`), presence, and
 * its count in `samples`. A presence summary's values are unknown: NaN (count and group read none).
 */
function latestSamples(
  s: SelectedSeries, steps: number, start: number, interval: number, at: number | null, offset: number, lookback: number,
  values: Float64Array | null, present: Uint8Array, samples: Float64Array,
): void {
  const p = s.presence;
  if (p != null) {
    for (let k = 0; k < steps; k++) {
      const ref = (at ?? start + k * interval) - offset;
      if (ref < p.first || ref >= p.last + lookback) {
        present[k] = 0;
        continue;
      }
      if (values !== null) values[k] = NaN;
      present[k] = 1;
      if (at === null || k === 0) samples[k]++;
    }
    return;
  }
  const ts = s.ts;
  const vs = s.vs;
  const n = ts.length;
  const stale = s.stale;
  let nx = 0;
  for (let k = 0; k < steps; k++) {
    const ref = (at ?? start + k * interval) - offset;
    while (nx < n && ts[nx] <= ref) nx++;
    const idx = nx - 1;
    if (idx < 0 || ts[idx] <= ref - lookback || (stale !== null && stale[idx] === 1)) {
      present[k] = 0;
      continue;
    }
    if (values !== null) values[k] = vs[idx];
    present[k] = 1;
    if (at === null || k === 0) samples[k]++;
  }
}
