import type { HistogramValue } from '../../schemas/sample.js';
import type { SampleBatchWriter, SeriesSymbols } from '../../schemas/sample-batch-writer.js';

/** Longest run `appendRun` copies sample by sample rather than through typed-array views. */
const SHORT_RUN = 16;

/**
 * The samples of one partition in one unit of work, column-wise as they arrive: a series table
 * (slot → interned labels, sample count) and flat timestamp/value columns. A connector appends a
 * series' samples one after another (a scrape appends each series once; a push appends a series'
 * samples in a row), so the columns are usually already grouped by series; when appends of two
 * series interleave, `encode` regroups them (stably) first.
 */
export class PartitionColumns {
  /** The series table, `seriesCount` slots in use: kept across units of work with their capacity. */
  private readonly series: SeriesSymbols[] = [];
  private counts = new Int32Array(64);
  private seriesCount = 0;
  private ts = new Float64Array(64);
  private vals = new Float64Array(64);
  private slotOf = new Int32Array(64);
  private n = 0;
  /** Indices of staleness markers among the samples, ascending. */
  private stale: number[] = [];
  /** Indices of the samples with a start timestamp, ascending, and their start timestamps. */
  private startAt: number[] = [];
  private startOf: number[] = [];
  private lastSlot = -1;
  private interleaved = false;
  /** Native-histogram samples by series slot (rare beside floats, so kept apart and sparse). */
  private histograms: ({ timestamps: number[]; values: HistogramValue[]; starts?: number[] } | undefined)[] = [];

  /** Empties the columns for another unit of work, keeping the sample buffers. */
  reset(): void {
    // The series table keeps its arrays: a remote_write request fills some thousands of slots,
    // which grew again from empty arrays at every unit of work.
    this.seriesCount = 0;
    this.n = 0;
    this.stale = [];
    this.startAt = [];
    this.startOf = [];
    this.lastSlot = -1;
    this.interleaved = false;
    this.histograms = [];
  }

  /** A new series slot. */
  addSeries(symbols: SeriesSymbols): number {
    const slot = this.seriesCount++;
    if (slot === this.counts.length) {
      const counts = new Int32Array(2 * slot);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.series[slot] = symbols;
    this.counts[slot] = 0;
    return slot;
  }

  /** Appends a sample; `st`, when not 0, is its start timestamp. */
  append(slot: number, t: number, v: number, stale: boolean, st = 0): void {
    if (slot !== this.lastSlot) {
      if (this.counts[slot] > 0) this.interleaved = true;
      this.lastSlot = slot;
    }
    const i = this.n;
    if (i === this.ts.length) this.grow();
    this.ts[i] = t;
    this.slotOf[i] = slot;
    if (stale) {
      this.vals[i] = Number.NaN;
      this.stale.push(i);
    } else this.vals[i] = v;
    if (st !== 0) {
      this.startAt.push(i);
      this.startOf.push(st);
    }
    this.counts[slot]++;
    this.n = i + 1;
  }

  /** Appends samples `from` to `to` (exclusive) of a series' columns, none stale, none with a start timestamp. */
  appendRun(slot: number, ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number): void {
    if (slot !== this.lastSlot) {
      if (this.counts[slot] > 0) this.interleaved = true;
      this.lastSlot = slot;
    }
    const k = to - from;
    const at = this.n;
    if (at + k > this.ts.length) this.grow(at + k);
    // A short run (a remote_write series mostly holds one sample) is copied in a loop: two
    // subarray views would cost more than the copy.
    if (k > SHORT_RUN && ts instanceof Float64Array && vs instanceof Float64Array) {
      this.ts.set(ts.subarray(from, to), at);
      this.vals.set(vs.subarray(from, to), at);
    } else {
      for (let i = 0; i < k; i++) {
        this.ts[at + i] = ts[from + i];
        this.vals[at + i] = vs[from + i];
      }
    }
    this.slotOf.fill(slot, at, at + k);
    this.counts[slot] += k;
    this.n = at + k;
  }

  /** Appends a native-histogram sample to a series slot; `st`, when not 0, is its start timestamp. */
  appendHistogram(slot: number, t: number, h: HistogramValue, st = 0): void {
    let col = this.histograms[slot];
    if (col === undefined) this.histograms[slot] = col = { timestamps: [], values: [] };
    if (st !== 0) (col.starts ??= new Array<number>(col.timestamps.length).fill(0)).push(st);
    else col.starts?.push(0);
    col.timestamps.push(t);
    col.values.push(h);
  }

  /** Encodes the partition as records of at most `maxSeries` series each, handing each to `emit`. */
  encode(writer: SampleBatchWriter, maxSeries: number, source: string, emit: (record: Buffer) => void): void {
    if (this.interleaved) this.regroup();
    const { series, counts, ts, vals, stale, startAt, startOf, seriesCount } = this;
    let sample = 0;
    let k = 0;
    let p = 0;
    for (let first = 0; first < seriesCount; first += maxSeries) {
      const last = Math.min(seriesCount, first + maxSeries);
      writer.begin();
      for (let i = first; i < last; i++) {
        const end = sample + counts[i];
        writer.addSeries(series[i], ts, vals, sample, end);
        while (k < stale.length && stale[k] < end) writer.markStale(stale[k++] - sample);
        for (; p < startAt.length && startAt[p] < end; p++) writer.startTimestamp(startAt[p] - sample, ts[startAt[p]], startOf[p]);
        const h = this.histograms[i];
        if (h !== undefined) writer.addHistograms(h.timestamps, h.values, 0, h.timestamps.length, h.starts);
        sample = end;
      }
      emit(writer.finish(source));
    }
  }

  /** Sorts the samples by series slot, keeping each series' samples in append order. */
  private regroup(): void {
    const n = this.n;
    const counts = this.counts;
    const start = new Int32Array(this.seriesCount);
    for (let i = 1; i < this.seriesCount; i++) start[i] = start[i - 1] + counts[i - 1];
    const ts = new Float64Array(n);
    const vals = new Float64Array(n);
    const isStale = new Uint8Array(n);
    for (const k of this.stale) isStale[k] = 1;
    const staleAt = new Uint8Array(n);
    const startOf = this.startAt.length > 0 ? new Float64Array(n) : null;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const j = start[this.slotOf[i]]++;
      ts[j] = this.ts[i];
      vals[j] = this.vals[i];
      staleAt[j] = isStale[i];
      if (startOf !== null && this.startAt[p] === i) startOf[j] = this.startOf[p++];
    }
    const stale: number[] = [];
    for (let j = 0; j < n; j++) if (staleAt[j] === 1) stale.push(j);
    if (startOf !== null) {
      this.startAt = [];
      this.startOf = [];
      for (let j = 0; j < n; j++) {
        if (startOf[j] === 0) continue;
        this.startAt.push(j);
        this.startOf.push(startOf[j]);
      }
    }
    this.ts = ts;
    this.vals = vals;
    this.stale = stale;
    this.interleaved = false;
  }

  private grow(need = this.n + 1): void {
    // After a regroup the three columns differ in length: size and copy by what is in use.
    const n = this.n;
    const size = Math.max(64, n * 2, need);
    const ts = new Float64Array(size);
    ts.set(this.ts.subarray(0, n));
    this.ts = ts;
    const vals = new Float64Array(size);
    vals.set(this.vals.subarray(0, n));
    this.vals = vals;
    const slotOf = new Int32Array(size);
    slotOf.set(this.slotOf.subarray(0, n));
    this.slotOf = slotOf;
  }
}
