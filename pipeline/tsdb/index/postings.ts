import type { Labels } from '../../../schemas/labels.js';

/** A postings list: series refs in ascending order, no duplicates. */
export type Postings = readonly number[];

/**
 * Label name -> value -> postings, kept in memory by the head (refs only grow, so appending keeps
 * each list sorted). Blocks load the same shape from their index.
 */
export class MemPostings {
  private readonly byName = new Map<string, Map<string, number[]>>();
  private all: number[] = [];

  add(ref: number, labels: Labels): void {
    for (const name in labels) {
      let values = this.byName.get(name);
      if (values === undefined) this.byName.set(name, (values = new Map()));
      const value = labels[name];
      const list = values.get(value);
      if (list === undefined) values.set(value, [ref]);
      else insertSorted(list, ref);
    }
    insertSorted(this.all, ref);
  }

  /** Drops the refs for which `keep` is false (series garbage collection; rare). */
  retain(keep: (ref: number) => boolean): void {
    for (const [name, values] of this.byName) {
      for (const [value, list] of values) {
        const next = list.filter(keep);
        if (next.length === 0) values.delete(value);
        else values.set(value, next);
      }
      if (values.size === 0) this.byName.delete(name);
    }
    this.all = this.all.filter(keep);
  }

  get(name: string, value: string): Postings {
    return this.byName.get(name)?.get(value) ?? EMPTY;
  }

  allPostings(): Postings {
    return this.all;
  }

  labelNames(): string[] {
    return [...this.byName.keys()];
  }

  labelValues(name: string): Iterable<string> {
    return this.byName.get(name)?.keys() ?? [];
  }

  /** Calls `fn` with every label pair and the number of series that carry it. */
  forEachPair(fn: (name: string, value: string, series: number) => void): void {
    for (const [name, values] of this.byName) for (const [value, list] of values) fn(name, value, list.length);
  }
}

const EMPTY: Postings = [];

function insertSorted(list: number[], ref: number): void {
  const n = list.length;
  if (n === 0 || list[n - 1] < ref) {
    list.push(ref);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < ref) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== ref) list.splice(lo, 0, ref);
}

export function intersectPostings(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

export function subtractPostings(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    while (j < b.length && b[j] < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}

/**
 * Lists merged pairwise, at most this many: a regex over a few label values (`job=~"n.*|a.*"`)
 * unions a few long lists, which merging reads once each (n log k) where sorting them together
 * costs n log n; past this many (a regex over a label of thousands of values) one sort is cheaper
 * than the intermediate lists.
 */
const MERGE_LISTS = 32;

export function unionPostings(lists: readonly Postings[]): Postings {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0];
  if (lists.length <= MERGE_LISTS) {
    let level: Postings[] = lists.filter((l) => l.length > 0);
    if (level.length === 0) return EMPTY;
    while (level.length > 1) {
      const next: Postings[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? mergePostings(level[i], level[i + 1]) : level[i]);
      level = next;
    }
    return level[0];
  }
  let total = 0;
  for (const l of lists) total += l.length;
  // Uint32Array (refs are array indexes): read back, its refs are small integers and `out` an
  // array of them like every other list. A Float64Array's made `out` an array of doubles, and
  // the merges and intersections optimized for the usual kind deoptimized on it ("wrong map").
  const all = new Uint32Array(total);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) all[k++] = l[i];
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]);
  return out;
}

/** The sorted union of two postings lists, without duplicates. */
function mergePostings(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x <= y) {
      out.push(x);
      i++;
      if (x === y) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}
