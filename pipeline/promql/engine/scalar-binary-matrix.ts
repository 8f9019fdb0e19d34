import type { BinaryExpr, Expr } from '../parser/ast.js';
import { ARITHMETIC, scalarOp } from './binary.js';
import { StepMatrix } from './step-matrix.js';

function unwrap(e: Expr): Expr {
  while (e.type === 'paren') e = e.expr;
  return e;
}

/**
 * `<number> <op> v` or `v <op> <number>` where v's matrix was computed series-major (`1 - max by
 * (instance) (...)`): the operator applied to every present cell, instead of to v's vector at
 * every step. Arithmetic and `bool` comparisons only: they keep every sample (in its order) and
 * drop the name, as vectorScalar does; a filtering comparison is left to the steps. Null when
 * neither side is such a pair.
 */
export function scalarBinaryMatrix(e: BinaryExpr, matrices: ReadonlyMap<Expr, StepMatrix>): StepMatrix | null {
  if (!ARITHMETIC.has(e.op) && !e.bool) return null;
  const lhs = unwrap(e.lhs);
  const rhs = unwrap(e.rhs);
  const swap = lhs.type === 'number';
  const scalar = swap ? lhs : rhs;
  if (scalar.type !== 'number') return null;
  const m = matrices.get(swap ? rhs : lhs);
  if (m === undefined) return null;
  const values = scalarCells(e.op, scalar.value, swap, m.values, m.present);
  return new StepMatrix(m.metrics, m.metrics.map(() => true), values, m.present, m.rowStride, m.samples, m.order);
}

/**
 * The cells' loop, apart from the checks above: each query's expression nodes are new objects
 * whose shapes the code above may not have seen (a deoptimization there each warm query), and
 * the loop over every cell keeps its optimized code whatever they are.
 */
function scalarCells(op: BinaryExpr['op'], s: number, swap: boolean, cells: Float64Array, present: Uint8Array): Float64Array {
  const values = new Float64Array(cells.length);
  for (let i = 0; i < present.length; i++) {
    if (present[i] === 0) continue;
    const x = cells[i];
    values[i] = swap ? scalarOp(op, s, x) : scalarOp(op, x, s);
  }
  return values;
}
