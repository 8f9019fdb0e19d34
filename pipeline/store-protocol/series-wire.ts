import type { Labels } from '../../schemas/labels.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { ByteReader, ByteWriter, readHistogram, writeHistogram, type Series, type SeriesSet } from '../tsdb/index.js';

/**
 * The JSON shape of `POST /api/v1/store/select` answers. Timestamps and values travel as base64 of
 * little-endian float64 arrays: exact (NaN payloads aside: staleness is the explicit `s` index
 * list), ±Inf-safe (JSON numbers are not), about 11 characters per number, and decoded with one
 * Buffer copy instead of parsing decimal text.
 */
export interface WireSeries {
  readonly labels: Labels;
  /** float64 LE timestamps (ms), base64. */
  readonly t: string;
  /** float64 LE values, base64. */
  readonly v: string;
  /** Indices of staleness markers. */
  readonly s: number[];
  /**
   * Native-histogram samples: index and base64 of the histogram value (pipeline/tsdb/FORMAT.md,
   * "Histogram value"); absent without any (older readers ignore it).
   */
  readonly h?: WireHistogram[];
  /**
   * Start timestamps (ms) beside `t`, float64 LE base64, 0 where a sample has none; absent when
   * no sample has one (older readers ignore it and see no start timestamps).
   */
  readonly st?: string;
}

export interface WireSeriesSet {
  readonly series: WireSeries[];
  readonly warnings: string[];
  /**
   * Samples the store loaded for the select, when the request carried `maxSamples`: what the
   * query's budget is charged (at least the samples answered).
   */
  readonly loaded?: number;
}

export function encodeSeriesSet(set: SeriesSet, loaded?: number): WireSeriesSet {
  return { series: set.series.map(encodeSeries), warnings: set.warnings, ...(loaded === undefined ? {} : { loaded }) };
}

/** The samples a select answer says the store loaded, or undefined (a store that does not say). */
export function decodeLoadedSamples(wire: unknown): number | undefined {
  const loaded = (wire as Partial<WireSeriesSet> | null)?.loaded;
  if (loaded === undefined) return undefined;
  if (typeof loaded !== 'number' || !Number.isInteger(loaded) || loaded < 0) throw new TypeError(`loaded: expected a sample count, got ${JSON.stringify(loaded)}`);
  return loaded;
}

function encodeSeries(s: Series): WireSeries {
  const n = s.timestamps.length;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const stale: number[] = [];
  for (let i = 0; i < n; i++) {
    t[i] = s.timestamps[i];
    v[i] = s.values[i];
    if (s.stale !== null && s.stale[i] === 1) stale.push(i);
  }
  const sts = s.startTimestamps ?? null;
  const st = sts === null ? {} : { st: b64(Float64Array.from(sts)) };
  const hs = s.histograms ?? null;
  if (hs === null) return { labels: s.labels, t: b64(t), v: b64(v), s: stale, ...st };
  return { labels: s.labels, t: b64(t), v: b64(v), s: stale, h: wireHistograms(hs, n), ...st };
}

/** A series' native-histogram samples as the wire carries them: index and base64 of the value. */
export interface WireHistogram {
  readonly i: number;
  readonly b: string;
}

/** The histogram samples among the first `n` of a series. */
export function wireHistograms(hs: ArrayLike<FloatHistogram | null>, n: number): WireHistogram[] {
  const h: WireHistogram[] = [];
  for (let i = 0; i < n; i++) {
    const x = hs[i];
    if (x === null) continue;
    const w = new ByteWriter(256);
    writeHistogram(w, x);
    h.push({ i, b: w.result().toString('base64') });
  }
  return h;
}

/** Series `series`' histogram column of `n` samples from its wire entries; throws TypeError on a malformed one. */
export function readWireHistograms(entries: unknown, n: number, series: number): (FloatHistogram | null)[] {
  if (!Array.isArray(entries)) throw new TypeError(`series ${series}: malformed histogram list`);
  const histograms = new Array<FloatHistogram | null>(n).fill(null);
  for (const e of entries as Partial<WireHistogram>[]) {
    if (e === null || typeof e !== 'object' || !Number.isInteger(e.i) || e.i! < 0 || e.i! >= n || typeof e.b !== 'string') {
      throw new TypeError(`series ${series}: malformed histogram entry`);
    }
    histograms[e.i!] = readHistogram(new ByteReader(Buffer.from(e.b, 'base64'), `select answer series ${series}`));
  }
  return histograms;
}

function b64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Decodes an answer; throws TypeError on a malformed one. */
export function decodeSeriesSet(wire: unknown): SeriesSet {
  const w = wire as Partial<WireSeriesSet> | null;
  if (w === null || typeof w !== 'object' || !Array.isArray(w.series)) throw new TypeError('select answer has no series array');
  const series: Series[] = w.series.map((x, i) => {
    if (x === null || typeof x !== 'object' || typeof x.t !== 'string' || typeof x.v !== 'string' || !Array.isArray(x.s)) {
      throw new TypeError(`series ${i} of the select answer is malformed`);
    }
    const timestamps = f64(x.t);
    const values = f64(x.v);
    if (timestamps.length !== values.length) throw new TypeError(`series ${i}: ${timestamps.length} timestamps but ${values.length} values`);
    let stale: Uint8Array | null = null;
    if (x.s.length > 0) {
      stale = new Uint8Array(timestamps.length);
      for (const k of x.s) if (Number.isInteger(k) && k >= 0 && k < stale.length) stale[k] = 1;
    }
    let startTimestamps: Float64Array | null = null;
    if (x.st !== undefined) {
      startTimestamps = typeof x.st === 'string' ? f64(x.st) : null;
      if (startTimestamps === null || startTimestamps.length !== timestamps.length) throw new TypeError(`series ${i}: start timestamps do not match its ${timestamps.length} samples`);
    }
    const sts = startTimestamps === null ? {} : { startTimestamps };
    if (!Array.isArray(x.h)) return { labels: x.labels, timestamps, values, stale, ...sts };
    return { labels: x.labels, timestamps, values, stale, histograms: readWireHistograms(x.h, timestamps.length, i), ...sts };
  });
  return { series, warnings: Array.isArray(w.warnings) ? w.warnings.map(String) : [] };
}

function f64(text: string): Float64Array {
  const buf = Buffer.from(text, 'base64');
  if (buf.length % 8 !== 0) throw new TypeError('float64 column length is not a multiple of 8');
  // Copy into an aligned buffer (a Buffer may sit at any offset of the pool).
  const out = new Float64Array(buf.length / 8);
  new Uint8Array(out.buffer).set(buf);
  return out;
}
