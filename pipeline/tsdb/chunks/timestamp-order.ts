/**
 * The indices of `t[0, n)` in timestamp order, equal timestamps in index order: what sorting the
 * indices by `t[a] - t[b] || a - b` gives. Gathered samples are a few runs already in order (a
 * series' in-order chunks, its out-of-order chunks, each sorted), so runs are found and merged
 * pairwise: linear for one run, n·log(runs) at worst. A comparison sort of every sample was most
 * of a head checkpoint's CPU on a backfill, and of a query's decoding over it.
 */
export function timestampOrder(t: Float64Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Starts of the runs over which t does not go down (a tie stays in index order: a stable merge).
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (t[i] < t[i - 1]) starts.push(i);
  if (n === 0 || starts.length === 1) return order;
  starts.push(n);
  let other = new Uint32Array(n);
  let runs = starts;
  while (runs.length > 2) {
    const merged: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r];
      const mid = runs[r + 1];
      const hi = r + 2 < runs.length ? runs[r + 2] : mid;
      mergeRuns(t, order, other, lo, mid, hi);
      merged.push(hi);
    }
    runs = merged;
    const swap = order;
    order = other;
    other = swap;
  }
  return order;
}

/** Merges the sorted index runs `from[lo, mid)` and `from[mid, hi)` into `to[lo, hi)`, the left one first on ties. */
function mergeRuns(t: Float64Array, from: Uint32Array, to: Uint32Array, lo: number, mid: number, hi: number): void {
  let a = lo;
  let b = mid;
  let k = lo;
  while (a < mid && b < hi) to[k++] = t[from[b]] < t[from[a]] ? from[b++] : from[a++];
  while (a < mid) to[k++] = from[a++];
  while (b < hi) to[k++] = from[b++];
}
