import type { Call } from '../../parser/ast.js';
import type { EvalContext } from '../eval-context.js';
import type { Value, Vector, Window } from '../types.js';

/** A function implementation: evaluated arguments in, one value out (at time `t`). */
export type FunctionImpl = (args: Value[], call: Call, t: number, ctx: EvalContext) => Value;

export function vec(v: Vector): Value {
  return { kind: 'vector', v };
}

export function argVector(v: Value): Vector {
  return v.kind === 'vector' ? v.v : [];
}

export function argScalar(v: Value): number {
  return v.kind === 'scalar' ? v.v : NaN;
}

export function argString(v: Value): string {
  return v.kind === 'string' ? v.v : '';
}

export function argMatrix(v: Value): { windows: Window[]; range: number; refTime: number; modifier: 'anchored' | 'smoothed' | null } {
  if (v.kind !== 'matrix') return { windows: [], range: 0, refTime: 0, modifier: null };
  return { windows: v.v, range: v.range, refTime: v.refTime, modifier: v.modifier ?? null };
}

/** Applies `f` to every window with at least `min` points; results drop the metric name. */
export function overWindows(v: Value, t: number, min: number, f: (w: Window) => number): Value {
  const { windows } = argMatrix(v);
  const out: Vector = [];
  for (const w of windows) {
    if (w.hi - w.lo < min) continue;
    out.push({ metric: w.metric, f: f(w), t, dropName: true });
  }
  return vec(out);
}
