import type { RollupHint } from '../querier.js';

/**
 * Window aggregates of one series at one resolution `r`: window k covers the samples with
 * timestamps in (end - r, end] (left-open, as a PromQL range), so a range (t - R, t] with t and R
 * multiples of r is exactly the union of R / r windows. Per window: the sample count, sum, min and
 * max (as Thanos keeps them) and the counter aggregate: the first and last sample (time and value)
 * and the reset-adjusted increase from the first to the last sample, from which `rate` and
 * `increase` over any run of whole windows follow. Staleness markers are not samples here (PromQL
 * ranges skip them).
 */
export interface RollupWindows {
  /** Window ends, ascending, multiples of the resolution. */
  readonly ends: number[];
  readonly count: number[];
  readonly sum: number[];
  readonly min: number[];
  readonly max: number[];
  readonly firstT: number[];
  readonly firstV: number[];
  readonly lastT: number[];
  readonly lastV: number[];
  readonly increase: number[];
}

/** Column names in their on-disk order (FORMAT.md, rollup chunk). */
export const ROLLUP_FIELDS = ['count', 'sum', 'min', 'max', 'firstT', 'firstV', 'lastT', 'lastV', 'increase'] as const;
export type RollupField = (typeof ROLLUP_FIELDS)[number];

/**
 * What a rollup select returns per series: `counter` is each window's first and last raw sample
 * (plus two between them where the counter reset inside the window), so that PromQL's rate and
 * increase over whole windows see the raw first and last values and the raw increase; the others
 * one sample per window at its end.
 */
export type RollupColumn = RollupHint['column'];
export const ROLLUP_COLUMNS: readonly RollupColumn[] = ['counter', 'sum', 'count', 'min', 'max'];

export function emptyWindows(): RollupWindows {
  return { ends: [], count: [], sum: [], min: [], max: [], firstT: [], firstV: [], lastT: [], lastV: [], increase: [] };
}

/** The end of the window of resolution `r` holding timestamp `t`. */
export function windowEnd(t: number, r: number): number {
  return Math.ceil(t / r) * r;
}

/**
 * Appends the windows of samples `ts`/`vs` (ascending, distinct) to `out`; markers (`stale[i]` = 1)
 * are skipped. Windows already in `out` must end before the first sample's window.
 */
export function rollupSamples(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, r: number, out: RollupWindows): void {
  let end = NaN;
  let last = 0;
  for (let i = 0; i < ts.length; i++) {
    if (stale !== null && stale[i] === 1) continue;
    const t = ts[i];
    const v = vs[i];
    const e = windowEnd(t, r);
    if (e !== end) {
      end = e;
      out.ends.push(e);
      out.count.push(1);
      out.sum.push(v);
      out.min.push(v);
      out.max.push(v);
      out.firstT.push(t);
      out.firstV.push(v);
      out.lastT.push(t);
      out.lastV.push(v);
      out.increase.push(0);
      last = out.ends.length - 1;
      continue;
    }
    out.count[last]++;
    out.sum[last] += v;
    if (v < out.min[last] || Number.isNaN(out.min[last])) out.min[last] = v;
    if (v > out.max[last] || Number.isNaN(out.max[last])) out.max[last] = v;
    const prev = out.lastV[last];
    out.increase[last] += v < prev ? v : v - prev;
    out.lastT[last] = t;
    out.lastV[last] = v;
  }
}

/** Window `i` of `src` appended to `out`. */
export function copyWindow(src: RollupWindows, i: number, out: RollupWindows): void {
  for (const f of ROLLUP_FIELDS) out[f].push(src[f][i]);
  out.ends.push(src.ends[i]);
}

/** One series for a rollup select (see RollupColumn): the windows ending in [lo, hi]. */
export function columnSeries(w: RollupWindows, column: RollupColumn, lo: number, hi: number): { timestamps: Float64Array; values: Float64Array } {
  let from = 0;
  while (from < w.ends.length && w.ends[from] < lo) from++;
  let to = from;
  while (to < w.ends.length && w.ends[to] <= hi) to++;
  if (column !== 'counter') {
    const n = to - from;
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    const src = w[column];
    for (let i = 0; i < n; i++) {
      timestamps[i] = w.ends[from + i];
      values[i] = src[from + i];
    }
    return { timestamps, values };
  }
  // At most four samples a window: sized once, no growing arrays.
  const ts = new Float64Array(4 * (to - from));
  const vs = new Float64Array(4 * (to - from));
  let n = 0;
  for (let i = from; i < to; i++) {
    const first = w.firstV[i];
    const last = w.lastV[i];
    const inc = w.increase[i];
    ts[n] = w.firstT[i];
    vs[n++] = first;
    if (w.lastT[i] === w.firstT[i]) continue; // one sample (count is not read for the counter)
    // A reset inside the window: two samples between first and last make PromQL's reset
    // handling add up to the window's increase (first -> first + inc - last adds inc - last, the
    // drop to 0 is a reset adding 0, and 0 -> last adds last).
    const reset = Math.abs(inc - (last - first)) > 1e-12 * Math.max(Math.abs(first), Math.abs(last), 1);
    if (reset && w.lastT[i] - w.firstT[i] > 2) {
      ts[n] = w.lastT[i] - 2;
      vs[n++] = first + inc - last;
      ts[n] = w.lastT[i] - 1;
      vs[n++] = 0;
    }
    ts[n] = w.lastT[i];
    vs[n++] = last;
  }
  return { timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}

/**
 * The windows of resolution `r` made of finer windows `w` (whose resolution divides `r`): counts
 * and sums add up, min and max of mins and maxes, first of the first, last of the last, and the
 * increase of each part plus the increase between consecutive parts (reset-adjusted).
 */
export function coarsen(w: RollupWindows, r: number): RollupWindows {
  const out = emptyWindows();
  let k = -1;
  for (let i = 0; i < w.ends.length; i++) {
    const e = windowEnd(w.ends[i], r);
    if (k < 0 || out.ends[k] !== e) {
      copyWindow(w, i, out);
      k = out.ends.length - 1;
      out.ends[k] = e;
      continue;
    }
    out.count[k] += w.count[i];
    out.sum[k] += w.sum[i];
    if (w.min[i] < out.min[k] || Number.isNaN(out.min[k])) out.min[k] = w.min[i];
    if (w.max[i] > out.max[k] || Number.isNaN(out.max[k])) out.max[k] = w.max[i];
    const prev = out.lastV[k];
    const first = w.firstV[i];
    out.increase[k] += (first < prev ? first : first - prev) + w.increase[i];
    out.lastT[k] = w.lastT[i];
    out.lastV[k] = w.lastV[i];
  }
  return out;
}
