import type { LabelMatcher, Querier, Queryable, RollupHint, SelectHints, SeriesSet } from '../../tsdb/querier.js';
import { selectHints } from '../../tsdb/select-hints.js';
import { SelectWrappingQuerier } from '../../tsdb/select-wrapping-querier.js';
import type { BinaryExpr, Call, Expr, MatrixSelector, VectorSelector } from '../parser/ast.js';
import { durationMs, type DurationScope } from './durations.js';

type Column = RollupHint['column'];

/** Range functions a rollup column answers, and the function that then reads it. */
const ANSWERED: Readonly<Record<string, { column: Column; func: string }>> = {
  rate: { column: 'counter', func: 'rate' },
  increase: { column: 'counter', func: 'increase' },
  sum_over_time: { column: 'sum', func: 'sum_over_time' },
  count_over_time: { column: 'count', func: 'sum_over_time' },
  min_over_time: { column: 'min', func: 'min_over_time' },
  max_over_time: { column: 'max', func: 'max_over_time' },
};

/**
 * Selectors planRollups made to read rollup columns: their selects return window aggregates, not
 * the samples another selector with the same matchers reads (subset-selects.ts keeps them apart).
 */
const rollupSelectors = new WeakSet<VectorSelector>();

/** Whether `vs` reads a rollup column (made by planRollups). */
export function readsRollup(vs: VectorSelector): boolean {
  return rollupSelectors.has(vs);
}

export interface RollupPlan {
  /** The query with answered calls rewritten to read rollup columns (the input when none is). */
  readonly expr: Expr;
  /** Rollup selects, by the selector nodes of `expr` that make them. */
  readonly hints: Map<VectorSelector, RollupHint>;
  /** The coarsest resolution any selector reads, ms; 0 when every one reads raw samples. */
  readonly resolution: number;
}

/**
 * Picks, per range function over a plain selector, the coarsest resolution of `resolutions` (at
 * most `maxResolution`) whose windows tile every range it evaluates: the range, the offset, the
 * first evaluation time and the step must be multiples of it. Such a range (t - R, t] is exactly
 * a run of whole windows, so `rate`, `increase` and `*_over_time` of sum, count, min, max and avg
 * follow from the window aggregates (count_over_time as the sum of counts; avg_over_time as the
 * sum of sums over the sum of counts). Calls inside subqueries, with `@`, or with extended range
 * modifiers keep reading raw samples.
 */
export function planRollups(root: Expr, scope: DurationScope, resolutions: readonly number[], maxResolution: number): RollupPlan {
  const candidates = resolutions.filter((r) => r > 0 && r <= maxResolution).sort((a, b) => b - a);
  const hints = new Map<VectorSelector, RollupHint>();
  if (candidates.length === 0) return { expr: root, hints, resolution: 0 };
  let coarsest = 0;
  const aligned = (r: number, ms: MatrixSelector): boolean => {
    const range = durationMs(ms.range, scope);
    const offset = durationMs(ms.vector.offset, scope);
    return range > 0 && range % r === 0 && offset % r === 0 && scope.start % r === 0 && scope.interval % r === 0;
  };
  const select = (ms: MatrixSelector, r: number, column: Column): MatrixSelector => {
    const vector: VectorSelector = { ...ms.vector, matchers: [...ms.vector.matchers] };
    hints.set(vector, { resolutionMs: r, column });
    rollupSelectors.add(vector);
    if (r > coarsest) coarsest = r;
    return { ...ms, vector };
  };
  const call = (c: Call, func: string, arg: Expr): Call => ({ ...c, func, args: [arg] });

  const rewrite = (e: Expr): Expr => {
    switch (e.type) {
      case 'number': case 'string': case 'vector_selector': case 'matrix_selector': case 'subquery':
        return e;
      case 'paren': case 'unary': {
        const x = rewrite(e.expr);
        return x === e.expr ? e : { ...e, expr: x };
      }
      case 'aggregate': {
        const x = rewrite(e.expr);
        const p = e.param === null ? null : rewrite(e.param);
        return x === e.expr && p === e.param ? e : { ...e, expr: x, param: p };
      }
      case 'binary': {
        const l = rewrite(e.lhs);
        const r = rewrite(e.rhs);
        return l === e.lhs && r === e.rhs ? e : { ...e, lhs: l, rhs: r };
      }
      case 'call': {
        const arg = e.args[0];
        const answer = ANSWERED[e.func];
        const plain = e.args.length === 1 && arg.type === 'matrix_selector' && arg.modifier === null && arg.vector.at === null;
        if (plain && (answer !== undefined || e.func === 'avg_over_time')) {
          const r = candidates.find((c) => aligned(c, arg));
          if (r !== undefined) {
            if (answer !== undefined) return call(e, answer.func, select(arg, r, answer.column));
            const ratio: BinaryExpr = {
              type: 'binary', op: '/', pos: e.pos, bool: false,
              lhs: call(e, 'sum_over_time', select(arg, r, 'sum')),
              rhs: call(e, 'sum_over_time', select(arg, r, 'count')),
              matching: { card: 'one-to-one', on: false, labels: [], include: [], fillLeft: null, fillRight: null },
            };
            return ratio;
          }
        }
        let changed = false;
        const args = e.args.map((a) => {
          const x = rewrite(a);
          if (x !== a) changed = true;
          return x;
        });
        return changed ? { ...e, args } : e;
      }
    }
  };
  const expr = rewrite(root);
  return { expr, hints, resolution: coarsest };
}

/**
 * The query's querier with the plan's rollup hints added to the selects of the selectors that
 * read rollup columns (recognised by their matcher arrays, which the plan made for them alone).
 */
export class RollupSelects extends SelectWrappingQuerier {
  private readonly byMatchers = new Map<readonly LabelMatcher[], RollupHint>();

  constructor(
    inner: Querier,
    hints: ReadonlyMap<VectorSelector, RollupHint>,
  ) {
    super(inner);
    for (const [vs, hint] of hints) this.byMatchers.set(vs.matchers, hint);
  }

  select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const rollup = this.byMatchers.get(matchers);
    return this.inner.select(matchers, rollup === undefined || hints.labelsOnly === true ? hints : selectHints(hints, { rollup }));
  }
}

/** Queriers of `inner` with a plan's rollup hints (RollupSelects). */
export class RollupSelectsQueryable implements Queryable {
  constructor(
    private readonly inner: Queryable,
    private readonly hints: ReadonlyMap<VectorSelector, RollupHint>,
  ) {}

  querier(mint: number, maxt: number): Querier {
    const q = this.inner.querier(mint, maxt);
    return this.hints.size === 0 ? q : new RollupSelects(q, this.hints);
  }
}
