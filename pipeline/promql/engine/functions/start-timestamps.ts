import type { PositionRange } from '../../errors.js';
import type { Expr } from '../../parser/ast.js';
import type { EvalContext } from '../eval-context.js';
import { goQuote } from '../go-format.js';
import { upperBound } from '../search.js';
import type { Vector, Window } from '../types.js';
import { vec, type FunctionImpl } from './function-impl.js';

/**
 * Start timestamps (ST, "created timestamps") in the counter functions, as Prometheus' experimental
 * support has them: 0 is "unknown". A sample whose ST lies after the previous sample's
 * timestamp started counting anew (a reset, even where the value grew); so did one whose ST is
 * the previous timestamp when the previous sample had an ST of its own before its timestamp
 * (delta-style series, ST = previous T). An ST equal to the previous timestamp after a sample
 * without one is a cumulative series of unknown start, not a reset.
 */
export function startTimestampReset(prevSt: number, prevT: number, st: number, t: number): boolean {
  return st !== 0 && st < t && (st > prevT || (st === prevT && prevSt !== 0 && prevSt < prevT));
}

/** Whether window sample i (after the first) restarted by its start timestamp. */
export function windowStartReset(w: Window, i: number): boolean {
  const sts = w.sts;
  return sts != null && startTimestampReset(sts[i - 1], w.ts[i - 1], sts[i], w.ts[i]);
}

/**
 * The start timestamp of a counter window's first sample when it lies inside the range, before
 * that sample (0 otherwise): rate and increase then count from a zero at that time instead of
 * extrapolating to the range start.
 */
export function startInRange(w: Window, rangeStart: number): number {
  const sts = w.sts;
  if (sts == null || w.hi <= w.lo) return 0;
  const st = sts[w.lo];
  return st !== 0 && st > rangeStart && st < w.ts[w.lo] ? st : 0;
}

/**
 * Warns (once per query and position) when a sample's start timestamp lies before the previous
 * sample's timestamp and differs from its start: the two overlap, so some increase is counted twice.
 */
export function checkStartOverlap(w: Window, pos: PositionRange, ctx: EvalContext): void {
  const sts = w.sts;
  if (sts == null) return;
  for (let i = w.lo + 1; i < w.hi; i++) {
    const st = sts[i];
    if (st !== 0 && st < w.ts[i - 1] && st !== sts[i - 1]) {
      ctx.warn(`sample has start time that overlaps with previous sample timestamp for metric ${goQuote(w.metric.__name__ ?? '')}`, pos);
      return;
    }
  }
}

function unwrap(e: Expr): Expr {
  return e.type === 'paren' ? unwrap(e.expr) : e;
}

/**
 * start_timestamp(v): the start timestamp (seconds) of each selected sample, 0 where it has none.
 * Only a bare selector knows its samples' start timestamps: for any other expression there are
 * none, and the result is empty.
 */
export const startTimestamp: FunctionImpl = (args, call, t, ctx) => {
  const arg = unwrap(call.args[0]);
  if (arg.type !== 'vector_selector' || args[0].kind !== 'vector') return vec([]);
  const series = ctx.selections.get(arg) ?? [];
  const byLabels = new Map(series.map((s) => [s.labels, s]));
  const out: Vector = [];
  for (const sample of args[0].v) {
    const s = byLabels.get(sample.metric);
    const sts = s?.sts ?? null;
    const i = s === undefined ? -1 : upperBound(s.ts, sample.t) - 1;
    const st = sts === null || i < 0 ? 0 : sts[i];
    out.push({ metric: sample.metric, f: st / 1000, t, dropName: true });
  }
  return vec(out);
};
