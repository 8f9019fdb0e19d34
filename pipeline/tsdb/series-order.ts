import { canonicalLabels } from '../../schemas/labels.js';
import type { Series } from './querier.js';

/** Sorts series by their labels' canonical form, as the Querier contract requires. */
export function sortSeries(series: Series[]): Series[] {
  const keyed = series.map((s) => ({ k: canonicalLabels(s.labels), s }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.s);
}

export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const EMPTY = new Float64Array(0);

/** A series with no samples (label-only answers). */
export function labelsOnlySeries(labels: Series['labels']): Series {
  return { labels, timestamps: EMPTY, values: EMPTY, stale: null };
}
