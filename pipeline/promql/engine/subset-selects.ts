import type { LabelMatcher } from '../../tsdb/querier.js';
import type { VectorSelector } from '../parser/ast.js';

/** The time range a selector's select covers (prepare.ts' Need). */
interface SelectRange {
  readonly min: number;
  readonly max: number;
}

/** A selector whose series are the part of another selector's select that its own extra matchers keep. */
export interface SubsetSelect {
  /** The selector whose select answers this one. */
  readonly of: VectorSelector;
  /** This selector's matchers that `of` lacks (none when both select the same series). */
  readonly extra: readonly LabelMatcher[];
}

/**
 * The selectors of one query whose series another selector's select already holds: same time
 * range, same kind of read (`alike`: both timestamps only or both with values, neither a rollup
 * select), and every matcher of the other one among theirs (`a{code=~"5.."}` beside `a`, as an
 * error ratio writes it; an identical selector). Selecting both would decode the shared series
 * twice; filtering the broader one's series by the extra matchers gives the same series and
 * samples. Answering selectors answer none themselves, so one select serves each.
 */
export function subsetSelects(selectors: ReadonlyMap<VectorSelector, SelectRange>, alike: (a: VectorSelector, b: VectorSelector) => boolean): Map<VectorSelector, SubsetSelect> {
  const out = new Map<VectorSelector, SubsetSelect>();
  if (selectors.size < 2) return out;
  // Broadest first: a selector is answered by one with fewer (or as many) matchers.
  const order = [...selectors.keys()].sort((a, b) => a.matchers.length - b.matchers.length);
  const answering: VectorSelector[] = [];
  for (const vs of order) {
    const range = selectors.get(vs)!;
    let found: SubsetSelect | undefined;
    for (const broad of answering) {
      const r = selectors.get(broad)!;
      if (r.min !== range.min || r.max !== range.max || !alike(broad, vs)) continue;
      const extra = extraMatchers(vs.matchers, broad.matchers);
      if (extra !== null) {
        found = { of: broad, extra };
        break;
      }
    }
    if (found === undefined) answering.push(vs);
    else out.set(vs, found);
  }
  return out;
}

/** `narrow`'s matchers that `broad` lacks, or null when `broad` has one `narrow` lacks. */
function extraMatchers(narrow: readonly LabelMatcher[], broad: readonly LabelMatcher[]): LabelMatcher[] | null {
  const same = (a: LabelMatcher, b: LabelMatcher): boolean => a.type === b.type && a.name === b.name && a.value === b.value;
  if (!broad.every((b) => narrow.some((n) => same(n, b)))) return null;
  return narrow.filter((n) => !broad.some((b) => same(n, b)));
}
