import type { Labels } from '../../../schemas/labels.js';
import type { Call, Expr, MatrixSelector, VectorSelector } from '../parser/ast.js';
import { atTime, durationMs } from './durations.js';
import type { EvalContext, SelectedSeries } from './eval-context.js';
import { lookbackSpan, presentSteps } from './lookback-presence.js';
import type { RowMatrix } from './row-matrix.js';
import { changes, OVER_TIME_WINDOW_FUNCTIONS, resets } from './functions/over-time.js';
import { WINDOW_FUNCTIONS } from './functions/rate.js';
import { WindowRows, type SeriesWindowFunction } from './window-rows.js';

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

const SERIES_WINDOW_FUNCTIONS: Record<string, SeriesWindowFunction> = {
  ...Object.fromEntries(Object.entries(WINDOW_FUNCTIONS).map(([n, w]) => [n, { ...w, keepName: false }])),
  ...Object.fromEntries(Object.entries(OVER_TIME_WINDOW_FUNCTIONS).map(([n, w]) => [n, { min: 1, keepName: w.keepName, counter: false, f: w.f }])),
  changes: { min: 1, keepName: false, counter: false, f: changes },
  resets: { min: 1, keepName: false, counter: false, f: resets },
};

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

/** `f(x[range])` series-major (window-rows.ts), when `call` is a range function of a plain range; else null. */
export function windowRows(call: Call, ctx: EvalContext): RowSource | null {
  const vs = rowSelector(call);
  if (vs === null) return null;
  const arg = call.args[0] as MatrixSelector;
  const series = ctx.selections.get(vs) ?? [];
  return new WindowRows(call, ctx, series, SERIES_WINDOW_FUNCTIONS[call.func], ctx.steps, atTime(vs.at, ctx), durationMs(vs.offset, ctx), durationMs(arg.range, ctx));
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
