import { canonicalKey } from './canonical-key.js';
import type { Series } from './querier.js';

/**
 * Series grouped by labels, back to back: group g is `series[start[g]]` up to (not including)
 * `series[start[g + 1]]`. Flat rather than an array a group: across shards nearly every group is
 * one series, and an array for each was most of what a merge allocated.
 */
export interface LabelGroups {
  readonly series: readonly Series[];
  /** Group starts, and the series count after the last: one entry more than there are groups. */
  readonly start: Int32Array;
}

/**
 * The series of several sets grouped by labels, groups in their labels' canonical order, each
 * group's series in set order (and, within a set, in the set's order). Queriers return their
 * series in that order, so the sets are merged as they come: a few comparisons of keys per
 * series, not a map of every key and a sort of all of them. A set out of that order is sorted
 * first (stably: its equal labels keep their order).
 */
export function groupByLabels(sets: readonly (readonly Series[])[]): LabelGroups {
  let lists: KeyedList[] = [];
  for (const set of sets) if (set.length > 0) lists.push(keyedInOrder(set));
  if (lists.length === 0) return { series: [], start: new Int32Array(1) };
  // Merged in pairs, round after round: each series is compared about once a round, log2(sets)
  // rounds in all, and a pair's left list (the earlier sets) goes first between equal keys.
  while (lists.length > 1) {
    const next: KeyedList[] = [];
    for (let i = 0; i < lists.length; i += 2) next.push(i + 1 < lists.length ? merged(lists[i], lists[i + 1]) : lists[i]);
    lists = next;
  }
  const { keys, series } = lists[0];
  const start = new Int32Array(series.length + 1);
  let groups = 0;
  for (let i = 0; i < series.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) start[groups++] = i;
  start[groups] = series.length;
  return { series, start: start.subarray(0, groups + 1) };
}

/** Two lists sorted by key as one, `a`'s entries before `b`'s between equal keys. */
function merged(a: KeyedList, b: KeyedList): KeyedList {
  const n = a.keys.length + b.keys.length;
  const keys = new Array<string>(n);
  const series = new Array<Series>(n);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    if (j === b.keys.length || (i < a.keys.length && !(b.keys[j] < a.keys[i]))) {
      keys[k] = a.keys[i];
      series[k] = a.series[i++];
    } else {
      keys[k] = b.keys[j];
      series[k] = b.series[j++];
    }
  }
  return new KeyedList(series, keys);
}

/**
 * A non-empty set's series and their keys, in key order. One class, its arrays always made by
 * `new Array(n)`: the merge's code then meets one shape of list and one kind of array. Object
 * literals in two key orders and arrays as each querier made them (packed, holey) gave it
 * several, and the query's select was deoptimised ("wrong map") and compiled again.
 */
class KeyedList {
  constructor(
    readonly series: readonly Series[],
    readonly keys: readonly string[],
  ) {}
}

/** A non-empty set's series with their keys, sorted by them when the set is not. */
function keyedInOrder(set: readonly Series[]): KeyedList {
  const n = set.length;
  const keys = new Array<string>(n);
  const series = new Array<Series>(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const s = set[i];
    series[i] = s;
    keys[i] = canonicalKey(s.labels);
    if (sorted && i > 0 && !(keys[i - 1] <= keys[i])) sorted = false;
  }
  if (sorted) return new KeyedList(series, keys);
  const order = Array.from(keys, (_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  const sortedKeys = new Array<string>(n);
  const sortedSeries = new Array<Series>(n);
  for (let i = 0; i < n; i++) {
    sortedKeys[i] = keys[order[i]];
    sortedSeries[i] = series[order[i]];
  }
  return new KeyedList(sortedSeries, sortedKeys);
}
