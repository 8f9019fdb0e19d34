import type { AggregateExpr, Expr, VectorSelector } from '../parser/ast.js';
import type { EvalJob } from './eval-job.js';
import { rowSelector } from './row-source.js';
import { MAX_CELLS, rowAggregation } from './series-major.js';

function unwrap(e: Expr): Expr {
  while (e.type === 'paren') e = e.expr;
  return e;
}

/** An aggregation whose operand's rows the evaluation threads of a split query compute, each over a part of the series. */
export interface SplitOperand {
  readonly aggregation: AggregateExpr;
  readonly operand: Expr;
}

/**
 * The operands whose rows a range query's evaluation threads can compute side by side, each over
 * a part of the series: those of aggregations the series-major path computes from rows
 * (`sum by (mode) (rate(x[5m]))`, `count by (job) (x)`, `topk(5, rate(x[5m]))`), found as
 * precomputeSteps finds them. Null unless every selection is such an operand's: what is left
 * after them (an operator over aggregated groups, histogram_quantile over summed buckets) is
 * then cheap, whereas a selection read any other way would be computed by one thread anyway.
 */
export function splitOperands(job: EvalJob): SplitOperand[] | null {
  if (job.interval === 0 || !job.settings.seriesMajor || job.infoSeries.size > 0 || job.selections.size === 0) return null;
  const operands: SplitOperand[] = [];
  const covered = new Set<VectorSelector>();
  const visit = (e: Expr): void => {
    switch (e.type) {
      case 'paren': case 'unary': visit(e.expr); return;
      case 'call':
        // A range function read without an aggregation above it is computed whole (materialized).
        if (rowSelector(e) !== null) return;
        for (const a of e.func === 'info' ? e.args.slice(0, 1) : e.args) visit(a);
        return;
      case 'aggregate': {
        const vs = rowAggregation(e) === null ? null : rowSelector(e.expr);
        if (vs !== null) {
          operands.push({ aggregation: e, operand: unwrap(e.expr) });
          covered.add(vs);
          return;
        }
        visit(e.expr);
        if (e.param) visit(e.param);
        return;
      }
      case 'binary': visit(e.lhs); visit(e.rhs); return;
      // Subqueries evaluate their body at their own times: not split.
      default: return;
    }
  };
  visit(job.expr);
  const steps = Math.floor((job.end - job.start) / job.interval) + 1;
  for (const [vs, series] of job.selections) {
    // Past MAX_CELLS the aggregation would run step by step, reading the selection itself.
    if (!covered.has(vs) || series.length * steps > MAX_CELLS) return null;
  }
  return operands;
}
