import { compileSelectorRegexp, type AnchoredRegexp } from '../../../schemas/regexp/index.js';
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
  /** For `=~` over an alternation of literals: the only values that can match. */
  readonly setMatches?: readonly string[];
}

/** Most label values a regular-expression matcher remembers its answer for. */
const REMEMBERED_VALUES = 4096;

const compiled = new WeakMap<LabelMatcher, CompiledMatcher>();

/**
 * `m` compiled once per matcher object: a query hands the same matchers to every source it
 * selects from (shards, their blocks and heads), which then share the regular expression's
 * answers.
 */
export function compiledMatcher(m: LabelMatcher): CompiledMatcher {
  let c = compiled.get(m);
  if (c === undefined) {
    c = compileMatcher(m);
    compiled.set(m, c);
  }
  return c;
}

/**
 * Compiles a matcher. Regular expressions are RE2, anchored and `.` matches newlines, as in
 * Prometheus, with its fast paths (a literal alternation is a set lookup, `.*` a constant, ...).
 */
export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  let positive: (v: string) => boolean;
  let setMatches: readonly string[] | undefined;
  if (m.type === '=' || m.type === '!=') {
    const want = m.value;
    positive = (v) => v === want;
  } else {
    let re: AnchoredRegexp;
    try {
      re = compileSelectorRegexp(m.value);
    } catch (err) {
      throw new InvalidMatcherError(m.name, m.value, err);
    }
    // A label's values repeat across a select's sources (every shard's blocks and head): each
    // is tested once, up to REMEMBERED_VALUES of them (a query's matchers, and so what they
    // remember, live as long as the query).
    const answers = new Map<string, boolean>();
    positive = (v) => {
      let yes = answers.get(v);
      if (yes === undefined) {
        yes = re.test(v);
        if (answers.size < REMEMBERED_VALUES) answers.set(v, yes);
      }
      return yes;
    };
    if (m.type === '=~') setMatches = re.setMatches;
  }
  const negate = m.type === '!=' || m.type === '!~';
  const matches = negate ? (v: string) => !positive(v) : positive;
  return { name: m.name, type: m.type, value: m.value, matches, matchesEmpty: matches(''), setMatches };
}
