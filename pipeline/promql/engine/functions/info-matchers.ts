import type { LabelMatcher } from '../../../tsdb/querier.js';
import type { Call } from '../../parser/ast.js';

/** The `__name__` matchers choosing info metrics for an info() call (default: target_info). */
export function infoNameMatchers(call: Call): LabelMatcher[] {
  const sel = call.args[1];
  const named = sel && sel.type === 'vector_selector' ? sel.matchers.filter((m) => m.name === '__name__') : [];
  if (named.length === 0) return [{ type: '=', name: '__name__', value: 'target_info' }];
  // Only negative name matchers: they narrow the info metrics (`*_info`), not all series.
  if (!named.some((m) => m.type === '=' || m.type === '=~')) return [{ type: '=~', name: '__name__', value: '.+_info' }, ...named];
  return named;
}

/** The data-label matchers of an info() call (everything but `__name__`). */
export function infoDataMatchers(call: Call): LabelMatcher[] {
  const sel = call.args[1];
  return sel && sel.type === 'vector_selector' ? sel.matchers.filter((m) => m.name !== '__name__') : [];
}
