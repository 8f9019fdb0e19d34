import type { LabelMatcher } from '../../tsdb/querier.js';
import { compileAnchored } from '../../../schemas/go-regexp.js';

/** Whether a matcher accepts the empty string (a label the series lacks). */
export function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case '=': return m.value === '';
    case '!=': return m.value !== '';
    case '=~': return compileAnchored(m.value).test('');
    case '!~': return !compileAnchored(m.value).test('');
  }
}
