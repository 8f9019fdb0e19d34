import type { Call } from '../../parser/ast.js';
import { PromqlEvalError } from '../../errors.js';
import type { EvalContext } from '../eval-context.js';
import type { Value } from '../types.js';
import { ABSENT_FUNCTIONS } from './absent.js';
import type { FunctionImpl } from './function-impl.js';
import { HISTOGRAM_FUNCTIONS } from './histogram.js';
import { evalCallOverHistograms } from './histogram-inputs.js';
import { LABEL_FUNCTIONS } from './labels.js';
import { MATH_FUNCTIONS } from './math.js';
import { OVER_TIME_FUNCTIONS } from './over-time.js';
import { RATE_FUNCTIONS } from './rate.js';
import { SORT_FUNCTIONS } from './sort.js';
import { TIME_FUNCTIONS } from './time.js';
import { INFO_FUNCTIONS } from './info.js';
import { checkModifier } from './extended-range.js';
import { startTimestamp } from './start-timestamps.js';

export const FUNCTION_IMPLS: ReadonlyMap<string, FunctionImpl> = new Map(Object.entries({
  ...ABSENT_FUNCTIONS, ...HISTOGRAM_FUNCTIONS, ...LABEL_FUNCTIONS, ...MATH_FUNCTIONS,
  ...OVER_TIME_FUNCTIONS, ...RATE_FUNCTIONS, ...SORT_FUNCTIONS, ...TIME_FUNCTIONS, ...INFO_FUNCTIONS,
  start_timestamp: startTimestamp,
}));

function unwrap(e: Call['args'][number]) {
  while (e.type === 'paren') e = e.expr;
  return e;
}

export function evalCall(e: Call, t: number, ctx: EvalContext): Value {
  const impl = FUNCTION_IMPLS.get(e.func);
  if (!impl) throw new PromqlEvalError(`function "${e.func}" is not implemented`);
  const args = (e.func === 'info' ? e.args.slice(0, 1) : e.args).map((a) => ctx.eval(a, t));
  if (e.func === 'timestamp' && unwrap(e.args[0]).type !== 'vector_selector' && args[0].kind === 'vector') {
    // Only a bare selector reports its samples' own timestamps; anything else is "now".
    args[0] = { kind: 'vector', v: args[0].v.map((s) => ({ ...s, t })) };
  }
  for (const a of args) {
    if (a.kind === 'matrix' && a.modifier && !['rate', 'increase', 'delta', 'changes', 'resets'].includes(e.func)) {
      checkModifier(e.func, a.modifier);
    }
  }
  if ((e.func === 'changes' || e.func === 'resets') && args[0].kind === 'matrix' && args[0].modifier) checkModifier(e.func, args[0].modifier);
  if (ctx.hasHistograms) return evalCallOverHistograms(impl, args, e, t, ctx);
  return impl(args, e, t, ctx);
}
