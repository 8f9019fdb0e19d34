import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { Expr, MatrixSelector, SubqueryExpr, VectorSelector } from '../parser/ast.js';
import { evalAggregate } from './aggregate.js';
import { evalBinary } from './binary.js';
import { atTime, durationMs } from './durations.js';
import type { EvalContext, SelectedSeries } from './eval-context.js';
import { goQuote } from './go-format.js';
import { combineError } from './histogram-binary.js';
import { interpolateHistogram } from './histogram-interpolate.js';
import { evalCall } from './functions/index.js';
import { labelsKey } from './label-keys.js';
import { upperBound } from './search.js';
import { stepVector } from './step-matrix.js';
import type { Sample, Value, Vector, Window } from './types.js';

/** Evaluates `e` at one timestamp `t` (ms). Inputs are never mutated; results may share arrays. */
export function evaluate(e: Expr, t: number, ctx: EvalContext): Value {
  const pre = ctx.stepMatrices;
  if (pre !== null) {
    const m = pre.get(e);
    if (m !== undefined) {
      // Computed for every step up front; other times (inside subqueries) evaluate as usual.
      const k = (t - ctx.start) / ctx.interval;
      if (k >= 0 && k < ctx.steps && Number.isInteger(k)) {
        ctx.addSamples(m.samples[k]);
        return { kind: 'vector', v: stepVector(m, k, t) };
      }
    }
  }
  switch (e.type) {
    case 'number': return { kind: 'scalar', v: e.value };
    case 'string': return { kind: 'string', v: e.value };
    case 'paren': return evaluate(e.expr, t, ctx);
    case 'unary': {
      const v = evaluate(e.expr, t, ctx);
      if (e.op === '+') return v;
      if (v.kind === 'scalar') return { kind: 'scalar', v: -v.v };
      if (v.kind !== 'vector') return v;
      const out: Vector = new Array(v.v.length);
      for (let i = 0; i < v.v.length; i++) {
        const s = v.v[i];
        out[i] = s.h === undefined ? { metric: s.metric, f: -s.f, t: s.t, dropName: true } : { metric: s.metric, f: 0, t: s.t, dropName: true, h: s.h.copy().mul(-1) };
      }
      return { kind: 'vector', v: out };
    }
    case 'vector_selector': {
      if (e.smoothed) return selectSmoothed(e, t, ctx);
      if (e.at) return cachedInvariant(e, ctx, () => selectInstant(e, t, ctx));
      return selectInstant(e, t, ctx);
    }
    case 'matrix_selector': {
      if (e.vector.at) return cachedInvariant(e, ctx, () => selectRange(e, t, ctx));
      return selectRange(e, t, ctx);
    }
    case 'subquery': {
      if (e.at) return cachedInvariant(e, ctx, () => evalSubquery(e, t, ctx));
      return evalSubquery(e, t, ctx);
    }
    case 'call': return evalCall(e, t, ctx);
    case 'aggregate': return evalAggregate(e, t, ctx);
    case 'binary': return evalBinary(e, t, ctx);
  }
}

function cachedInvariant(e: Expr, ctx: EvalContext, f: () => Value): Value {
  let v = ctx.invariantCache.get(e) as Value | undefined;
  if (v === undefined) {
    v = f();
    ctx.invariantCache.set(e, v);
  }
  return v;
}

interface InstantCursors {
  lastRef: number;
  /** Per series: index of the first sample after the previous reference time. */
  readonly next: Int32Array;
}

/** Instant selection; like ranges, per-series cursors move forward with the steps. */
function selectInstant(e: VectorSelector, t: number, ctx: EvalContext): Value {
  const series = ctx.selections.get(e) ?? [];
  const ref = (atTime(e.at, ctx) ?? t) - durationMs(e.offset, ctx);
  const mint = ref - ctx.lookback;
  let cur = ctx.nodeCache.get(e) as InstantCursors | undefined;
  if (!cur) {
    cur = { lastRef: Infinity, next: new Int32Array(series.length) };
    ctx.nodeCache.set(e, cur);
  }
  const forward = ref >= cur.lastRef;
  cur.lastRef = ref;
  const nexts = cur.next;
  const out: Vector = [];
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    const p = s.presence;
    if (p != null) {
      // A presence summary (count, group): present from its first sample to a lookback past its last; its value unknown.
      if (ref >= p.first && ref < p.last + ctx.lookback) out.push({ metric: s.labels, f: NaN, t: Math.min(ref, p.last), dropName: false });
      continue;
    }
    const tsArr = s.ts;
    let nx: number;
    if (forward) {
      nx = nexts[i];
      while (nx < tsArr.length && tsArr[nx] <= ref) nx++;
    } else {
      nx = upperBound(tsArr, ref);
    }
    nexts[i] = nx;
    const idx = nx - 1;
    if (idx < 0) continue;
    const ts = tsArr[idx];
    if (ts <= mint) continue;
    if (s.stale !== null && s.stale[idx] === 1) continue;
    const h = s.hs != null ? s.hs[idx] : null;
    out.push(h === null ? { metric: s.labels, f: s.vs[idx], t: ts, dropName: false } : { metric: s.labels, f: 0, t: ts, dropName: false, h });
  }
  ctx.addSamples(out.length);
  return { kind: 'vector', v: out };
}

/** `smoothed` instant selection: linear interpolation between the samples around the time. */
function selectSmoothed(e: VectorSelector, t: number, ctx: EvalContext): Value {
  const series = ctx.selections.get(e) ?? [];
  const ref = (atTime(e.at, ctx) ?? t) - durationMs(e.offset, ctx);
  const out: Vector = [];
  for (const s of series) {
    const rts = s.rts;
    const idx = upperBound(rts, ref) - 1;
    if (idx < 0 || rts[idx] <= ref - ctx.lookback) continue;
    const interpolate = rts[idx] !== ref && idx + 1 < rts.length && rts[idx + 1] <= ref + ctx.lookback;
    const hs = s.rhs;
    if (hs != null && (hs[idx] !== null || (interpolate && hs[idx + 1] !== null))) {
      const h = smoothedHistogram(e, s, idx, interpolate, ref, ctx);
      if (h !== null) out.push({ metric: s.labels, f: 0, t: ref, dropName: false, h });
      continue;
    }
    let v = s.rvs[idx];
    if (interpolate) {
      const t0 = rts[idx];
      const t1 = rts[idx + 1];
      v = v + ((s.rvs[idx + 1] - v) * (ref - t0)) / (t1 - t0);
    }
    out.push({ metric: s.labels, f: v, t: ref, dropName: false });
  }
  ctx.addSamples(out.length);
  return { kind: 'vector', v: out };
}

/** A `smoothed` selection of a series holding histograms; null (with a warning) where it cannot be. */
function smoothedHistogram(e: VectorSelector, s: SelectedSeries, idx: number, interpolate: boolean, ref: number, ctx: EvalContext): FloatHistogram | null {
  const hs = s.rhs!;
  const h0 = hs[idx];
  if (!interpolate) return h0;
  const h1 = hs[idx + 1];
  const name = s.labels.__name__;
  if (h0 === null || h1 === null) {
    ctx.warn(`encountered a mix of histograms and floats${name === undefined || name === '' ? '' : ` for metric name ${goQuote(name)}`}`, e.pos);
    return null;
  }
  try {
    return interpolateHistogram(h0, s.rts[idx], h1, s.rts[idx + 1], ref, h1.counterResetHint !== 'gauge');
  } catch (err) {
    return combineError(err, name ?? '', e.pos, ctx);
  }
}

interface PooledWindow {
  metric: Window['metric'];
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
  lo: number;
  hi: number;
  dropName: boolean;
  hs: Window['hs'];
  sts: Window['sts'];
}

interface RangeCursors {
  lastMint: number;
  /** One window object per series, re-aimed every step (consumers never keep windows). */
  readonly windows: PooledWindow[];
}

/**
 * Range windows. Steps of a range query move forward, so per-series cursors advance linearly
 * instead of binary-searching every step; a backwards move (inside subqueries) re-searches.
 */
function selectRange(e: MatrixSelector, t: number, ctx: EvalContext): Value {
  const vs = e.vector;
  const series = ctx.selections.get(vs) ?? [];
  const ref = (atTime(vs.at, ctx) ?? t) - durationMs(vs.offset, ctx);
  const range = durationMs(e.range, ctx);
  const mint = ref - range;
  let cur = ctx.nodeCache.get(e) as RangeCursors | undefined;
  if (!cur) {
    cur = {
      lastMint: Infinity,
      windows: series.map((s) => ({ metric: s.labels, ts: s.rts, vs: s.rvs, lo: 0, hi: 0, dropName: false, hs: s.rhs ?? null, sts: s.rsts ?? null })),
    };
    ctx.nodeCache.set(e, cur);
  }
  const forward = mint >= cur.lastMint;
  cur.lastMint = mint;
  const out: Window[] = [];
  let n = 0;
  const pool = cur.windows;
  const keepEmpty = e.modifier !== null;
  for (let i = 0; i < pool.length; i++) {
    const w = pool[i];
    const rts = w.ts;
    let lo: number;
    let hi: number;
    if (forward) {
      lo = w.lo;
      while (lo < rts.length && rts[lo] <= mint) lo++;
      hi = w.hi > lo ? w.hi : lo;
      while (hi < rts.length && rts[hi] <= ref) hi++;
    } else {
      lo = upperBound(rts, mint);
      hi = upperBound(rts, ref, lo);
    }
    w.lo = lo;
    w.hi = hi;
    if (hi === lo && !keepEmpty) continue;
    out.push(w);
    n += hi - lo;
  }
  ctx.addSamples(n);
  return { kind: 'matrix', v: out, range, refTime: ref, modifier: e.modifier };
}

/**
 * A subquery's steps are not adjacent samples: a `not_reset`/`reset` hint read from storage says
 * nothing about the previous step, so resets are detected from the counts (gauges stay gauges).
 */
function withoutCounterHint(h: FloatHistogram): FloatHistogram {
  if (h.counterResetHint === 'unknown' || h.counterResetHint === 'gauge') return h;
  const out = h.copy();
  out.counterResetHint = 'unknown';
  return out;
}

function subqueryStep(e: SubqueryExpr, ctx: EvalContext): number {
  const s = e.step ? durationMs(e.step, ctx) : ctx.defaultSubqueryStep;
  return s > 0 ? s : ctx.defaultSubqueryStep;
}

/** First inner evaluation time of a subquery window ending at `ref` (Prometheus's alignment). */
export function subqueryTimes(e: SubqueryExpr, ref: number, ctx: EvalContext): { first: number; step: number; range: number } {
  const step = subqueryStep(e, ctx);
  const range = durationMs(e.range, ctx);
  const lower = ref - range;
  let first = Math.floor(lower / step) * step;
  // Windows are left-open: a point exactly at the lower bound is outside.
  if (first <= lower) first += step;
  return { first, step, range };
}

function evalSubquery(e: SubqueryExpr, t: number, ctx: EvalContext): Value {
  const ref = (atTime(e.at, ctx) ?? t) - durationMs(e.offset, ctx);
  const { first, step, range } = subqueryTimes(e, ref, ctx);
  let cache = ctx.subqueryCache.get(e);
  if (!cache) {
    cache = new Map();
    ctx.subqueryCache.set(e, cache);
  }
  const bySeries = new Map<string, { metric: Sample['metric']; ts: number[]; vs: number[]; hs: (FloatHistogram | null)[] | null; dropName: boolean }>();
  let n = 0;
  let steps = 0;
  for (let it = first; it <= ref; it += step) {
    // A subquery can have millions of steps (`[1d:1ms]`): the deadline and the sample limit hold
    // inside it, not only once it is done.
    if ((++steps & 1023) === 0) {
      ctx.checkAbort('subquery evaluation');
      ctx.checkSamplesWith(n);
    }
    let vec = cache.get(it);
    if (vec === undefined) {
      const saved = ctx.currentSamples;
      const v = evaluate(e.expr, it, ctx);
      ctx.currentSamples = saved;
      vec = v.kind === 'vector' ? v.v : v.kind === 'scalar' ? [{ metric: {}, f: v.v, t: it, dropName: false }] : [];
      cache.set(it, vec);
    }
    for (const s of vec) {
      const k = labelsKey(s.metric);
      let row = bySeries.get(k);
      if (!row) {
        row = { metric: s.metric, ts: [], vs: [], hs: null, dropName: s.dropName };
        bySeries.set(k, row);
      }
      row.ts.push(it);
      row.vs.push(s.f);
      if (s.h !== undefined) {
        row.hs ??= new Array<FloatHistogram | null>(row.ts.length - 1).fill(null);
        row.hs.push(withoutCounterHint(s.h));
      } else row.hs?.push(null);
      n++;
    }
  }
  ctx.addSamples(n);
  const out: Window[] = [];
  for (const r of bySeries.values()) out.push({ metric: r.metric, ts: r.ts, vs: r.vs, lo: 0, hi: r.ts.length, dropName: r.dropName, hs: r.hs });
  return { kind: 'matrix', v: out, range, refTime: ref };
}
