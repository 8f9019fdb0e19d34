/**
 * Label matchers compiled to predicates, for the window store's admission check and its selects.
 * Regexes are RE2, fully anchored, `.` matching newlines, as Prometheus compiles them.
 */
import type { LabelMatcher } from '../../tsdb/index.js';
import type { Labels } from '../../../schemas/index.js';
import { compileSelectorRegexp } from '../../../schemas/regexp/index.js';

export type LabelsPredicate = (labels: Labels) => boolean;

/** One matcher as a predicate on a label value (a missing label is the empty string). */
export function compileMatcher(m: LabelMatcher): (value: string) => boolean {
  switch (m.type) {
    case '=': return (v) => v === m.value;
    case '!=': return (v) => v !== m.value;
    case '=~': { const r = compileSelectorRegexp(m.value); return (v) => r.test(v); }
    case '!~': { const r = compileSelectorRegexp(m.value); return (v) => !r.test(v); }
  }
}

/** All matchers of one selector as one predicate on a label set. */
export function compileMatchers(ms: readonly LabelMatcher[]): LabelsPredicate {
  const parts = ms.map((m) => ({ name: m.name, test: compileMatcher(m) }));
  return (labels) => {
    for (const p of parts) if (!p.test(labels[p.name] ?? '')) return false;
    return true;
  };
}
