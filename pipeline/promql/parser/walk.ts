import type { Expr } from './ast.js';

/** The direct sub-expressions of a node. */
export function children(e: Expr): Expr[] {
  switch (e.type) {
    case 'number': case 'string': case 'vector_selector': return [];
    case 'matrix_selector': return [e.vector];
    case 'subquery': case 'paren': case 'unary': return [e.expr];
    case 'call': return e.args;
    case 'aggregate': return e.param ? [e.param, e.expr] : [e.expr];
    case 'binary': return [e.lhs, e.rhs];
  }
}

/** Visits every node depth-first, parents before children. */
export function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  for (const c of children(e)) walk(c, visit);
}
