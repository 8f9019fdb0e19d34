/**
 * Label matchers compiled to predicates, for the window store's admission check and its selects.
 * Regexes are fully anchored and `.` matches newlines, as Prometheus compiles them (`^(?s:re)$`).
 */
import type { LabelMatcher } from '../../tsdb/index.js';
import type { Labels } from '../../../schemas/index.js';

export type LabelsPredicate = (labels: Labels) => boolean;

function compileRegex(re: string): RegExp {
  // Go's leading `(?i)` flag has no JS inline equivalent on Node 20: turn it into a flag.
  const ci = re.startsWith('(?i)');
  return new RegExp(`^(?:${ci ? re.slice(4) : re})$`, ci ? 'si' : 's');
}

/** One matcher as a predicate on a label value (a missing label is the empty string). */
export function compileMatcher(m: LabelMatcher): (value: string) => boolean {
  switch (m.type) {
    case '=': return (v) => v === m.value;
    case '!=': return (v) => v !== m.value;
    case '=~': { const r = compileRegex(m.value); return (v) => r.test(v); }
    case '!~': { const r = compileRegex(m.value); return (v) => !r.test(v); }
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
