import { describe, expect, it } from 'vitest';
import type { SelectedSeries } from '../engine/eval-context.js';
import type { EvalJob } from '../engine/eval-job.js';
import { newGroupCells } from '../engine/group-cells.js';
import type { VectorSelector } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { evaluationCost } from './evaluation-cost.js';

function job(query: string, samples: readonly number[], interval: number): EvalJob {
  const expr = parseExpr(query);
  const series: SelectedSeries[] = samples.map((n, i) => {
    const ts = new Float64Array(n);
    return { labels: { __name__: 'x', i: String(i) }, ts, vs: ts, stale: null, rts: ts, rvs: ts };
  });
  const selections = new Map<VectorSelector, SelectedSeries[]>([[{} as VectorSelector, series]]);
  return {
    query, expr, start: 0, end: 3_600_000, interval, selections, infoSeries: new Map(), warnings: [], deadline: Infinity,
    settings: { lookbackDelta: 300_000, defaultSubqueryStep: 60_000, maxSamples: 1e9, seriesMajor: true },
  };
}

describe('evaluationCost', () => {
  it('counts the selected samples and, per step, the selected series and one', () => {
    // 61 steps of 60 s over an hour.
    expect(evaluationCost(job('sum(rate(x[5m]))', [240, 240, 100], 60_000))).toBe(580 + 61 * 4);
    expect(evaluationCost(job('x', [20], 0))).toBe(20 + 2);
    expect(evaluationCost(job('vector(1)', [], 60_000))).toBe(61);
  });

  it('counts, per step, the rows and the parts\' groups a split evaluation computed ahead', () => {
    const rows = { metrics: [{}, {}, {}], dropName: [], samples: new Float64Array(0), values: new Float64Array(0), present: new Uint8Array(0), warnings: [], infos: [] };
    const cells = newGroupCells('{}', {}, 61);
    const groups = { parts: [[cells, cells], [cells]], samples: new Float64Array(0), warnings: [], infos: [] };
    const joined = { ...job('sum(x) + count(y)', [], 60_000), rowMatrices: new Map([[parseExpr('x'), rows]]), groupParts: new Map([[parseExpr('count(y)'), groups]]) };
    expect(evaluationCost(joined)).toBe(61 * (3 + 3 + 1));
  });

  it('has no bound for an expression with a subquery anywhere in it', () => {
    expect(evaluationCost(job('1 + max_over_time(vector(1)[1d:1ms])', [], 0))).toBe(Number.POSITIVE_INFINITY);
    expect(evaluationCost(job('sum(rate(x[5m]))', [10], 0))).toBe(12);
  });
});
