/**
 * Output series identity, as vmagent names stream aggregation output:
 * `<metric>:<interval>[_by_<labels>|_without_<labels>]_<output>`, label lists sorted and joined
 * with `_`, `__name__` never listed. The output keeps the `by` labels (or all but the `without`
 * ones) and the input metric name.
 */
import { canonicalLabels, type Labels } from '../../schemas/index.js';

export interface Grouping {
  readonly by?: readonly string[];
  readonly without?: readonly string[];
}

function cleanList(names: readonly string[] | undefined): string[] {
  return [...new Set((names ?? []).filter((n) => n !== '__name__'))].sort();
}

/** The part of the output name between the metric name and the output (`:1m_by_job`). */
export function outputNameInfix(interval: string, g: Grouping): string {
  const by = cleanList(g.by);
  const without = cleanList(g.without);
  let s = `:${interval}`;
  if (by.length > 0) s += `_by_${by.join('_')}`;
  if (without.length > 0) s += `_without_${without.join('_')}`;
  return s;
}

/** The labels an input series keeps in its output series (`__name__` included: the input name). */
export function groupLabels(labels: Labels, g: Grouping): Labels {
  return compileGrouping(g).groupOf(labels);
}

/** A rule's grouping made ready for its input series. */
export interface CompiledGrouping {
  /** The labels an input series keeps in its output series (`__name__` included: the input name). */
  groupOf(labels: Labels): Labels;
  /**
   * The group's identity as a map key, equal for an input series and for its group's labels.
   * With `by` it is the name and the `by` values in the rule's order (no sorting: most of the
   * cost of a new input series was building a sorted key per rule).
   */
  keyOf(labels: Labels): string;
  /**
   * keyOf of an input series from its canonical key (`canonicalLabels(labels)`): a `without` key is
   * that key less the dropped labels' parts, found with no labels object built and sorted per
   * series and rule (a third of finding a new series' group in a profile), and is the series' key
   * itself when it has none of them.
   */
  keyOfSeries(seriesKey: string, labels: Labels): string;
  /** keyOf of a group's own labels (what groupOf gave): without groupOf again (a `without` key is built from the group). */
  keyOfGroup(group: Labels): string;
  /** With `by`: its label names (`__name__` left out), the values that make up a group with the name. */
  readonly by?: readonly string[];
}

// As canonicalLabels' separator: a lone surrogate, which no label decoded from UTF-8 contains.
const SEP = '\ud800';

export function compileGrouping(g: Grouping): CompiledGrouping {
  if (g.by !== undefined) {
    const by = g.by.filter((n) => n !== '__name__');
    const keyOf = (labels: Labels): string => {
      // A missing label and an empty one are the same group (both are left out of it).
      let k = labels.__name__ ?? '';
      for (const n of by) k += SEP + (labels[n] ?? '');
      return k;
    };
    return {
      groupOf(labels) {
        const out: Record<string, string> = {};
        const name = labels.__name__;
        if (name !== undefined) out.__name__ = name;
        for (const n of by) {
          const v = labels[n];
          if (v !== undefined && v !== '') out[n] = v;
        }
        return out;
      },
      keyOf,
      keyOfSeries: (_seriesKey, labels) => keyOf(labels),
      keyOfGroup: keyOf,
      by,
    };
  }
  // `__name__` stays in a group whatever `without` says.
  const drop = new Set((g.without ?? []).filter((n) => n !== '__name__'));
  const dropped = [...drop];
  const keyOfSeries = (seriesKey: string, labels: Labels): string => {
    let any = false;
    for (const n of dropped) if (Object.hasOwn(labels, n)) any = true;
    if (!any) return seriesKey;
    // The key is `name SEP value SEP` per label, in sorted order: the group's key is the same
    // with the dropped labels' parts cut out (its labels in the same order). Joined, not
    // concatenated: a flat string, as canonicalLabels makes (a map flattens a concatenation's
    // rope before hashing it, and the key is looked up at once).
    const parts: string[] = [];
    let kept = 0;
    let i = 0;
    while (i < seriesKey.length) {
      const a = seriesKey.indexOf(SEP, i);
      const b = seriesKey.indexOf(SEP, a + 1);
      if (isDropped(seriesKey, i, a)) {
        parts.push(seriesKey.slice(kept, i));
        kept = b + 1;
      }
      i = b + 1;
    }
    parts.push(seriesKey.slice(kept));
    return parts.join('');
  };
  const isDropped = (key: string, from: number, to: number): boolean => {
    for (const n of dropped) if (n.length === to - from && key.startsWith(n, from)) return true;
    return false;
  };
  const groupOf = (labels: Labels): Labels => {
    const out: Record<string, string> = {};
    const name = labels.__name__;
    if (name !== undefined) out.__name__ = name;
    for (const n in labels) if (!drop.has(n) && n !== '__name__') out[n] = labels[n]!;
    return out;
  };
  return { groupOf, keyOf: (labels) => canonicalLabels(groupOf(labels)), keyOfSeries, keyOfGroup: (group) => canonicalLabels(group) };
}

/** An output series' labels: the group's, named `<metric><infix>_<suffix>`, plus extra labels (quantile, vmrange). */
export function outputLabels(group: Labels, infix: string, suffix: string, extra?: Readonly<Record<string, string>>): Labels {
  const out: Record<string, string> = { ...group, __name__: `${group.__name__ ?? ''}${infix}_${suffix}` };
  if (extra !== undefined) Object.assign(out, extra);
  return out;
}
