import type { LabelMatcher } from '../querier.js';
import { compiledMatcher } from './label-matcher.js';
import { intersectPostings, subtractPostings, unionPostings, type Postings } from './postings.js';

/** What matcher resolution needs from an index (head or block). */
export interface PostingsSource {
  get(name: string, value: string): Postings;
  allPostings(): Postings;
  labelValues(name: string): Iterable<string>;
}

/**
 * The refs of series matching every matcher, ascending. As Prometheus: a matcher that matches the
 * empty string also selects series without the label, so it is applied by subtracting the series
 * whose value does not match; other matchers intersect the union of matching values' postings.
 */
export function postingsForMatchers(ix: PostingsSource, matchers: readonly LabelMatcher[]): Postings {
  const include: Postings[] = [];
  const exclude: Postings[] = [];
  for (const raw of matchers) {
    if (raw.type === '=' && raw.value !== '') {
      include.push(ix.get(raw.name, raw.value));
      continue;
    }
    const m = compiledMatcher(raw);
    if (m.setMatches !== undefined && !m.matchesEmpty) {
      // `=~"a|b|c"`: look the values up instead of testing every value of the label.
      include.push(unionPostings(m.setMatches.map((v) => ix.get(m.name, v))));
      continue;
    }
    const lists: Postings[] = [];
    for (const v of ix.labelValues(m.name)) if (m.matches(v) !== m.matchesEmpty) lists.push(ix.get(m.name, v));
    if (m.matchesEmpty) exclude.push(unionPostings(lists));
    else include.push(unionPostings(lists));
  }
  if (include.length === 0) include.push(ix.allPostings());
  include.sort((a, b) => a.length - b.length);
  let result: Postings = include[0];
  for (let i = 1; i < include.length && result.length > 0; i++) result = intersectPostings(result, include[i]);
  for (const ex of exclude) if (ex.length > 0 && result.length > 0) result = subtractPostings(result, ex);
  return result;
}
