import { describe, expect, it } from 'vitest';
import { parseExpr } from '../parser/parser.js';
import { walk } from '../parser/walk.js';
import type { VectorSelector } from '../parser/ast.js';
import type { SelectedSeries } from './eval-context.js';
import type { EvalJob } from './eval-job.js';
import { splitOperands, type SplitOperand } from './split-operands.js';

const one: SelectedSeries = { labels: { __name__: 'x' }, ts: [0], vs: [1], stale: null, rts: [0], rvs: [1] };

/** A range query over every selector of `query`, each selecting `rows` series, at `steps` steps. */
function job(query: string, { rows = 1, steps = 10, interval = 60_000, seriesMajor = true } = {}): EvalJob {
  const expr = parseExpr(query);
  const selections = new Map<VectorSelector, SelectedSeries[]>();
  walk(expr, (e) => { if (e.type === 'vector_selector') selections.set(e, Array.from({ length: rows }, () => one)); });
  return {
    query, expr, start: 0, end: (steps - 1) * interval, interval, selections, infoSeries: new Map(), warnings: [], deadline: Infinity,
    settings: { lookbackDelta: 300_000, defaultSubqueryStep: 60_000, maxSamples: 1e9, seriesMajor },
  };
}

const shapes = (ops: SplitOperand[] | null) => ops?.map(({ operand: o }) => (o.type === 'call' ? o.func : o.type)) ?? null;

describe('splitOperands', () => {
  it('finds the operands of aggregations computed from rows, under whatever is above them', () => {
    expect(shapes(splitOperands(job('sum by (mode) (rate(x[5m]))')))).toEqual(['rate']);
    expect(shapes(splitOperands(job('count by (job) ({job=~"n.*"})')))).toEqual(['vector_selector']);
    expect(shapes(splitOperands(job('topk(5, sum by (instance) ((rate(x[5m]))))')))).toEqual(['rate']);
    expect(shapes(splitOperands(job('histogram_quantile(0.99, sum by (le) (rate(b[5m])))')))).toEqual(['rate']);
    expect(shapes(splitOperands(job('sum(rate(a[5m])) / sum(increase(b[5m]))')))).toEqual(['rate', 'increase']);
    expect(shapes(splitOperands(job('bottomk(2, avg_over_time(x[5m]))')))).toEqual(['avg_over_time']);
  });

  it('splits nothing when a selection is read another way, or the query is no series-major range query', () => {
    for (const q of [
      'rate(x[5m])', // materialized whole, no aggregation above it
      'sum(rate(x[5m]) * 2)',
      'sum(rate(a[5m])) + count(b > 0)',
      'quantile(0.5, x)',
      'topk(scalar(y), x)',
      'sum by (__name__) (x)',
      'max_over_time(sum(x)[10m:1m])',
      'sum(deriv(x[5m]))',
    ]) expect(splitOperands(job(q)), q).toBeNull();
    expect(splitOperands(job('sum(x)', { interval: 0, steps: 1 }))).toBeNull();
    expect(splitOperands(job('sum(x)', { seriesMajor: false }))).toBeNull();
  });

  it('splits nothing the aggregation would compute step by step for its size', () => {
    expect(splitOperands(job('sum(x)', { rows: 1000, steps: 16_000 }))).not.toBeNull();
    expect(splitOperands(job('sum(x)', { rows: 1001, steps: 16_000 }))).toBeNull();
  });
});
