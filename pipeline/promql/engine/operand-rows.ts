import type { Expr } from '../parser/ast.js';
import type { AbortProbe } from './eval-context.js';
import { jobContext, type EvalJob } from './eval-job.js';
import { rowSource } from './row-source.js';

/**
 * A part of a split operand (split-operands.ts): the job's selection for the operand holds the
 * part's series, whose rows go to `values`/`present` (the whole operand's row matrix, steps
 * cells a row) from row `at` on.
 */
export interface OperandPart {
  readonly operand: Expr;
  readonly at: number;
  readonly values: Float64Array;
  readonly present: Uint8Array;
}

/** What computing a part's rows gave besides the cells: what RowMatrix takes from each part, in part order. */
export interface PartRows {
  readonly dropName: boolean[];
  readonly samples: Float64Array;
  readonly warnings: string[];
  readonly infos: string[];
}

/** Computes the rows of each part of `job` (its selections hold the parts' series) into their row matrices. */
export function fillOperandRows(job: EvalJob, parts: readonly OperandPart[], signal?: AbortProbe): PartRows[] {
  return parts.map((p) => {
    // A context per operand: its annotations are the ones computing it alone gives.
    const ctx = jobContext(job, signal);
    const src = rowSource(p.operand, ctx);
    if (src === null) throw new Error(`a split operand has no rows: ${p.operand.type} in ${job.query}`);
    const steps = ctx.steps;
    for (let r = 0; r < src.metrics.length; r++) {
      if ((r & 255) === 0) ctx.checkAbort('query evaluation');
      const at = (p.at + r) * steps;
      src.fill(r, p.values.subarray(at, at + steps), p.present.subarray(at, at + steps));
    }
    return { dropName: [...src.dropName], samples: src.samples, warnings: [...ctx.warnings], infos: [...ctx.infos] };
  });
}
