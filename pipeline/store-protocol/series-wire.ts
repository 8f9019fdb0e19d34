import type { Labels } from '../../schemas/labels.js';
import type { Series, SeriesSet } from '../tsdb/index.js';

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
}

export interface WireSeriesSet {
  readonly series: WireSeries[];
  readonly warnings: string[];
}

export function encodeSeriesSet(set: SeriesSet): WireSeriesSet {
  return { series: set.series.map(encodeSeries), warnings: set.warnings };
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
  return { labels: s.labels, t: b64(t), v: b64(v), s: stale };
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
    return { labels: x.labels, timestamps, values, stale };
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
