import type { Series } from '../../tsdb/querier.js';
import type { Call, Expr, VectorSelector } from '../parser/ast.js';
import { walk } from '../parser/walk.js';
import { infoNameMatchers } from './functions/info-matchers.js';
import { atTime, durationMs, type DurationScope } from './durations.js';
import type { EvalContext, SelectedSeries } from './eval-context.js';
import { subqueryTimes } from './evaluator.js';

interface Need {
  min: number;
  max: number;
}

/** Walks the tree and computes, for every selector, the time range its samples must cover. */
export function selectorRanges(e: Expr, mint: number, maxt: number, scope: DurationScope & { lookback: number; subqueryStep: (e: Expr) => number }, out: Map<VectorSelector, Need>): void {
  const add = (vs: VectorSelector, lo: number, hi: number) => {
    const prev = out.get(vs);
    if (prev) {
      prev.min = Math.min(prev.min, lo);
      prev.max = Math.max(prev.max, hi);
    } else {
      out.set(vs, { min: lo, max: hi });
    }
  };
  const ref = (at: VectorSelector['at'], offset: VectorSelector['offset']): [number, number] => {
    const a = atTime(at, scope);
    const off = durationMs(offset, scope);
    return a !== null ? [a - off, a - off] : [mint - off, maxt - off];
  };
  switch (e.type) {
    case 'number': case 'string': return;
    case 'vector_selector': {
      const [lo, hi] = ref(e.at, e.offset);
      add(e, lo - scope.lookback, e.smoothed ? hi + scope.lookback : hi);
      return;
    }
    case 'matrix_selector': {
      const [lo, hi] = ref(e.vector.at, e.vector.offset);
      // Extended ranges also read the samples around the window (within the lookback delta).
      const ext = e.modifier === null ? 0 : scope.lookback;
      add(e.vector, lo - durationMs(e.range, scope) - ext, hi + ext);
      return;
    }
    case 'subquery': {
      const [lo, hi] = ref(e.at, e.offset);
      const range = durationMs(e.range, scope);
      selectorRanges(e.expr, lo - range - scope.subqueryStep(e), hi, scope, out);
      return;
    }
    case 'paren': case 'unary': selectorRanges(e.expr, mint, maxt, scope, out); return;
    case 'call':
      // info()'s second argument is not a selection of its own (see loadInfoSeries).
      for (const a of e.func === 'info' ? e.args.slice(0, 1) : e.args) selectorRanges(a, mint, maxt, scope, out);
      return;
    case 'aggregate':
      selectorRanges(e.expr, mint, maxt, scope, out);
      if (e.param) selectorRanges(e.param, mint, maxt, scope, out);
      return;
    case 'binary':
      selectorRanges(e.lhs, mint, maxt, scope, out);
      selectorRanges(e.rhs, mint, maxt, scope, out);
      return;
  }
}

/** Converts a querier series; staleness markers are filtered out of the arrays ranges use. */
export function toSelected(s: Series): SelectedSeries {
  const st = s.stale;
  let hasStale = false;
  if (st) for (let i = 0; i < st.length; i++) if (st[i] === 1) { hasStale = true; break; }
  if (!hasStale) return { labels: s.labels, ts: s.timestamps, vs: s.values, stale: null, rts: s.timestamps, rvs: s.values };
  const rts: number[] = [];
  const rvs: number[] = [];
  for (let i = 0; i < s.timestamps.length; i++) {
    if (st![i] === 1) continue;
    rts.push(s.timestamps[i]);
    rvs.push(s.values[i]);
  }
  return { labels: s.labels, ts: s.timestamps, vs: s.values, stale: st, rts, rvs };
}

/** Selects every selector's series once per query. */
export async function loadSelections(root: Expr, ctx: EvalContext): Promise<string[]> {
  const needs = new Map<VectorSelector, Need>();
  selectorRanges(root, ctx.start, ctx.end, {
    start: ctx.start, end: ctx.end, interval: ctx.interval, lookback: ctx.lookback,
    subqueryStep: (e) => (e.type === 'subquery' ? subqueryTimes(e, 0, ctx).step : 0),
  }, needs);
  const warnings: string[] = [];
  await Promise.all([...needs].map(async ([vs, need]) => {
    const set = await ctx.querier.select(vs.matchers, { start: need.min, end: need.max });
    warnings.push(...set.warnings);
    ctx.selections.set(vs, set.series.map(toSelected));
  }));
  await loadInfoSeries(root, ctx, needs, warnings);
  return warnings;
}

/** Selects the info series (`target_info` by default) every info() call joins against. */
async function loadInfoSeries(root: Expr, ctx: EvalContext, needs: Map<VectorSelector, Need>, warnings: string[]): Promise<void> {
  const calls: Call[] = [];
  walk(root, (e) => {
    if (e.type === 'call' && e.func === 'info') calls.push(e);
  });
  for (const call of calls) {
    let min = ctx.start - ctx.lookback;
    let max = ctx.end;
    walk(call.args[0], (e) => {
      const need = e.type === 'vector_selector' ? needs.get(e) : undefined;
      if (need) {
        min = Math.min(min, need.min);
        max = Math.max(max, need.max);
      }
    });
    const set = await ctx.querier.select(infoNameMatchers(call), { start: min - ctx.lookback, end: max });
    warnings.push(...set.warnings);
    ctx.infoSeries.set(call, set.series.map(toSelected));
  }
}
