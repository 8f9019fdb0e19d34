import type { EvalJob } from '../engine/eval-job.js';
import type { Expr } from '../parser/ast.js';
import { children } from '../parser/walk.js';

/**
 * A rough bound on the work of evaluating `job`, in sample reads and per-step series visits: the
 * selected samples plus, per evaluation step, the selected series, the rows and the parts'
 * groups computed ahead by a split evaluation (and one for expressions that select nothing). A job with a subquery is unbounded here: its inner steps, not the query's,
 * set its cost (`max_over_time(vector(1)[1d:1ms])` selects nothing and computes for seconds).
 */
export function evaluationCost(job: EvalJob): number {
  if (hasSubquery(job.expr)) return Number.POSITIVE_INFINITY;
  let samples = 0;
  let series = 0;
  for (const list of [...job.selections.values(), ...job.infoSeries.values()]) {
    series += list.length;
    for (const s of list) samples += s.ts.length;
  }
  for (const m of job.rowMatrices?.values() ?? []) series += m.metrics.length;
  for (const g of job.groupParts?.values() ?? []) for (const part of g.parts) series += part.length;
  const steps = job.interval === 0 ? 1 : Math.floor((job.end - job.start) / job.interval) + 1;
  return samples + steps * (series + 1);
}

/** Whether `e` holds a subquery (iterative: expressions nest as deep as the parser allows). */
function hasSubquery(e: Expr): boolean {
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.type === 'subquery') return true;
    stack.push(...children(x));
  }
  return false;
}
