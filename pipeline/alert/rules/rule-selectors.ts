/**
 * What a rule expression reads: the matchers of every selector in it, and how far back before the
 * evaluation time its samples may lie (ranges, offsets, subquery spans, plus the lookback delta).
 * The window store keeps exactly that much of exactly those series.
 */
import type { DurationExpr, Expr } from '../../promql/index.js';
import type { LabelMatcher } from '../../tsdb/index.js';

export interface RuleSelectors {
  readonly matchers: readonly (readonly LabelMatcher[])[];
  /** Milliseconds before the evaluation time the oldest sample read may have. */
  readonly spanMs: number;
}

/** A duration as written; `step()`/`range()` count as zero for an instant evaluation. */
function durMs(d: DurationExpr | null): number {
  if (d === null) return 0;
  switch (d.kind) {
    case 'const': return d.ms;
    case 'step': case 'range': return 0;
    case 'neg': return -durMs(d.expr);
    case 'minmax': { const v = d.args.map(durMs); return d.fn === 'min_of' ? Math.min(...v) : Math.max(...v); }
    case 'binary': {
      const a = durMs(d.lhs) / 1000;
      const b = durMs(d.rhs) / 1000;
      const s = d.op === '+' ? a + b : d.op === '-' ? a - b : d.op === '*' ? a * b : d.op === '/' ? (b === 0 ? 0 : a / b)
        : d.op === '%' ? (b === 0 ? 0 : a % b) : a ** b;
      return Math.round(s * 1000);
    }
  }
}

const TARGET_INFO: readonly LabelMatcher[] = [{ type: '=', name: '__name__', value: 'target_info' }];

/**
 * Walks `expr`; `before` is how far back (ms) the enclosing subqueries already reach. Instant
 * selectors need the lookback delta behind their reference time, range selectors their range
 * (extended ranges also the lookback), subqueries their range plus one step.
 */
export function ruleSelectors(expr: Expr, lookbackMs: number, defaultSubqueryStepMs = 60_000): RuleSelectors {
  const matchers: (readonly LabelMatcher[])[] = [];
  let span = lookbackMs;
  const visit = (e: Expr, before: number): void => {
    switch (e.type) {
      case 'number': case 'string': return;
      case 'vector_selector':
        matchers.push(e.matchers);
        span = Math.max(span, before + durMs(e.offset) + lookbackMs);
        return;
      case 'matrix_selector':
        matchers.push(e.vector.matchers);
        span = Math.max(span, before + durMs(e.vector.offset) + durMs(e.range) + (e.modifier === null ? 0 : lookbackMs));
        return;
      case 'subquery': {
        const step = e.step === null ? defaultSubqueryStepMs : durMs(e.step);
        visit(e.expr, before + durMs(e.offset) + durMs(e.range) + step);
        return;
      }
      case 'paren': case 'unary': visit(e.expr, before); return;
      case 'call':
        if (e.func === 'info') matchers.push(TARGET_INFO);
        for (const a of e.args) visit(a, before);
        return;
      case 'aggregate':
        visit(e.expr, before);
        if (e.param) visit(e.param, before);
        return;
      case 'binary': visit(e.lhs, before); visit(e.rhs, before); return;
    }
  };
  visit(expr, 0);
  return { matchers, spanMs: span };
}
