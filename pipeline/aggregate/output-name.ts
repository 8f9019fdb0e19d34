/**
 * Output series identity, as vmagent names stream aggregation output:
 * `<metric>:<interval>[_by_<labels>|_without_<labels>]_<output>`, label lists sorted and joined
 * with `_`, `__name__` never listed. The output keeps the `by` labels (or all but the `without`
 * ones) and the input metric name.
 */
import type { Labels } from '../../schemas/index.js';

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
  const out: Record<string, string> = {};
  const name = labels.__name__;
  if (name !== undefined) out.__name__ = name;
  if (g.by !== undefined) {
    for (const n of g.by) {
      const v = labels[n];
      if (v !== undefined && v !== '' && n !== '__name__') out[n] = v;
    }
    return out;
  }
  const drop = new Set(g.without ?? []);
  for (const [n, v] of Object.entries(labels)) if (!drop.has(n) && n !== '__name__') out[n] = v;
  return out;
}

/** An output series' labels: the group's, named `<metric><infix>_<suffix>`, plus extra labels (quantile, vmrange). */
export function outputLabels(group: Labels, infix: string, suffix: string, extra?: Readonly<Record<string, string>>): Labels {
  const out: Record<string, string> = { ...group, __name__: `${group.__name__ ?? ''}${infix}_${suffix}` };
  if (extra !== undefined) Object.assign(out, extra);
  return out;
}
