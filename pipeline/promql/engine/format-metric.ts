import { compareStrings, type Labels } from '../../../schemas/labels.js';

/** Go's `labels.String()`: `{__name__="x", a="b"}` with names sorted, as Prometheus errors print it. */
export function formatMetric(l: Labels): string {
  const names = Object.keys(l).sort(compareStrings);
  return '{' + names.map((n) => `${n}=${JSON.stringify(l[n])}`).join(', ') + '}';
}
