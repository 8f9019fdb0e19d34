import { InvalidMatcherError } from '../errors.js';
import type { LabelMatcher } from '../querier.js';

/** A matcher compiled to a predicate over one label value (absent label = empty string). */
export interface CompiledMatcher {
  readonly name: string;
  readonly type: LabelMatcher['type'];
  readonly value: string;
  matches(value: string): boolean;
  /** Whether the empty string matches: then the matcher also selects series without the label. */
  readonly matchesEmpty: boolean;
}

const LITERAL_ALTERNATION = /^[a-zA-Z0-9_:\-. /]+(\|[a-zA-Z0-9_:\-. /]+)*$/;

/**
 * Compiles a matcher. Regular expressions are anchored (`^(?:re)$`) and `.` matches newlines, as
 * in Prometheus; a plain `a|b|c` alternation becomes a set lookup, `.*` a constant.
 */
export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  let positive: (v: string) => boolean;
  if (m.type === '=' || m.type === '!=') {
    const want = m.value;
    positive = (v) => v === want;
  } else if (m.value === '.*') {
    positive = () => true;
  } else if (m.value === '.+') {
    positive = (v) => v.length > 0;
  } else if (LITERAL_ALTERNATION.test(m.value) && !m.value.includes('.')) {
    const set = new Set(m.value.split('|'));
    positive = (v) => set.has(v);
  } else {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${m.value})$`, 's');
    } catch (err) {
      throw new InvalidMatcherError(m.name, m.value, err);
    }
    positive = (v) => re.test(v);
  }
  const negate = m.type === '!=' || m.type === '!~';
  const matches = negate ? (v: string) => !positive(v) : positive;
  return { name: m.name, type: m.type, value: m.value, matches, matchesEmpty: matches('') };
}
