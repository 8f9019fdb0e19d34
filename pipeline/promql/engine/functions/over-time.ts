import { PromqlEvalError } from '../../errors.js';
import { kahanSum, kahanSumInc } from '../kahan.js';
import { formatGoG } from '../go-format.js';
import { quantile } from '../quantile.js';
import type { Value, Vector, Window } from '../types.js';
import { anchoredValues } from './extended-range.js';
import { argMatrix, argScalar, overWindows, vec, type FunctionImpl } from './function-impl.js';
import { windowStartReset } from './start-timestamps.js';

const acc = { s: 0, c: 0 };

function avg(w: Window): number {
  const vs = w.vs;
  const lo = w.lo;
  const hi = w.hi;
  let sum = vs[lo];
  let c = 0;
  // While the sum stays finite: kahanSumInc's steps written out on locals (a window of a few
  // dozen samples took about 4 ns a sample through the shared out-object). The same operations
  // in the same order; the first step whose sum overflows is taken again below.
  let i = lo + 1;
  for (; i < hi; i++) {
    const f = vs[i];
    const t = sum + f;
    if (t === Infinity || t === -Infinity) break;
    if (Math.abs(sum) >= Math.abs(f)) c += (sum - t) + f;
    else c += (f - t) + sum;
    sum = t;
  }
  if (i === hi) {
    const count = hi - lo;
    return sum / count + c / count;
  }
  let count = 1;
  let mean = 0;
  let incremental = false;
  for (; i < hi; i++) {
    const f = vs[i];
    count = i - w.lo + 1;
    if (!incremental) {
      kahanSumInc(f, sum, c, acc);
      if (acc.s !== Infinity && acc.s !== -Infinity) {
        sum = acc.s;
        c = acc.c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    kahanSumInc(f / count, q * mean, q * c, acc);
    mean = acc.s;
    c = acc.c;
  }
  return incremental ? mean + c : sum / count + c / count;
}

function variance(w: Window): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const f = w.vs[i];
    count++;
    const delta = f - (mean + cMean);
    kahanSumInc(delta / count, mean, cMean, acc); mean = acc.s; cMean = acc.c;
    kahanSumInc(delta * (f - (mean + cMean)), aux, cAux, acc); aux = acc.s; cAux = acc.c;
  }
  return (aux + cAux) / count;
}

function values(w: Window): number[] {
  const out: number[] = [];
  for (let i = w.lo; i < w.hi; i++) out.push(w.vs[i]);
  return out;
}

function extreme(w: Window, max: boolean): number {
  let m = w.vs[w.lo];
  for (let i = w.lo + 1; i < w.hi; i++) {
    const f = w.vs[i];
    if (max ? f > m || Number.isNaN(m) : f < m || Number.isNaN(m)) m = f;
  }
  return m;
}

function tsOfExtreme(w: Window, max: boolean): number {
  let m = w.vs[w.lo];
  let ts = w.ts[w.lo];
  for (let i = w.lo + 1; i < w.hi; i++) {
    const f = w.vs[i];
    if (max ? f >= m || Number.isNaN(m) : f <= m || Number.isNaN(m)) {
      if (Number.isNaN(f) && !Number.isNaN(m)) continue;
      m = f;
      ts = w.ts[i];
    }
  }
  return ts / 1000;
}

/** changes/resets over an `anchored` range (null for plain ranges). */
function anchoredCount(v: Value, t: number, lookback: number, f: (vs: number[]) => number): Value | null {
  const { windows, range, refTime, modifier } = argMatrix(v);
  if (modifier !== 'anchored') return null;
  const out: Vector = [];
  for (const w of windows) {
    const vals = anchoredValues(w, refTime - range, lookback);
    if (vals !== null) out.push({ metric: w.metric, f: f(vals), t, dropName: true });
  }
  return vec(out);
}

/** Range functions that keep the metric name (they return a sample of the series itself). */
function keepName(f: (w: Window) => number): FunctionImpl {
  return (args, _call, t) => {
    const out: Vector = [];
    for (const w of argMatrix(args[0]).windows) {
      if (w.hi - w.lo < 1) continue;
      out.push({ metric: w.metric, f: f(w), t, dropName: w.dropName });
    }
    return vec(out);
  };
}

/** Value changes inside a plain window. */
export function changes(w: Window): number {
  let n = 0;
  let prev = w.vs[w.lo];
  for (let i = w.lo + 1; i < w.hi; i++) {
    const cur = w.vs[i];
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
    prev = cur;
  }
  return n;
}

/** Counter resets inside a plain window, by value or by start timestamp. */
export function resets(w: Window): number {
  let n = 0;
  let prev = w.vs[w.lo];
  const starts = w.sts != null;
  for (let i = w.lo + 1; i < w.hi; i++) {
    const cur = w.vs[i];
    if (cur < prev || (starts && windowStartReset(w, i))) n++;
    prev = cur;
  }
  return n;
}

/**
 * Range functions of one window (at least one sample) and nothing else, so the series-major
 * evaluation can slide them along a series; `keepName`: the result keeps the metric name.
 */
export const OVER_TIME_WINDOW_FUNCTIONS: Record<string, { keepName: boolean; f: (w: Window) => number }> = {
  avg_over_time: { keepName: false, f: avg },
  sum_over_time: { keepName: false, f: (w) => kahanSum(w.vs, w.lo, w.hi) },
  count_over_time: { keepName: false, f: (w) => w.hi - w.lo },
  min_over_time: { keepName: false, f: (w) => extreme(w, false) },
  max_over_time: { keepName: false, f: (w) => extreme(w, true) },
  last_over_time: { keepName: true, f: (w) => w.vs[w.hi - 1] },
  first_over_time: { keepName: true, f: (w) => w.vs[w.lo] },
  ts_of_last_over_time: { keepName: false, f: (w) => w.ts[w.hi - 1] / 1000 },
  ts_of_first_over_time: { keepName: false, f: (w) => w.ts[w.lo] / 1000 },
  ts_of_max_over_time: { keepName: false, f: (w) => tsOfExtreme(w, true) },
  ts_of_min_over_time: { keepName: false, f: (w) => tsOfExtreme(w, false) },
  present_over_time: { keepName: false, f: () => 1 },
  stdvar_over_time: { keepName: false, f: variance },
  stddev_over_time: { keepName: false, f: (w) => Math.sqrt(variance(w)) },
};

function plain(name: string): FunctionImpl {
  const { keepName: keep, f } = OVER_TIME_WINDOW_FUNCTIONS[name];
  return keep ? keepName(f) : (a, _c, t) => overWindows(a[0], t, 1, f);
}

export const OVER_TIME_FUNCTIONS: Record<string, FunctionImpl> = {
  ...Object.fromEntries(Object.keys(OVER_TIME_WINDOW_FUNCTIONS).map((n) => [n, plain(n)])),
  quantile_over_time: (a, call, t, ctx) => {
    const q = argScalar(a[0]);
    if (Number.isNaN(q) || q < 0 || q > 1) ctx.warn(`quantile value should be between 0 and 1, got ${formatGoG(q)}`, call.args[0].pos);
    return overWindows(a[1], t, 1, (w) => quantile(q, values(w)));
  },
  mad_over_time: (a, _c, t) => overWindows(a[0], t, 1, (w) => {
    const vs = values(w);
    if (vs.some(Number.isNaN)) return NaN;
    const median = quantile(0.5, vs);
    return quantile(0.5, vs.map((v) => Math.abs(v - median)));
  }),
  changes: (a, _c, t, ctx) => anchoredCount(a[0], t, ctx.lookback, (vs) => {
    let n = 0;
    for (let i = 1; i < vs.length; i++) if (vs[i] !== vs[i - 1] && !(Number.isNaN(vs[i]) && Number.isNaN(vs[i - 1]))) n++;
    return n;
  }) ?? overWindows(a[0], t, 1, changes),
  resets: (a, _c, t, ctx) => anchoredCount(a[0], t, ctx.lookback, (vs) => {
    let n = 0;
    for (let i = 1; i < vs.length; i++) if (vs[i] < vs[i - 1]) n++;
    return n;
  }) ?? overWindows(a[0], t, 1, resets),
  double_exponential_smoothing: (a, _call, t) => {
    const sf = argScalar(a[1]);
    const tf = argScalar(a[2]);
    if (!(sf > 0 && sf < 1)) throw new SmoothingFactorError('smoothing', sf);
    if (!(tf > 0 && tf < 1)) throw new SmoothingFactorError('trend', tf);
    return overWindows(a[0], t, 2, (w) => {
      const vs = w.vs;
      let s0 = 0;
      let s1 = vs[w.lo];
      let b = vs[w.lo + 1] - vs[w.lo];
      for (let i = 1; i < w.hi - w.lo; i++) {
        const x = sf * vs[w.lo + i];
        if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
        const y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
      }
      return s1;
    });
  },
};

class SmoothingFactorError extends PromqlEvalError {
  constructor(which: 'smoothing' | 'trend', v: number) {
    super(`invalid ${which} factor. Expected: 0 < ${which === 'smoothing' ? 'sf' : 'tf'} < 1, got: ${v.toFixed(6)}`);
  }
}
