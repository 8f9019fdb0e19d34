import { formatLabelSet } from './go-quote.js';
import type { Route } from './route.js';

type LabelSet = Readonly<Record<string, string>>;

/** The alert's values for the route's `group_by` names (all labels with `...`); absent names are omitted. */
export function groupLabels(route: Route, labels: LabelSet): Record<string, string> {
  const out: Record<string, string> = {};
  if (route.opts.groupByAll) {
    for (const n of Object.keys(labels)) out[n] = labels[n]!;
    return out;
  }
  for (const n of route.opts.groupBy) {
    const v = labels[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/** `routeKey:groupLabels`, e.g. `{}/{team="db"}:{alertname="DiskFull", cluster="eu1"}`. */
export function groupKey(route: Route, group: LabelSet): string {
  return `${route.key}:${formatLabelSet(group)}`;
}
