import type { Labels } from '../../../schemas/labels.js';
import type { AggregateExpr, Expr } from '../parser/ast.js';
import { groupingCache, groupOfLabels, type GroupInfo } from './aggregate.js';
import { binaryRows } from './binary-rows.js';
import { CountRuns } from './count-runs.js';
import type { EvalContext } from './eval-context.js';
import { mergeGroupParts, newGroupCells, type GroupCells, type GroupParts } from './group-cells.js';
import { rowSource, windowRows, type RowSource } from './row-source.js';
import { scalarBinaryMatrix } from './scalar-binary-matrix.js';
import { StepMatrix } from './step-matrix.js';

/**
 * Series-major evaluation of a range query's hot nodes. Before the steps run, every node of a
 * supported shape (a range function over a plain range selector, an operator between two plain
 * selectors (binary-rows.ts), an aggregation over any of these or a plain selector, topk/bottomk
 * over one, an operator between a number and such a node (scalar-binary-matrix.ts)) is computed
 * for all steps at once: each series is read in one pass and written into per-step cells, and
 * aggregations accumulate into per-group, per-step cells; grouping keys are computed once per
 * series. The step-by-step evaluator then reads those nodes' vectors from the matrices (see
 * evaluator.ts), so results, their order, annotations and sample counts are the ones
 * step-by-step evaluation gives.
 */
export function precomputeSteps(root: Expr, ctx: EvalContext): Map<Expr, StepMatrix> {
  const out = new Map<Expr, StepMatrix>();
  visit(root, ctx, out);
  return out;
}

/** Most cells (series x steps) materialized for one node; larger nodes run step by step. */
export const MAX_CELLS = 16_000_000;

function visit(e: Expr, ctx: EvalContext, out: Map<Expr, StepMatrix>): void {
  const m = nodeMatrix(e, ctx);
  if (m !== null) {
    out.set(e, m);
    return;
  }
  switch (e.type) {
    case 'paren': case 'unary': visit(e.expr, ctx, out); return;
    case 'call':
      // info()'s second argument is no selection of its own.
      for (const a of e.func === 'info' ? e.args.slice(0, 1) : e.args) visit(a, ctx, out);
      return;
    case 'aggregate':
      visit(e.expr, ctx, out);
      if (e.param) visit(e.param, ctx, out);
      return;
    case 'binary': {
      visit(e.lhs, ctx, out);
      visit(e.rhs, ctx, out);
      const m = scalarBinaryMatrix(e, out);
      if (m !== null) out.set(e, m);
      return;
    }
    // Subqueries evaluate their body at their own times; selectors are cheap step by step.
    default: return;
  }
}

function nodeMatrix(e: Expr, ctx: EvalContext): StepMatrix | null {
  if (e.type === 'call' || e.type === 'binary') {
    const src = e.type === 'call' ? windowRows(e, ctx) : binaryRows(e, ctx);
    return src === null ? null : materialize(src, ctx);
  }
  if (e.type !== 'aggregate') return null;
  const ahead = ctx.groupParts?.get(e);
  if (ahead !== undefined) return mergedMatrix(e, ahead, ctx);
  const kind = rowAggregation(e);
  if (kind === null) return null;
  const src = rowSource(e.expr, ctx) ?? binaryRows(e.expr, ctx);
  if (src === null) return null;
  return kind === 'aggregate' ? aggregate(e, src, ctx) : topk(e, src, topkParam(e), ctx);
}

/**
 * How the series-major path computes aggregation `e` from its operand's rows: accumulating them
 * per group ('aggregate'), keeping the best k per group ('topk'), or not at all (null).
 */
export function rowAggregation(e: AggregateExpr): 'aggregate' | 'topk' | null {
  // Grouping by the name of samples whose name is being dropped stays on the step-by-step path.
  if (!e.without && e.grouping.includes('__name__')) return null;
  if (AGGREGATIONS.has(e.op) && e.param === null) return 'aggregate';
  // Other parameters (NaN, too large, below 1, or computed) take the step-by-step path.
  if ((e.op === 'topk' || e.op === 'bottomk') && e.param !== null && topkParam(e) >= 1) return 'topk';
  return null;
}

/** topk/bottomk's literal k, truncated; NaN when the parameter is no number below 2^63. */
function topkParam(e: AggregateExpr): number {
  let p = e.param!;
  while (p.type === 'paren') p = p.expr;
  return p.type === 'number' && p.value < 2 ** 63 ? Math.trunc(p.value) : NaN;
}

/** Fills every row of a source into one rows x steps matrix (row-major). */
function materialize(src: RowSource, ctx: EvalContext): StepMatrix | null {
  const rows = src.metrics.length;
  const steps = ctx.steps;
  if (rows * steps > MAX_CELLS) return null;
  const values = new Float64Array(rows * steps);
  const present = new Uint8Array(rows * steps);
  for (let r = 0; r < rows; r++) {
    if ((r & 255) === 0) ctx.checkAbort('query evaluation');
    src.fill(r, values.subarray(r * steps, (r + 1) * steps), present.subarray(r * steps, (r + 1) * steps));
  }
  return new StepMatrix(src.metrics, src.dropName, values, present, steps, src.samples, null);
}

const AGGREGATIONS = new Set(['sum', 'avg', 'count', 'group', 'min', 'max', 'stddev', 'stdvar']);

function aggregate(e: AggregateExpr, src: RowSource, ctx: EvalContext): StepMatrix | null {
  const groups = groupRows(e, src, ctx);
  return groups === null ? null : groupsMatrix(e.op, groups, src.samples, ctx.steps);
}

/**
 * Accumulates every row of `src` into its group of aggregation `e` (groups in first-appearance
 * order), numbering the rows from `firstRow` on (a split part's place among all rows); null when
 * the groups' cells would pass MAX_CELLS.
 */
export function groupRows(e: AggregateExpr, src: RowSource, ctx: EvalContext, firstRow = 0): GroupCells[] | null {
  const steps = ctx.steps;
  const rows = src.metrics.length;
  const gc = groupingCache(e, ctx);
  const index = new Map<GroupInfo, number>();
  const groups: GroupCells[] = [];
  const vals = new Float64Array(steps);
  const pres = new Uint8Array(steps);
  const op = e.op;
  const counting = op === 'count' || op === 'group';
  // count and group: rows present at one run of steps are added at its ends (count-runs.ts).
  const runs: CountRuns[] = [];
  const span = new Int32Array(2);
  for (let r = 0; r < rows; r++) {
    if ((r & 255) === 0) ctx.checkAbort('query evaluation');
    const info = groupOfLabels(e, src.metrics[r], gc);
    let gi = index.get(info);
    if (gi === undefined) {
      if ((groups.length + 1) * steps > MAX_CELLS) return null;
      gi = groups.length;
      index.set(info, gi);
      groups.push(newGroupCells(info.key, info.labels, steps));
      if (counting) runs.push(new CountRuns(groups[gi], steps));
    }
    if (src.dropName[r]) groups[gi].dropName = true;
    if (counting) {
      if (src.presentSpan !== undefined && src.presentSpan(r, span)) {
        if (runs[gi].add(firstRow + r, span[0], span[1])) continue;
        pres.fill(0, 0, span[0]);
        pres.fill(1, span[0], span[1]);
        pres.fill(0, span[1], steps);
      } else {
        runs[gi].flush();
        if (src.fillPresent !== undefined) src.fillPresent(r, pres);
        else src.fill(r, vals, pres);
      }
      countPresent(groups[gi], firstRow + r, pres, steps);
      continue;
    }
    src.fill(r, vals, pres);
    if (op === 'sum') accumulateSum(groups[gi], firstRow + r, vals, pres, steps);
    else accumulate(op, groups[gi], firstRow + r, vals, pres, steps);
  }
  for (const run of runs) run.flush();
  return groups;
}

/** The aggregation's vectors at every step from its groups' cells. */
function groupsMatrix(op: string, groups: readonly GroupCells[], samples: Float64Array, steps: number): StepMatrix {
  const g = groups.length;
  const values = new Float64Array(g * steps);
  const present = new Uint8Array(g * steps);
  for (let gi = 0; gi < g; gi++) {
    const cells = groups[gi];
    for (let k = 0; k < steps; k++) {
      const n = cells.count[k];
      if (n === 0) continue;
      present[gi * steps + k] = 1;
      values[gi * steps + k] = finalValue(op, cells, k, n);
    }
  }
  const order = (k: number): number[] => {
    const ids: number[] = [];
    for (let gi = 0; gi < g; gi++) if (present[gi * steps + k] === 1) ids.push(gi);
    if (ids.length > 1) ids.sort((a, b) => groups[a].first[k] - groups[b].first[k]);
    return ids;
  };
  return new StepMatrix(groups.map((x) => x.labels), groups.map((x) => x.dropName), values, present, steps, samples, order);
}

/** An aggregation whose groups the split evaluation's threads computed over their parts of the rows. */
function mergedMatrix(e: AggregateExpr, ahead: GroupParts, ctx: EvalContext): StepMatrix {
  for (const w of ahead.warnings) ctx.warnings.add(w);
  for (const i of ahead.infos) ctx.infos.add(i);
  return groupsMatrix(e.op, mergeGroupParts(e.op, ahead.parts, ctx.steps), ahead.samples, ctx.steps);
}

/** `count` and `group`: only the steps where the row is present count (finalValue reads no value). */
function countPresent(g: GroupCells, r: number, pres: Uint8Array, steps: number): void {
  const { count, first } = g;
  for (let k = 0; k < steps; k++) {
    if (pres[k] === 0) continue;
    if (count[k] === 0) first[k] = r;
    count[k]++;
  }
}

/** `sum`: accumulate's arithmetic for it, without choosing the operator at every step (the dashboards' aggregation). */
function accumulateSum(g: GroupCells, r: number, vals: Float64Array, pres: Uint8Array, steps: number): void {
  const { count, value, c, mean, first } = g;
  for (let k = 0; k < steps; k++) {
    if (pres[k] === 0) continue;
    const f = vals[k];
    const n = count[k];
    if (n === 0) {
      count[k] = 1;
      first[k] = r;
      value[k] = f;
      c[k] = 0;
      mean[k] = f;
      continue;
    }
    count[k] = n + 1;
    const sum = value[k];
    const t = sum + f;
    if (t === Infinity || t === -Infinity) c[k] = 0;
    else if (Math.abs(sum) >= Math.abs(f)) c[k] += (sum - t) + f;
    else c[k] += (f - t) + sum;
    value[k] = t;
  }
}

/** Adds one input row to its group at every step, with evalAggregate's arithmetic. */
function accumulate(op: string, g: GroupCells, r: number, vals: Float64Array, pres: Uint8Array, steps: number): void {
  const { count, value, c, mean } = g;
  for (let k = 0; k < steps; k++) {
    if (pres[k] === 0) continue;
    const f = vals[k];
    const n = count[k];
    if (n === 0) {
      count[k] = 1;
      g.first[k] = r;
      value[k] = op === 'group' ? 1 : (op === 'stddev' || op === 'stdvar') ? (Number.isFinite(f) ? 0 : NaN) : f;
      c[k] = 0;
      mean[k] = f;
      continue;
    }
    count[k] = n + 1;
    // `sum` has accumulateSum.
    switch (op) {
      case 'avg': avgStep(g, k, f); break;
      case 'max': if (value[k] < f || Number.isNaN(value[k])) value[k] = f; break;
      case 'min': if (value[k] > f || Number.isNaN(value[k])) value[k] = f; break;
      case 'stddev': case 'stdvar': {
        const delta = f - mean[k];
        mean[k] += delta / (n + 1);
        value[k] += delta * (f - mean[k]);
        break;
      }
      default: break;
    }
  }
}

function kahan(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  return [t, c];
}

/** evalAggregate's avgInc on one cell (count already incremented). */
function avgStep(g: GroupCells, k: number, f: number): void {
  const count = g.count[k];
  if (g.incremental[k] === 0) {
    const [s, c] = kahan(f, g.value[k], g.c[k]);
    if (s !== Infinity && s !== -Infinity) {
      g.value[k] = s;
      g.c[k] = c;
      return;
    }
    g.incremental[k] = 1;
    g.mean[k] = g.value[k] / (count - 1);
    g.c[k] /= count - 1;
  }
  const mean = g.mean[k];
  if (mean === Infinity || mean === -Infinity) {
    if ((f === Infinity || f === -Infinity) && (mean > 0) === (f > 0)) return;
    if (Number.isFinite(f)) return;
  }
  const cur = mean + g.c[k];
  const [s, c] = kahan(f / count - cur / count, mean, g.c[k]);
  g.mean[k] = s;
  g.c[k] = c;
}

function finalValue(op: string, g: GroupCells, k: number, n: number): number {
  switch (op) {
    case 'sum': return g.value[k] + g.c[k];
    case 'avg': return g.incremental[k] === 1 ? g.mean[k] + g.c[k] : (g.value[k] + g.c[k]) / n;
    case 'count': return n;
    case 'group': return 1;
    case 'stdvar': return g.value[k] / n;
    case 'stddev': return Math.sqrt(g.value[k] / n);
    default: return g.value[k];
  }
}

/**
 * topk/bottomk per step with kAggregate's heap (Go's container/heap) run on row numbers, so ties
 * and output order match. Rows are read one at a time and offered to every step's heap (each
 * step's heap sees the rows in ascending order, as step by step); only the winners are kept, so
 * no rows x steps matrix is built.
 */
function topk(e: AggregateExpr, src: RowSource, k: number, ctx: EvalContext): StepMatrix | null {
  const rows = src.metrics.length;
  const steps = ctx.steps;
  if (rows * steps > MAX_CELLS) return null;
  const gc = groupingCache(e, ctx);
  const groupIndex = new Map<GroupInfo, number>();
  const groupOf = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const info = groupOfLabels(e, src.metrics[r], gc);
    let gi = groupIndex.get(info);
    if (gi === undefined) groupIndex.set(info, (gi = groupIndex.size));
    groupOf[r] = gi;
  }
  const groups = groupIndex.size;
  const top = e.op === 'topk';
  // Heap of (step s, group g) at s * groups + g: row numbers and their values at step s.
  const heapRows: (number[] | undefined)[] = new Array(steps * groups);
  const heapVals: (number[] | undefined)[] = new Array(steps * groups);
  // Per step, groups in order of their first row (kAggregate's output order).
  const seen: number[][] = Array.from({ length: steps }, () => []);
  const vals = new Float64Array(steps);
  const pres = new Uint8Array(steps);
  for (let r = 0; r < rows; r++) {
    if ((r & 255) === 0) ctx.checkAbort('query evaluation');
    src.fill(r, vals, pres);
    const gi = groupOf[r];
    for (let s = 0; s < steps; s++) {
      if (pres[s] === 0) continue;
      const f = vals[s];
      const hi = s * groups + gi;
      let hr = heapRows[hi];
      let hv = heapVals[hi];
      if (hr === undefined || hv === undefined) {
        hr = heapRows[hi] = [];
        hv = heapVals[hi] = [];
        seen[s].push(gi);
      }
      if (hr.length < k) {
        hr.push(r);
        hv.push(f);
        heapUp(hr, hv, hr.length - 1, top);
        continue;
      }
      const f0 = hv[0];
      if ((top ? f0 < f : f0 > f) || (Number.isNaN(f0) && !Number.isNaN(f))) {
        hr[0] = r;
        hv[0] = f;
        if (k > 1) heapDown(hr, hv, hr.length, top);
      }
    }
  }
  // Winners per step, best first within each group; then the rows that ever won, compacted.
  const winnerRows: number[][] = new Array(steps);
  const winnerVals: number[][] = new Array(steps);
  const won = new Uint8Array(rows);
  for (let s = 0; s < steps; s++) {
    const outRows: number[] = [];
    const outVals: number[] = [];
    for (const gi of seen[s]) {
      const hr = heapRows[s * groups + gi]!;
      const hv = heapVals[s * groups + gi]!;
      const idx = hr.map((_, i) => i);
      // Best first; ties keep their heap order (a stable sort), as step-by-step evaluation does.
      idx.sort((a, b) => (less(hv, a, b, top) ? 1 : less(hv, b, a, top) ? -1 : 0));
      for (const i of idx) {
        outRows.push(hr[i]);
        outVals.push(hv[i]);
        won[hr[i]] = 1;
      }
    }
    winnerRows[s] = outRows;
    winnerVals[s] = outVals;
  }
  const compact = new Int32Array(rows);
  const metrics: Labels[] = [];
  const dropName: boolean[] = [];
  for (let r = 0; r < rows; r++) {
    if (won[r] === 0) continue;
    compact[r] = metrics.length;
    metrics.push(src.metrics[r]);
    dropName.push(src.dropName[r]);
  }
  const values = new Float64Array(metrics.length * steps);
  const present = new Uint8Array(metrics.length * steps);
  const order: Int32Array[] = new Array(steps);
  for (let s = 0; s < steps; s++) {
    const wr = winnerRows[s];
    const o = new Int32Array(wr.length);
    for (let i = 0; i < wr.length; i++) {
      const c = compact[wr[i]];
      o[i] = c;
      values[c * steps + s] = winnerVals[s][i];
      present[c * steps + s] = 1;
    }
    order[s] = o;
  }
  return new StepMatrix(metrics, dropName, values, present, steps, src.samples, (s) => order[s]);
}

/** kAggregate's less on heap positions i and j of one step's values. */
function less(hv: number[], i: number, j: number, top: boolean): boolean {
  const fa = hv[i];
  const fb = hv[j];
  return (Number.isNaN(fa) && !Number.isNaN(fb)) || (top ? fa < fb : fa > fb);
}

function swap(hr: number[], hv: number[], i: number, j: number): void {
  const r = hr[i];
  hr[i] = hr[j];
  hr[j] = r;
  const v = hv[i];
  hv[i] = hv[j];
  hv[j] = v;
}

function heapUp(hr: number[], hv: number[], j0: number, top: boolean): void {
  let j = j0;
  while (j > 0) {
    const i = ((j - 1) / 2) | 0;
    if (i === j || !less(hv, j, i, top)) break;
    swap(hr, hv, i, j);
    j = i;
  }
}

function heapDown(hr: number[], hv: number[], n: number, top: boolean): void {
  let i = 0;
  while (true) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(hv, j2, j1, top)) j = j2;
    if (!less(hv, j, i, top)) break;
    swap(hr, hv, i, j);
    i = j;
  }
}
