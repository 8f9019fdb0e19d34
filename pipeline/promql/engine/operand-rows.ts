import type { Labels } from '../../../schemas/labels.js';
import type { AggregateExpr, Expr } from '../parser/ast.js';
import { groupingCache, groupOfLabels } from './aggregate.js';
import type { AbortProbe, EvalContext } from './eval-context.js';
import { jobContext, type EvalJob } from './eval-job.js';
import type { GroupCells } from './group-cells.js';
import { rowSource, type RowSource } from './row-source.js';
import { groupRows, rowAggregation } from './series-major.js';

/**
 * A part of a split operand (split-operands.ts) of `aggregation`: the job's selection for the
 * operand holds the part's series, whose rows go to `values`/`present` (the whole operand's row
 * matrix, steps cells a row) from row `at` on. When `grouped`, the part accumulates its rows into
 * the aggregation's groups instead (one of MERGEABLE_AGGREGATIONS: the parts' groups merge
 * exactly), and `values`/`present` are empty.
 */
export interface OperandPart {
  readonly operand: Expr;
  readonly aggregation: AggregateExpr;
  readonly grouped: boolean;
  readonly at: number;
  readonly values: Float64Array;
  readonly present: Uint8Array;
}

/** The aggregation's group of each row of a part: `of[r]` indexes `labels` and `keys`. */
export interface RowGroups {
  readonly labels: Labels[];
  readonly keys: string[];
  readonly of: Int32Array;
}

/** What computing a part's rows gave besides the cells: what RowMatrix takes from each part, in part order. */
export interface PartRows {
  readonly dropName: boolean[];
  readonly samples: Float64Array;
  readonly warnings: string[];
  readonly infos: string[];
  /** The part's groups, when the part is `grouped`. */
  readonly groups: GroupCells[] | null;
  /** The group of each written row, when the aggregation only groups its rows (not topk/bottomk). */
  readonly rowGroups: RowGroups | null;
}

/** Computes the rows of each part of `job` (its selections hold the parts' series) into their row matrices or groups. */
export function fillOperandRows(job: EvalJob, parts: readonly OperandPart[], signal?: AbortProbe): PartRows[] {
  return parts.map((p) => {
    // A context per operand: its annotations are the ones computing it alone gives.
    const ctx = jobContext(job, signal);
    const src = rowSource(p.operand, ctx);
    if (src === null) throw new Error(`a split operand has no rows: ${p.operand.type} in ${job.query}`);
    if (p.grouped) {
      const groups = groupRows(p.aggregation, src, ctx, p.at);
      // splitOperands keeps rows x steps within MAX_CELLS, and groups are no more than rows.
      if (groups === null) throw new Error(`a split aggregation's groups exceed the cell limit in ${job.query}`);
      return { dropName: [], samples: src.samples, warnings: [...ctx.warnings], infos: [...ctx.infos], groups, rowGroups: null };
    }
    const steps = ctx.steps;
    for (let r = 0; r < src.metrics.length; r++) {
      if ((r & 255) === 0) ctx.checkAbort('query evaluation');
      const at = (p.at + r) * steps;
      src.fill(r, p.values.subarray(at, at + steps), p.present.subarray(at, at + steps));
    }
    const rowGroups = rowAggregation(p.aggregation) === 'aggregate' ? groupsOfRows(p.aggregation, src, ctx) : null;
    return { dropName: [...src.dropName], samples: src.samples, warnings: [...ctx.warnings], infos: [...ctx.infos], groups: null, rowGroups };
  });
}

/** Each row's group of `e`, computed where the row is (the thread that finishes the aggregation then needs no series labels). */
function groupsOfRows(e: AggregateExpr, src: RowSource, ctx: EvalContext): RowGroups {
  const gc = groupingCache(e, ctx);
  const index = new Map<string, number>();
  const labels: Labels[] = [];
  const keys: string[] = [];
  const of = new Int32Array(src.metrics.length);
  for (let r = 0; r < src.metrics.length; r++) {
    const g = groupOfLabels(e, src.metrics[r], gc);
    let i = index.get(g.key);
    if (i === undefined) {
      i = labels.push(g.labels) - 1;
      keys.push(g.key);
      index.set(g.key, i);
    }
    of[r] = i;
  }
  return { labels, keys, of };
}
