import type { Labels } from '../../../schemas/labels.js';
import type { BinaryExpr, Expr, VectorMatching, VectorSelector } from '../parser/ast.js';
import { ARITHMETIC, resultMetric, scalarOp, signature } from './binary.js';
import type { EvalContext } from './eval-context.js';
import { selectorRows, type RowSource } from './row-source.js';

const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);

const ONE_TO_ONE: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [], fillLeft: null, fillRight: null };

function plainSelector(e: Expr): VectorSelector | null {
  while (e.type === 'paren') e = e.expr;
  // `@` selections count their samples once per query, not per step: left to step-by-step evaluation.
  return e.type === 'vector_selector' && !e.smoothed && e.at === null ? e : null;
}

/**
 * `a <op> b` of two instant selectors with one-to-one matching, series-major: each left series
 * is paired once with the right series of its signature, and a row is computed for all steps in
 * one pass. Null (step-by-step evaluation) unless the answer is sure to be the same: an
 * arithmetic or comparison operator, no group_left/group_right or fill, and signatures unique on
 * each side over the whole query, so no step can hit a duplicate-series or many-to-one error.
 * Rows are the matched left series in selection order, as vectorVector emits them.
 */
export function binaryRows(root: Expr, ctx: EvalContext): RowSource | null {
  let e = root;
  while (e.type === 'paren') e = e.expr;
  if (e.type !== 'binary') return null;
  const arith = ARITHMETIC.has(e.op);
  if (!arith && !COMPARISONS.has(e.op)) return null;
  const m = e.matching ?? ONE_TO_ONE;
  if (m.card !== 'one-to-one' || m.include.length > 0 || m.fillLeft !== null || m.fillRight !== null) return null;
  const lvs = plainSelector(e.lhs);
  const rvs = plainSelector(e.rhs);
  if (lvs === null || rvs === null) return null;
  const lhs = selectorRows(lvs, ctx);
  const rhs = selectorRows(rvs, ctx);
  const right = new Map<string, number>();
  for (let j = 0; j < rhs.metrics.length; j++) {
    const sig = signature(e, m, rhs.metrics[j]);
    if (right.has(sig)) return null;
    right.set(sig, j);
  }
  const left = new Set<string>();
  const leftRow: number[] = [];
  const rightRow: number[] = [];
  const pairedRight = new Uint8Array(rhs.metrics.length);
  const unpairedLeft: number[] = [];
  for (let i = 0; i < lhs.metrics.length; i++) {
    const sig = signature(e, m, lhs.metrics[i]);
    if (left.has(sig)) return null;
    left.add(sig);
    const j = right.get(sig);
    if (j === undefined) {
      unpairedLeft.push(i);
      continue;
    }
    leftRow.push(i);
    rightRow.push(j);
    pairedRight[j] = 1;
  }
  return pairedRows(e, m, arith, lhs, rhs, leftRow, rightRow, unpairedLeft, pairedRight, ctx);
}

function pairedRows(
  e: BinaryExpr, m: VectorMatching, arith: boolean, lhs: RowSource, rhs: RowSource,
  leftRow: readonly number[], rightRow: readonly number[], unpairedLeft: readonly number[], pairedRight: Uint8Array, ctx: EvalContext,
): RowSource {
  const steps = ctx.steps;
  const samples = new Float64Array(steps);
  const rv = new Float64Array(steps);
  const rp = new Uint8Array(steps);
  // Both sides' selections are counted whole, matched or not, as step-by-step evaluation counts them.
  const countRow = (src: RowSource, r: number): void => {
    src.fillPresent!(r, rp);
    for (let k = 0; k < steps; k++) samples[k] += rp[k];
  };
  for (const i of unpairedLeft) countRow(lhs, i);
  for (let j = 0; j < pairedRight.length; j++) if (pairedRight[j] === 0) countRow(rhs, j);
  const metrics: Labels[] = leftRow.map((i, r) => resultMetric(e, m, lhs.metrics[i], rhs.metrics[rightRow[r]]));
  const op = e.op;
  // A filtering comparison keeps the left sample, name included; other results drop the name.
  const keep = !arith && !e.bool;
  return {
    metrics,
    dropName: metrics.map(() => !keep),
    samples,
    fill(r, values, present) {
      lhs.fill(leftRow[r], values, present);
      rhs.fill(rightRow[r], rv, rp);
      for (let k = 0; k < steps; k++) {
        samples[k] += present[k] + rp[k];
        if (present[k] === 0) continue;
        if (rp[k] === 0) {
          present[k] = 0;
          continue;
        }
        const v = scalarOp(op, values[k], rv[k]);
        if (!keep) values[k] = v;
        else if (v === 0) present[k] = 0;
      }
    },
  };
}
