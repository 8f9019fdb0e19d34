import type { LabelMatcher } from '../../tsdb/querier.js';
import { compileSelectorRegexp } from '../../../schemas/regexp/index.js';

/** Whether a matcher accepts the empty string (a label the series lacks). */
export function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case '=': return m.value === '';
    case '!=': return m.value !== '';
    case '=~': return compileSelectorRegexp(m.value).test('');
    case '!~': return !compileSelectorRegexp(m.value).test('');
  }
}
