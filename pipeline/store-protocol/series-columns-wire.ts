import type { Labels } from '../../schemas/labels.js';
import type { Series, SeriesSet } from '../tsdb/index.js';
import type { SlabLease } from '../tsdb/shared-memory/index.js';
import { ColumnSlabs } from '../tsdb/select-decode/index.js';
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
  const json = Buffer.from(JSON.stringify(header));
  const dataAt = align8(8 + json.length);
  const out = Buffer.allocUnsafe(dataAt + samples * 8);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  out.fill(0, 8 + json.length, dataAt);
  // `out` may sit at any offset of its memory: the columns go in through a view of their own bytes.
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

/**
 * Decodes an answer. `bytes` must start at an 8-byte-aligned offset of its memory. The columns are
 * copied into shared slabs (the query's `slabs` first, as a local select's are): an evaluation
 * thread then reads them where they are. Throws TypeError on a malformed answer.
 */
export function decodeSeriesColumns(bytes: Uint8Array, slabs: SlabLease | undefined): DecodedSeriesColumns {
  if (bytes.byteOffset % 8 !== 0) throw new TypeError('series columns answer is not 8-byte aligned in memory');
  if (bytes.length < 8) throw new TypeError(`series columns answer of ${bytes.length} bytes is shorter than its preamble`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new TypeError('series columns answer does not start with TMC1');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new TypeError(`series columns header of ${headerLength} bytes runs past the answer's ${bytes.length}`);
  let header: ColumnsHeader;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8')) as ColumnsHeader;
  } catch (err) {
    throw new TypeError(`series columns header is not JSON: ${(err as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || !Array.isArray(header.series)) throw new TypeError('series columns header has no series array');
  const loaded = header.loaded;
  if (loaded !== undefined && (typeof loaded !== 'number' || !Number.isInteger(loaded) || loaded < 0)) throw new TypeError(`loaded: expected a sample count, got ${JSON.stringify(loaded)}`);
  let at = align8(8 + headerLength);
  let need = at;
  let remaining = 0;
  let valuesUnused = header.series.length > 0;
  header.series.forEach((h, i) => {
    if (h === null || typeof h !== 'object' || typeof h.labels !== 'object' || h.labels === null || !Number.isInteger(h.n) || h.n < 0) {
      throw new TypeError(`series ${i} of the series columns header is malformed`);
    }
    need += h.n * 8 * (1 + (h.v === 0 ? 0 : 1) + (h.st === 1 ? 1 : 0));
    remaining += h.n;
    if (h.v !== 0) valuesUnused = false;
  });
  if (need !== bytes.length) throw new TypeError(`series columns answer holds ${bytes.length} bytes, its header describes ${need}`);
  const column = (n: number): Float64Array => {
    const c = new Float64Array(bytes.buffer, bytes.byteOffset + at, n);
    at += n * 8;
    return c;
  };
  // Series whose values were left out share the select's mode: cut timestamps only.
  const columns = new ColumnSlabs(remaining, () => slabs?.take() ?? null, valuesUnused);
  const series: Series[] = header.series.map((h, i) => {
    const n = h.n;
    columns.cut(n);
    const timestamps = columns.t;
    timestamps.set(column(n));
    let values: Float64Array;
    if (h.v === 0) values = timestamps;
    else {
      values = columns.v;
      values.set(column(n));
    }
    let stale: Uint8Array | null = null;
    if (h.s !== undefined) {
      if (!Array.isArray(h.s)) throw new TypeError(`series ${i}: malformed staleness list`);
      stale = new Uint8Array(n);
      for (const k of h.s) if (Number.isInteger(k) && k >= 0 && k < n) stale[k] = 1;
    }
    const startTimestamps = h.st === 1 ? Float64Array.from(column(n)) : null;
    const histograms = h.h === undefined ? null : readWireHistograms(h.h, n, i);
    return {
      labels: h.labels,
      timestamps,
      values,
      stale,
      ...(startTimestamps === null ? {} : { startTimestamps }),
      ...(histograms === null ? {} : { histograms }),
    };
  });
  return { series, warnings: Array.isArray(header.warnings) ? header.warnings.map(String) : [], loaded };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
