import type { Labels } from '../../../../schemas/labels.js';
import type { Expr } from '../../parser/ast.js';
import { argMatrix, argVector, vec, type FunctionImpl } from './function-impl.js';

/** Labels `absent()` reports: the selector's equality matchers, except duplicated names. */
function absentLabels(e: Expr): Labels {
  while (e.type === 'paren') e = e.expr;
  const sel = e.type === 'vector_selector' ? e : e.type === 'matrix_selector' ? e.vector : null;
  if (!sel) return {};
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !seen.has(m.name)) {
      out[m.name] = m.value;
      seen.add(m.name);
    } else if (seen.has(m.name)) {
      delete out[m.name];
    }
  }
  return out;
}

const cache = new WeakMap<Expr, Labels>();
function cachedLabels(e: Expr): Labels {
  let l = cache.get(e);
  if (!l) {
    l = absentLabels(e);
    cache.set(e, l);
  }
  return l;
}

export const ABSENT_FUNCTIONS: Record<string, FunctionImpl> = {
  absent: (args, call, t) => {
    if (argVector(args[0]).length > 0) return vec([]);
    return vec([{ metric: cachedLabels(call.args[0]), f: 1, t, dropName: false }]);
  },
  absent_over_time: (args, call, t) => {
    if (argMatrix(args[0]).windows.some((w) => w.hi > w.lo)) return vec([]);
    return vec([{ metric: cachedLabels(call.args[0]), f: 1, t, dropName: false }]);
  },
  scalar: (args) => {
    const v = argVector(args[0]);
    return { kind: 'scalar', v: v.length === 1 ? v[0].f : NaN };
  },
  vector: (args, _call, t) => vec([{ metric: {}, f: args[0].kind === 'scalar' ? args[0].v : NaN, t, dropName: false }]),
  pi: () => ({ kind: 'scalar', v: Math.PI }),
};
