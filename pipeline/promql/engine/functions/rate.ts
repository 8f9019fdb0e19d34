import type { Call } from '../../parser/ast.js';
import type { EvalContext } from '../eval-context.js';
import { goQuote } from '../go-format.js';
import { kahanSumInc } from '../kahan.js';
import { anchoredValues, checkModifier, counterIncrease, smoothedValues } from './extended-range.js';
import type { Vector, Window } from '../types.js';
import { argMatrix, argScalar, vec, type FunctionImpl } from './function-impl.js';
import { checkStartOverlap, startInRange, windowStartReset } from './start-timestamps.js';

function checkCounterName(w: Window, call: Call, ctx: EvalContext): void {
  checkCounterMetricName(w.metric.__name__, call, ctx);
}

/** checkCounterName of a metric name: callers in hot loops pass the name, not a label object. */
function checkCounterMetricName(name: string | undefined, call: Call, ctx: EvalContext): void {
  if (name === undefined) return;
  if (!name.endsWith('_total') && !name.endsWith('_sum') && !name.endsWith('_count') && !name.endsWith('_bucket')) {
    ctx.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(name)}`, call.args[0].pos);
  }
}

/** rate/increase/delta with Prometheus's extrapolation to the window boundaries. */
function extrapolated(isCounter: boolean, isRate: boolean): FunctionImpl {
  return (args, call, t, ctx) => {
    const { windows, range, refTime, modifier } = argMatrix(args[0]);
    const rangeStart = refTime - range;
    const rangeEnd = refTime;
    const out: Vector = [];
    if (modifier !== null) {
      checkModifier(call.func, modifier);
      for (const w of windows) {
        const vals = modifier === 'anchored' ? anchoredValues(w, rangeStart, ctx.lookback) : smoothedValues(w, rangeStart, rangeEnd, ctx.lookback, isCounter);
        if (vals === null) continue;
        let v = isCounter ? counterIncrease(vals) : vals[vals.length - 1] - vals[0];
        if (isRate) v /= range / 1000;
        out.push({ metric: w.metric, f: v, t, dropName: true });
      }
      return vec(out);
    }
    // Series of one selector usually share a name: check each name once per step.
    let lastChecked: string | undefined = '\0';
    for (const w of windows) {
      // A counter's start timestamp inside the range stands in for a first sample.
      if (w.hi - w.lo < 2 && !(isCounter && startInRange(w, rangeStart) !== 0)) continue;
      if (isCounter && w.metric.__name__ !== lastChecked) {
        lastChecked = w.metric.__name__;
        checkCounterName(w, call, ctx);
      }
      if (isCounter) checkStartOverlap(w, call.args[0].pos, ctx);
      out.push({ metric: w.metric, f: extrapolatedRate(w, rangeStart, rangeEnd, isCounter, isRate), t, dropName: true });
    }
    return vec(out);
  };
}

/**
 * One window's rate/increase/delta (at least two samples, or one with a start timestamp in
 * range). `resetFree`: the caller knows the window holds no counter reset, so the scan for them
 * (which would add nothing) is skipped. A counter's start timestamps count as resets where they
 * say the counter started anew, and the first sample's, inside the range, replaces the
 * extrapolation to the range start by a zero at that time.
 */
export function extrapolatedRate(w: Window, rangeStart: number, rangeEnd: number, isCounter: boolean, isRate: boolean, resetFree = false): number {
  const n = w.hi - w.lo;
  const ts = w.ts;
  const vs = w.vs;
  const firstT = ts[w.lo];
  const lastT = ts[w.hi - 1];
  let result = vs[w.hi - 1] - vs[w.lo];
  const starts = isCounter && w.sts != null;
  if (isCounter && !resetFree) {
    let prev = vs[w.lo];
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = vs[i];
      if (cur < prev || (starts && windowStartReset(w, i))) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  let sampledInterval = (lastT - firstT) / 1000;
  const avg = n > 1 ? sampledInterval / (n - 1) : 0;
  const threshold = avg * 1.1;
  const st = starts ? startInRange(w, rangeStart) : 0;
  if (st !== 0) {
    durationToStart = 0;
    sampledInterval = (lastT - st) / 1000;
    result += vs[w.lo];
  } else {
    if (durationToStart >= threshold) durationToStart = avg / 2;
    if (isCounter && result > 0 && vs[w.lo] >= 0) {
      const durationToZero = sampledInterval * (vs[w.lo] / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
  }
  let extrapolateTo = sampledInterval + durationToStart;
  if (durationToEnd >= threshold) durationToEnd = avg / 2;
  extrapolateTo += durationToEnd;
  let factor = extrapolateTo / sampledInterval;
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000;
  return result * factor;
}

/** irate/idelta of one window (at least two samples, distinct timestamps). */
function lastTwo(w: Window, isRate: boolean): number {
  const last = w.vs[w.hi - 1];
  const prev = w.vs[w.hi - 2];
  let v = last - prev;
  if (isRate && (last < prev || windowStartReset(w, w.hi - 1))) v = last;
  if (isRate) v /= (w.ts[w.hi - 1] - w.ts[w.hi - 2]) / 1000;
  return v;
}

/**
 * Per-window forms of range functions that fused and series-major evaluation call without
 * building samples: minimum samples, the value, and whether the counter name check applies.
 * `resetFree` (see extrapolatedRate) may be passed by callers that track resets themselves.
 */
export const WINDOW_FUNCTIONS: Record<string, { min: number; counter: boolean; f: (w: Window, start: number, end: number, resetFree?: boolean) => number }> = {
  rate: { min: 2, counter: true, f: (w, s, e, rf) => extrapolatedRate(w, s, e, true, true, rf) },
  increase: { min: 2, counter: true, f: (w, s, e, rf) => extrapolatedRate(w, s, e, true, false, rf) },
  delta: { min: 2, counter: false, f: (w, s, e) => extrapolatedRate(w, s, e, false, false) },
  irate: { min: 2, counter: false, f: (w) => lastTwo(w, true) },
  idelta: { min: 2, counter: false, f: (w) => lastTwo(w, false) },
};

export { checkCounterMetricName, checkCounterName };

function instant(isRate: boolean): FunctionImpl {
  return (args, _call, t) => {
    const out: Vector = [];
    for (const w of argMatrix(args[0]).windows) {
      if (w.hi - w.lo < 2) continue;
      const last = w.vs[w.hi - 1];
      const prev = w.vs[w.hi - 2];
      let v = last - prev;
      if (isRate && (last < prev || windowStartReset(w, w.hi - 1))) v = last;
      const dt = w.ts[w.hi - 1] - w.ts[w.hi - 2];
      if (dt === 0) continue;
      if (isRate) v /= dt / 1000;
      out.push({ metric: w.metric, f: v, t, dropName: true });
    }
    return vec(out);
  };
}

const acc = { s: 0, c: 0 };

/** Least-squares fit over a window with x relative to `interceptTime`: [slope, intercept]. */
export function linearRegression(w: Window, interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = w.vs[w.lo];
  let constY = true;
  for (let i = w.lo; i < w.hi; i++) {
    const y = w.vs[i];
    if (constY && i > w.lo && y !== initY) constY = false;
    n++;
    const x = (w.ts[i] - interceptTime) / 1e3;
    kahanSumInc(x, sumX, cX, acc); sumX = acc.s; cX = acc.c;
    kahanSumInc(y, sumY, cY, acc); sumY = acc.s; cY = acc.c;
    kahanSumInc(x * y, sumXY, cXY, acc); sumXY = acc.s; cXY = acc.c;
    kahanSumInc(x * x, sumX2, cX2, acc); sumX2 = acc.s; cX2 = acc.c;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

const deriv: FunctionImpl = (args, _call, t) => {
  const out: Vector = [];
  for (const w of argMatrix(args[0]).windows) {
    if (w.hi - w.lo < 2) continue;
    out.push({ metric: w.metric, f: linearRegression(w, w.ts[w.lo])[0], t, dropName: true });
  }
  return vec(out);
};

const predictLinear: FunctionImpl = (args, _call, t) => {
  const duration = argScalar(args[1]);
  const out: Vector = [];
  for (const w of argMatrix(args[0]).windows) {
    if (w.hi - w.lo < 2) continue;
    const [slope, intercept] = linearRegression(w, t);
    out.push({ metric: w.metric, f: intercept + slope * duration, t, dropName: true });
  }
  return vec(out);
};

export const RATE_FUNCTIONS: Record<string, FunctionImpl> = {
  rate: extrapolated(true, true),
  increase: extrapolated(true, false),
  delta: extrapolated(false, false),
  irate: instant(true),
  idelta: instant(false),
  deriv,
  predict_linear: predictLinear,
};
