import { PromqlParseError } from '../errors.js';
import type { Expr, ValueType } from './ast.js';
import { FUNCTIONS } from './function-signatures.js';
import { matchesEmpty } from './matchers-empty.js';

const TYPE_NAMES: Record<ValueType, string> = {
  scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string',
};

const COMPARISONS = new Set(['==', '!=', '<=', '<', '>=', '>']);
const SET_OPS = new Set(['and', 'or', 'unless']);

/** The value type an expression evaluates to (assumes it type-checks). */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'number': return 'scalar';
    case 'string': return 'string';
    case 'vector_selector': return 'vector';
    case 'matrix_selector': return 'matrix';
    case 'subquery': return 'matrix';
    case 'call': return FUNCTIONS.get(e.func)!.returns;
    case 'aggregate': return 'vector';
    case 'binary': return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary': return typeOf(e.expr);
    case 'paren': return typeOf(e.expr);
  }
}

/** Prometheus's semantic checks: operand types, argument counts and types, modifier rules. */
export function checkTypes(q: string, e: Expr): void {
  const fail = (node: Expr, msg: string): never => {
    throw new PromqlParseError(q, node.pos, msg);
  };
  const expectType = (node: Expr, want: ValueType, ctx: string) => {
    const got = typeOf(node);
    if (got !== want) fail(node, `expected type ${TYPE_NAMES[want]} in ${ctx}, got ${TYPE_NAMES[got]}`);
  };
  switch (e.type) {
    case 'number': case 'string':
      return;
    case 'matrix_selector':
      checkTypes(q, e.vector);
      return;
    case 'vector_selector':
      if (!e.matchers.some((m) => !matchesEmpty(m))) fail(e, 'vector selector must contain at least one non-empty matcher');
      return;
    case 'paren':
      checkTypes(q, e.expr);
      return;
    case 'subquery': {
      checkTypes(q, e.expr);
      const t = typeOf(e.expr);
      if (t !== 'vector') fail(e, `subquery is only allowed on instant vector, got ${TYPE_NAMES[t]} instead`);
      return;
    }
    case 'unary': {
      checkTypes(q, e.expr);
      const t = typeOf(e.expr);
      if (t !== 'scalar' && t !== 'vector') fail(e, `unary expression only allowed on expressions of type scalar or instant vector, got "${TYPE_NAMES[t]}"`);
      return;
    }
    case 'aggregate': {
      checkTypes(q, e.expr);
      if (e.param) checkTypes(q, e.param);
      expectType(e.expr, 'vector', 'aggregation expression');
      if (e.param) {
        if (e.op === 'count_values') expectType(e.param, 'string', 'aggregation parameter');
        else expectType(e.param, 'scalar', 'aggregation parameter');
      }
      return;
    }
    case 'call': {
      const sig = FUNCTIONS.get(e.func)!;
      const n = e.args.length;
      if (sig.variadic === 0 && n !== sig.args.length) {
        fail(e, `expected ${sig.args.length} argument(s) in call to "${e.func}", got ${n}`);
      }
      if (sig.variadic > 0) {
        const min = sig.args.length - sig.variadic;
        if (n < min) fail(e, `expected at least ${min} argument(s) in call to "${e.func}", got ${n}`);
        if (n > sig.args.length) fail(e, `expected at most ${sig.args.length} argument(s) in call to "${e.func}", got ${n}`);
      }
      if (sig.variadic < 0 && n < sig.args.length - 1) {
        fail(e, `expected at least ${sig.args.length - 1} argument(s) in call to "${e.func}", got ${n}`);
      }
      e.args.forEach((a, i) => {
        // info()'s second argument selects data labels; it may consist of empty-matching matchers.
        if (!(e.func === 'info' && i === 1 && a.type === 'vector_selector')) checkTypes(q, a);
        const want = sig.args[Math.min(i, sig.args.length - 1)];
        expectType(a, want, `call to function "${e.func}"`);
      });
      return;
    }
    case 'binary': {
      checkTypes(q, e.lhs);
      checkTypes(q, e.rhs);
      const lt = typeOf(e.lhs);
      const rt = typeOf(e.rhs);
      if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
        fail(e, 'binary expression must contain only scalar and instant vector types');
      }
      if (e.bool && !COMPARISONS.has(e.op)) fail(e, 'bool modifier can only be used on comparison operators');
      if (COMPARISONS.has(e.op) && !e.bool && lt === 'scalar' && rt === 'scalar') {
        fail(e, 'comparisons between scalars must use BOOL modifier');
      }
      if (SET_OPS.has(e.op) && (lt === 'scalar' || rt === 'scalar')) {
        fail(e, `set operator "${e.op}" not allowed in binary scalar expression`);
      }
      const m = e.matching;
      if (m && (lt !== 'vector' || rt !== 'vector')) {
        if (m.labels.length > 0 || m.on || m.card !== 'one-to-one' && m.card !== 'many-to-many') {
          fail(e, 'vector matching only allowed between instant vectors');
        }
      }
      if (m && (m.card === 'many-to-one' || m.card === 'one-to-many') && m.on) {
        for (const l of m.include) {
          if (m.labels.includes(l)) fail(e, `label "${l}" must not occur in ON and GROUP clause at once`);
        }
      }
      return;
    }
  }
}
