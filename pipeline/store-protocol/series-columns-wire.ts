import type { Labels } from '../../schemas/labels.js';
import type { Series, SeriesSet } from '../tsdb/index.js';
import type { SlabLease } from '../tsdb/shared-memory/index.js';
import { ColumnSlabs } from '../tsdb/select-decode/index.js';
import { framedAnswer, FramedHeaderReader } from './framed-answer.js';
import { readWireHistograms, wireHistograms, type WireHistogram } from './series-wire.js';

/**
 * The binary form of a `POST /api/v1/store/select` answer, sent when the request accepts it
 * (`Accept: application/vnd.tidemark.series-columns`; a store that does not know it answers JSON,
 * series-wire.ts). The JSON form costs a query role most of a large select: base64 text of every
 * column, one string per column to parse, decode and copy. Here the columns are the answer's bytes.
 *
 * Layout (little-endian): the magic `TMC1`; a uint32 header length; the header, UTF-8 JSON
 * (`ColumnsHeader`); zero bytes up to a multiple of 8; then per series, in header order, its
 * `n` float64 timestamps, its `n` float64 values unless the header says they were left out
 * (`v: 0`, a select that needs no values: `timestampsOnly`), and its `n` float64 start
 * timestamps when it has them (`st: 1`).
 */
export const SERIES_COLUMNS_CONTENT_TYPE = 'application/vnd.tidemark.series-columns';

const MAGIC = 0x31434d54; // "TMC1" read as a little-endian uint32

interface ColumnsHeader {
  readonly warnings: string[];
  /** Samples the store loaded for the select, when the request carried `maxSamples`. */
  readonly loaded?: number;
  readonly series: ColumnsSeriesHeader[];
}

interface ColumnsSeriesHeader {
  readonly labels: Labels;
  readonly n: number;
  /** Indices of staleness markers, when any. */
  readonly s?: number[];
  /** 0 when the values column was left out: the series' values are unspecified (timestampsOnly). */
  readonly v?: 0;
  /** 1 when a start-timestamps column follows. */
  readonly st?: 1;
  readonly h?: WireHistogram[];
}

/**
 * Encodes `set` into one buffer. `valuesUnused`: the reader needs no float values (it asked for
 * timestamps only), so series without histograms send none.
 */
export function encodeSeriesColumns(set: SeriesSet, valuesUnused: boolean, loaded?: number): Buffer {
  const heads: ColumnsSeriesHeader[] = [];
  let samples = 0;
  for (const s of set.series) {
    const n = s.timestamps.length;
    let stale: number[] | undefined;
    if (s.stale !== null) {
      for (let i = 0; i < n; i++) if (s.stale[i] === 1) (stale ??= []).push(i);
    }
    const h = s.histograms == null ? undefined : wireHistograms(s.histograms, n);
    const values = !valuesUnused || h !== undefined;
    const st = s.startTimestamps != null;
    heads.push({ labels: s.labels, n, ...(stale === undefined ? {} : { s: stale }), ...(values ? {} : { v: 0 }), ...(st ? { st: 1 } : {}), ...(h === undefined ? {} : { h }) });
    samples += n * (1 + (values ? 1 : 0) + (st ? 1 : 0));
  }
  const header: ColumnsHeader = { warnings: set.warnings, ...(loaded === undefined ? {} : { loaded }), series: heads };
  const { out, dataAt } = framedAnswer(MAGIC, header, samples * 8);
  let at = dataAt;
  const put = (col: ArrayLike<number>, n: number): void => {
    const f = col instanceof Float64Array ? col.subarray(0, n) : Float64Array.from({ length: n }, (_, i) => col[i]);
    out.set(new Uint8Array(f.buffer, f.byteOffset, n * 8), at);
    at += n * 8;
  };
  set.series.forEach((s, i) => {
    const head = heads[i];
    put(s.timestamps, head.n);
    if (head.v === undefined) put(s.values, head.n);
    if (head.st === 1) put(s.startTimestamps!, head.n);
  });
  return out;
}

export interface DecodedSeriesColumns extends SeriesSet {
  readonly loaded: number | undefined;
}

/** `SeriesColumnsReader` over a whole answer at once. */
export function decodeSeriesColumns(bytes: Uint8Array, slabs: SlabLease | undefined): DecodedSeriesColumns {
  const reader = new SeriesColumnsReader(slabs);
  reader.push(bytes);
  return reader.finish();
}

/**
 * Reads an answer as its bytes arrive, each column straight into shared slabs (the query's
 * `slabs` first, as a local select's columns are cut): an evaluation thread then reads them where
 * they are, and the answer is never held whole. Throws TypeError on a malformed answer.
 */
export class SeriesColumnsReader {
  private readonly frame = new FramedHeaderReader(MAGIC, 'series columns', 'TMC1');
  private header: ColumnsHeader | undefined;
  private series: Series[] = [];
  /** Where the column bytes go, in wire order, and how far the current one is filled. */
  private targets: Uint8Array[] = [];
  private target = 0;
  private filled = 0;

  constructor(private readonly slabs: SlabLease | undefined) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    if (!this.frame.complete) {
      at = this.frame.take(chunk);
      if (this.header === undefined && this.frame.header !== undefined) this.open(this.frame.header as ColumnsHeader);
    }
    while (at < chunk.length) {
      if (this.target === this.targets.length) throw new TypeError(`series columns answer runs past the ${this.targets.length} columns its header describes`);
      const t = this.targets[this.target];
      const n = Math.min(t.length - this.filled, chunk.length - at);
      t.set(chunk.subarray(at, at + n), this.filled);
      at += n;
      this.filled += n;
      while (this.target < this.targets.length && this.filled === this.targets[this.target].length) {
        this.target++;
        this.filled = 0;
      }
    }
  }

  finish(): DecodedSeriesColumns {
    this.frame.finish();
    const h = this.header!;
    if (this.target < this.targets.length) throw new TypeError(`series columns answer ended in column ${this.target} of the ${this.targets.length} its header describes`);
    return { series: this.series, warnings: Array.isArray(h.warnings) ? h.warnings.map(String) : [], loaded: h.loaded };
  }

  /** Checks the header and cuts every column the answer will fill. */
  private open(header: ColumnsHeader): void {
    if (!Array.isArray(header.series)) throw new TypeError('series columns header has no series array');
    const loaded = header.loaded;
    if (loaded !== undefined && (typeof loaded !== 'number' || !Number.isInteger(loaded) || loaded < 0)) throw new TypeError(`loaded: expected a sample count, got ${JSON.stringify(loaded)}`);
    let remaining = 0;
    let valuesUnused = true;
    header.series.forEach((h, i) => {
      if (h === null || typeof h !== 'object' || typeof h.labels !== 'object' || h.labels === null || !Number.isInteger(h.n) || h.n < 0) {
        throw new TypeError(`series ${i} of the series columns header is malformed`);
      }
      remaining += h.n;
      if (h.v !== 0) valuesUnused = false;
    });
    // An answer without values (a timestamps-only select) cuts timestamp slabs only, as the select would locally.
    const columns = new ColumnSlabs(remaining, () => this.slabs?.take() ?? null, valuesUnused);
    const bytesOf = (c: Float64Array): Uint8Array => new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    this.series = header.series.map((h, i) => {
      const n = h.n;
      columns.cut(n);
      const timestamps = columns.t;
      this.targets.push(bytesOf(timestamps));
      const values = h.v === 0 ? timestamps : columns.v;
      if (h.v !== 0) this.targets.push(bytesOf(values));
      let startTimestamps: Float64Array | undefined;
      if (h.st === 1) this.targets.push(bytesOf((startTimestamps = new Float64Array(n))));
      let stale: Uint8Array | null = null;
      if (h.s !== undefined) {
        if (!Array.isArray(h.s)) throw new TypeError(`series ${i}: malformed staleness list`);
        stale = new Uint8Array(n);
        for (const k of h.s) if (Number.isInteger(k) && k >= 0 && k < n) stale[k] = 1;
      }
      const histograms = h.h === undefined ? null : readWireHistograms(h.h, n, i);
      return {
        labels: h.labels,
        timestamps,
        values,
        stale,
        ...(startTimestamps === undefined ? {} : { startTimestamps }),
        ...(histograms === null ? {} : { histograms }),
      };
    });
    this.targets = this.targets.filter((t) => t.length > 0);
    this.header = header;
  }
}
