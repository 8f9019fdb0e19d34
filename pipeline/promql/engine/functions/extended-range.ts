import { PromqlEvalError } from '../../errors.js';
import type { Window } from '../types.js';

const ANCHORED_OK = ['changes', 'delta', 'increase', 'rate', 'resets'];
const SMOOTHED_OK = ['delta', 'increase', 'rate'];

/** Rejects `anchored`/`smoothed` ranges passed to functions that do not support them. */
export function checkModifier(func: string, modifier: 'anchored' | 'smoothed' | null): void {
  if (modifier === 'anchored' && !ANCHORED_OK.includes(func)) {
    throw new PromqlEvalError(`anchored modifier can only be used with: ${ANCHORED_OK.join(', ')} - not with ${func}`);
  }
  if (modifier === 'smoothed' && !SMOOTHED_OK.includes(func)) {
    throw new PromqlEvalError(`smoothed modifier can only be used with: ${SMOOTHED_OK.join(', ')} - not with ${func}`);
  }
}

/**
 * `anchored`: the in-range samples preceded by the last sample at or before the range start
 * (within the lookback delta), standing for the value at the start. Null without in-range samples.
 */
export function anchoredValues(w: Window, start: number, lookback: number): number[] | null {
  if (w.hi === w.lo) return null;
  const out: number[] = [];
  if (w.lo > 0 && w.ts[w.lo - 1] > start - lookback) out.push(w.vs[w.lo - 1]);
  for (let i = w.lo; i < w.hi; i++) out.push(w.vs[i]);
  return out;
}

function interpolate(t0: number, v0: number, t1: number, v1: number, t: number, counter: boolean): number {
  // A counter reset between the two samples: the counter restarted from zero.
  const from = counter && v1 < v0 ? 0 : v0;
  return from + ((v1 - from) * (t - t0)) / (t1 - t0);
}

/**
 * `smoothed`: values at the range boundaries interpolated from the neighbouring samples (within
 * the lookback delta), with the in-range samples between. Null when nothing is near the range.
 */
export function smoothedValues(w: Window, start: number, end: number, lookback: number, counter: boolean): number[] | null {
  const n = w.ts.length;
  const hasPrev = w.lo > 0 && w.ts[w.lo - 1] > start - lookback;
  const hasNext = w.hi < n && w.ts[w.hi] <= end + lookback;
  const out: number[] = [];
  // Value at the start boundary.
  if (hasPrev && (w.hi > w.lo || hasNext)) {
    const t1 = w.ts[w.lo < w.hi ? w.lo : w.hi];
    const v1 = w.vs[w.lo < w.hi ? w.lo : w.hi];
    out.push(interpolate(w.ts[w.lo - 1], w.vs[w.lo - 1], t1, v1, start, counter));
  } else if (w.hi > w.lo) {
    out.push(w.vs[w.lo]);
  } else {
    return null;
  }
  for (let i = w.lo; i < w.hi; i++) out.push(w.vs[i]);
  // Value at the end boundary.
  const lastIdx = w.hi > w.lo ? w.hi - 1 : w.lo - 1;
  if (hasNext && lastIdx >= 0) out.push(interpolate(w.ts[lastIdx], w.vs[lastIdx], w.ts[w.hi], w.vs[w.hi], end, counter));
  else out.push(w.vs[lastIdx]);
  return out;
}

/** Increase over a value list with counter-reset correction (no extrapolation). */
export function counterIncrease(vs: number[]): number {
  let r = vs[vs.length - 1] - vs[0];
  for (let i = 1; i < vs.length; i++) if (vs[i] < vs[i - 1]) r += vs[i - 1];
  return r;
}
