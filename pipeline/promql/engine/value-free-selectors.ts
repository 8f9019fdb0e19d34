import type { Expr, VectorSelector } from '../parser/ast.js';
import { walk } from '../parser/walk.js';

/** Aggregations whose result depends on which series have a sample, never on its value. */
const PRESENCE_AGGREGATIONS = new Set(['count', 'group']);
/** Range functions that read how many samples a window holds, never their values. */
const PRESENCE_RANGE_FUNCTIONS = new Set(['count_over_time', 'present_over_time']);

function unwrap(e: Expr): Expr {
  while (e.type === 'paren') e = e.expr;
  return e;
}

/**
 * The instant selectors whose series only count where they are present: the direct operand of
 * `count`/`group`. Their selection asks the storage for presence summaries where series allow
 * (`SelectHints.presenceLookback`): `count by (job) ({job=~".+"})` over 20,000 series x 6 h
 * otherwise had 29 M timestamps written and handed over to learn one run of steps a series.
 * Not `smoothed` ones, which read the samples around each step.
 */
export function presenceSelectors(root: Expr): Set<VectorSelector> {
  const out = new Set<VectorSelector>();
  walk(root, (e) => {
    if (e.type !== 'aggregate' || !PRESENCE_AGGREGATIONS.has(e.op) || e.param !== null) return;
    const x = unwrap(e.expr);
    if (x.type === 'vector_selector' && !x.smoothed) out.add(x);
  });
  return out;
}

/**
 * The selectors whose sample values no operator reads: the direct operand of `count`/`group`, and
 * the range of `count_over_time`/`present_over_time`. Their selection asks the storage for
 * timestamps only (`SelectHints.timestampsOnly`), which spares decoding the values where the
 * chunk encoding allows it; `count by (job) ({job=~".+"})` over every series is the case.
 */
export function valueFreeSelectors(root: Expr): Set<VectorSelector> {
  const out = new Set<VectorSelector>();
  walk(root, (e) => {
    if (e.type === 'aggregate' && PRESENCE_AGGREGATIONS.has(e.op) && e.param === null) {
      const x = unwrap(e.expr);
      if (x.type === 'vector_selector') out.add(x);
    } else if (e.type === 'call' && PRESENCE_RANGE_FUNCTIONS.has(e.func) && e.args.length === 1) {
      const x = unwrap(e.args[0]);
      if (x.type === 'matrix_selector' && x.modifier === null) out.add(x.vector);
    }
  });
  return out;
}
