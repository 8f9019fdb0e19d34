import type { RollupHint } from '../querier.js';

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

/** The fields each column of a rollup select is computed from. */
const FIELDS_OF: Readonly<Record<RollupColumn, readonly RollupField[]>> = {
  counter: ['firstT', 'firstV', 'lastT', 'lastV', 'increase'],
  sum: ['sum'],
  count: ['count'],
  min: ['min'],
  max: ['max'],
};

/** The fields a column of a rollup select is computed from. */
export function fieldsOf(column: RollupColumn): readonly RollupField[] {
  return FIELDS_OF[column];
}

const NONE = new Float64Array(0);

/**
 * Window aggregates of one series at one resolution `r`: window k covers the samples with
 * timestamps in (end - r, end] (left-open, as a PromQL range), so a range (t - R, t] with t and R
 * multiples of r is exactly the union of R / r windows. Per window: the sample count, sum, min and
 * max (as Thanos keeps them) and the counter aggregate: the first and last sample (time and value)
 * and the reset-adjusted increase from the first to the last sample, from which `rate` and
 * `increase` over any run of whole windows follow. Staleness markers are not samples here (PromQL
 * ranges skip them).
 *
 * Growable Float64Array columns, the first `length` entries valid: a 30-day read appends tens of
 * thousands of windows, and typed columns are filled by block copies from the chunk decoder
 * instead of element pushes (which left most of a read's time to the garbage collector). A read
 * keeps only the fields its column needs (`fields`); the others stay empty and are never grown.
 */
export class RollupWindows {
  length = 0;
  /** Window ends, ascending, multiples of the resolution. */
  ends: Float64Array;
  count: Float64Array = NONE;
  sum: Float64Array = NONE;
  min: Float64Array = NONE;
  max: Float64Array = NONE;
  firstT: Float64Array = NONE;
  firstV: Float64Array = NONE;
  lastT: Float64Array = NONE;
  lastV: Float64Array = NONE;
  increase: Float64Array = NONE;

  constructor(
    readonly fields: readonly RollupField[] = ROLLUP_FIELDS,
    capacity = 16,
  ) {
    this.ends = this.allocate(capacity);
  }

  /** Whether the windows keep field `f`. */
  has(f: RollupField): boolean {
    return this[f] !== NONE;
  }

  /** Makes room for `extra` more windows. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.ends.length) return;
    const n = this.length;
    const old = [this.ends, ...this.fields.map((f) => this[f])];
    this.ends = this.allocate(Math.max(need, this.ends.length * 2));
    this.ends.set(old[0].subarray(0, n));
    this.fields.forEach((f, i) => this[f].set(old[i + 1].subarray(0, n)));
  }

  /** The ends and the kept fields as views of one buffer: one allocation instead of ten. */
  private allocate(capacity: number): Float64Array {
    const buf = new ArrayBuffer(8 * capacity * (1 + this.fields.length));
    this.fields.forEach((f, i) => {
      this[f] = new Float64Array(buf, 8 * capacity * (i + 1), capacity);
    });
    return new Float64Array(buf, 0, capacity);
  }

  /** Appends window `i` of `src`, which keeps at least these windows' fields. */
  copyWindow(src: RollupWindows, i: number): void {
    if (this.length === this.ends.length) this.reserve(1);
    const k = this.length++;
    this.ends[k] = src.ends[i];
    for (const f of this.fields) this[f][k] = src[f][i];
  }

  /** Appends windows [from, to) of `src` (block copies). */
  copyWindows(src: RollupWindows, from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    this.ends.set(src.ends.subarray(from, to), this.length);
    for (const f of this.fields) this[f].set(src[f].subarray(from, to), this.length);
    this.length += to - from;
  }

  /** One field (or the ends) as a plain array, for tests and messages. */
  toArray(f: RollupField | 'ends'): number[] {
    return Array.from(this[f].subarray(0, this.length));
  }
}

export function emptyWindows(fields: readonly RollupField[] = ROLLUP_FIELDS, capacity = 16): RollupWindows {
  return new RollupWindows(fields, capacity);
}

/** The end of the window of resolution `r` holding timestamp `t`. */
export function windowEnd(t: number, r: number): number {
  return Math.ceil(t / r) * r;
}

/**
 * Appends the windows of samples `ts`/`vs` (ascending, distinct) to `out`, which keeps every
 * field; markers (`stale[i]` = 1) are skipped. Windows already in `out` must end before the first
 * sample's window.
 */
export function rollupSamples(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, r: number, out: RollupWindows): void {
  if (ts.length === 0) return;
  // At most one window per sample and per resolution step of the span.
  out.reserve(Math.min(ts.length, Math.floor((ts[ts.length - 1] - ts[0]) / r) + 2));
  let end = NaN;
  let last = 0;
  for (let i = 0; i < ts.length; i++) {
    if (stale !== null && stale[i] === 1) continue;
    const t = ts[i];
    const v = vs[i];
    const e = windowEnd(t, r);
    if (e !== end) {
      end = e;
      last = out.length++;
      out.ends[last] = e;
      out.count[last] = 1;
      out.sum[last] = v;
      out.min[last] = v;
      out.max[last] = v;
      out.firstT[last] = t;
      out.firstV[last] = v;
      out.lastT[last] = t;
      out.lastV[last] = v;
      out.increase[last] = 0;
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

/** The first index of `ends[0, n)` whose value is >= `x`. */
function lowerBound(ends: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Samples each window gives the counter column (columnSeries), reused from call to call. */
let kinds = new Uint8Array(0);

/** One series for a rollup select (see RollupColumn): the windows ending in [lo, hi]. */
export function columnSeries(w: RollupWindows, column: RollupColumn, lo: number, hi: number): { timestamps: Float64Array; values: Float64Array } {
  const from = lowerBound(w.ends, w.length, lo);
  const to = Math.max(from, lowerBound(w.ends, w.length, hi + 1));
  if (column !== 'counter') {
    return { timestamps: w.ends.slice(from, to), values: w[column].slice(from, to) };
  }
  const { firstT, firstV, lastT, lastV, increase } = w;
  // Samples per window (1, 2, or 4 where the counter reset inside it: two samples between first
  // and last make PromQL's reset handling add up to the window's increase; first -> first + inc -
  // last adds inc - last, the drop to 0 is a reset adding 0, and 0 -> last adds last), counted
  // first so that both columns are allocated once at their size, in one buffer.
  if (kinds.length < to - from) kinds = new Uint8Array(2 * (to - from));
  let size = 0;
  for (let i = from; i < to; i++) {
    let k = 2;
    if (lastT[i] === firstT[i]) k = 1;
    else if (lastT[i] - firstT[i] > 2) {
      const first = firstV[i];
      const last = lastV[i];
      if (Math.abs(increase[i] - (last - first)) > 1e-12 * Math.max(Math.abs(first), Math.abs(last), 1)) k = 4;
    }
    kinds[i - from] = k;
    size += k;
  }
  const buf = new ArrayBuffer(16 * size);
  const ts = new Float64Array(buf, 0, size);
  const vs = new Float64Array(buf, 8 * size, size);
  let n = 0;
  for (let i = from; i < to; i++) {
    const k = kinds[i - from];
    ts[n] = firstT[i];
    vs[n++] = firstV[i];
    if (k === 1) continue;
    if (k === 4) {
      ts[n] = lastT[i] - 2;
      vs[n++] = firstV[i] + increase[i] - lastV[i];
      ts[n] = lastT[i] - 1;
      vs[n++] = 0;
    }
    ts[n] = lastT[i];
    vs[n++] = lastV[i];
  }
  return { timestamps: ts, values: vs };
}

/**
 * The windows of resolution `r` made of finer windows `w` (whose resolution divides `r`), with
 * the fields `w` keeps: counts and sums add up, min and max of mins and maxes, first of the first,
 * last of the last, and the increase of each part plus the increase between consecutive parts
 * (reset-adjusted).
 */
export function coarsen(w: RollupWindows, r: number): RollupWindows {
  const n = w.length;
  const out = emptyWindows(w.fields, n === 0 ? 1 : Math.min(n, Math.floor((w.ends[n - 1] - w.ends[0]) / r) + 2));
  const [count, sum, min, max, counter] = [w.has('count'), w.has('sum'), w.has('min'), w.has('max'), w.has('increase')];
  let k = -1;
  for (let i = 0; i < n; i++) {
    const e = windowEnd(w.ends[i], r);
    if (k < 0 || out.ends[k] !== e) {
      out.copyWindow(w, i);
      k = out.length - 1;
      out.ends[k] = e;
      continue;
    }
    if (count) out.count[k] += w.count[i];
    if (sum) out.sum[k] += w.sum[i];
    if (min && (w.min[i] < out.min[k] || Number.isNaN(out.min[k]))) out.min[k] = w.min[i];
    if (max && (w.max[i] > out.max[k] || Number.isNaN(out.max[k]))) out.max[k] = w.max[i];
    if (counter) {
      const prev = out.lastV[k];
      const first = w.firstV[i];
      out.increase[k] += (first < prev ? first : first - prev) + w.increase[i];
      out.lastT[k] = w.lastT[i];
      out.lastV[k] = w.lastV[i];
    }
  }
  return out;
}
