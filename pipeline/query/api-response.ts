import type { ServerResponse } from 'node:http';
import { compareStrings, type Labels } from '../../schemas/labels.js';
import { PromqlEvalError, PromqlParseError, PromqlTimeoutError, PromqlTooManySamplesError, type QueryValue } from '../promql/index.js';
import { InvalidMatcherError } from '../tsdb/index.js';
import { InvalidParamError, QueryApiError } from './errors.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';

/**
 * A sample value as Prometheus writes it: Go's `strconv.FormatFloat(v, 'f', -1, 64)` (shortest
 * round-tripping digits, never in exponent form), `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  // JavaScript writes exponent form only outside [1e-6, 1e21): skip the search inside.
  const a = v < 0 ? -v : v;
  return a >= 1e-6 && a < 1e21 ? s : s.includes('e') ? expandExponent(s) : s;
}

function expandExponent(s: string): string {
  const neg = s.startsWith('-');
  const [mant, expText] = (neg ? s.slice(1) : s).split('e');
  const exp = Number(expText);
  const dot = mant.indexOf('.');
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const point = (dot < 0 ? mant.length : dot) + exp; // position of the decimal point in `digits`
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return neg ? '-' + out : out;
}

/** A millisecond timestamp as Prometheus writes it: seconds with up to three decimals. */
export function formatTimestamp(ms: number): string {
  const neg = ms < 0;
  const a = Math.abs(Math.round(ms));
  const secs = Math.floor(a / 1000);
  const frac = a % 1000;
  const s = frac === 0 ? String(secs) : `${secs}.${String(frac).padStart(3, '0')}`;
  return neg ? '-' + s : s;
}

/** Labels as a JSON object with names in Prometheus' (sorted) order. */
export function labelsJson(labels: Labels): string {
  const names = Object.keys(labels).sort(compareStrings);
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(names[i]) + ':' + JSON.stringify(labels[names[i]]);
  }
  return out + '}';
}

/** The `data` of a query answer, built as text (large matrices stringify faster this way). */
export function queryDataJson(value: QueryValue): string {
  switch (value.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":[${formatTimestamp(value.result.t)},"${formatValue(value.result.v)}"]}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTimestamp(value.result.t)},${JSON.stringify(value.result.v)}]}`;
    case 'vector': {
      const parts = value.result.map((s) => (s.h === undefined
        ? `{"metric":${labelsJson(s.metric)},"value":[${formatTimestamp(s.t)},"${formatValue(s.v)}"]}`
        : `{"metric":${labelsJson(s.metric)},"histogram":[${formatTimestamp(s.t)},${histogramJson(s.h)}]}`));
      return `{"resultType":"vector","result":[${parts.join(',')}]}`;
    }
    case 'matrix': {
      // A range query's series share their step times: each point's `[t,"` prefix is built once.
      const prefixes = new Map<number, string>();
      let out = '{"resultType":"matrix","result":[';
      const result = value.result;
      for (let si = 0; si < result.length; si++) {
        const { metric, timestamps, values, histograms } = result[si];
        if (histograms !== undefined) {
          out += (si === 0 ? '' : ',') + seriesWithHistogramsJson(metric, timestamps, values, histograms);
          continue;
        }
        out += (si === 0 ? '{"metric":' : ',{"metric":') + labelsJson(metric) + ',"values":[';
        const numbers = plainNumbersJson(values);
        let from = 1; // in `numbers`, after the '['
        for (let i = 0; i < timestamps.length; i++) {
          const t = timestamps[i];
          let prefix = prefixes.get(t);
          if (prefix === undefined) {
            prefix = `[${formatTimestamp(t)},"`;
            prefixes.set(t, prefix);
          }
          let text: string;
          if (numbers === null) text = formatValue(values[i]);
          else {
            const end = i + 1 < values.length ? numbers.indexOf(',', from) : numbers.length - 1;
            text = numbers.slice(from, end);
            from = end + 1;
          }
          out += (i === 0 ? prefix : ',' + prefix) + text + '"]';
        }
        out += ']}';
      }
      return out + ']}';
    }
  }
}

/**
 * `values` as a JSON array when JSON.stringify writes every one of them as formatValue does
 * (finite, not -0, inside the range JavaScript writes without an exponent), else null.
 * JSON.stringify writes an array's numbers in native code without a string for each: a matrix's
 * values cost about half as much as through String(v) one by one.
 */
function plainNumbersJson(values: readonly number[]): string | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const a = v < 0 ? -v : v;
    if (!(a < 1e21) || (a < 1e-6 && (v !== 0 || Object.is(v, -0)))) return null;
  }
  return JSON.stringify(values);
}

/**
 * A native histogram as Prometheus 3's HTTP API writes it: `count` and `sum` as strings, and the
 * populated buckets in ascending order as `[boundaries, "lower", "upper", "count"]`, boundaries
 * 0 = (lower, upper], 1 = [lower, upper), 2 = (lower, upper), 3 = [lower, upper].
 */
export function histogramJson(h: FloatHistogram): string {
  let out = `{"count":"${formatValue(h.count)}","sum":"${formatValue(h.sum)}"`;
  let buckets = '';
  const it = h.allBucketIterator();
  for (let next = it.next(); !next.done; next = it.next()) {
    const b = next.value;
    if (b.count === 0) continue;
    const boundaries = b.lowerInclusive ? (b.upperInclusive ? 3 : 1) : b.upperInclusive ? 0 : 2;
    buckets += `${buckets === '' ? '' : ','}[${boundaries},"${formatValue(b.lower)}","${formatValue(b.upper)}","${formatValue(b.count)}"]`;
  }
  if (buckets !== '') out += `,"buckets":[${buckets}]`;
  return out + '}';
}

/** A result series holding native histograms: float points in `values`, histogram points in `histograms` (either left out when empty). */
function seriesWithHistogramsJson(metric: Labels, timestamps: readonly number[], values: readonly number[], histograms: readonly (FloatHistogram | null)[]): string {
  const floats: string[] = [];
  const hists: string[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const h = histograms[i];
    if (h === null) floats.push(`[${formatTimestamp(timestamps[i])},"${formatValue(values[i])}"]`);
    else hists.push(`[${formatTimestamp(timestamps[i])},${histogramJson(h)}]`);
  }
  let out = `{"metric":${labelsJson(metric)}`;
  if (floats.length > 0) out += `,"values":[${floats.join(',')}]`;
  if (hists.length > 0) out += `,"histograms":[${hists.join(',')}]`;
  return out + '}';
}

export interface Annotations {
  readonly warnings?: readonly string[];
  readonly infos?: readonly string[];
}

/** `{"status":"success","data":...}` with `data` already JSON text. */
export function writeSuccessJson(res: ServerResponse, dataJson: string, notes: Annotations = {}): void {
  let body = `{"status":"success","data":${dataJson}`;
  if (notes.warnings !== undefined && notes.warnings.length > 0) body += `,"warnings":${JSON.stringify(notes.warnings)}`;
  if (notes.infos !== undefined && notes.infos.length > 0) body += `,"infos":${JSON.stringify(notes.infos)}`;
  body += '}';
  send(res, 200, body);
}

export function writeSuccess(res: ServerResponse, data: unknown, notes: Annotations = {}): void {
  writeSuccessJson(res, JSON.stringify(data), notes);
}

export function writeError(res: ServerResponse, err: QueryApiError, data?: unknown): void {
  const body: Record<string, unknown> = { status: 'error', errorType: err.errorType, error: err.message };
  if (data !== undefined) body.data = data;
  send(res, err.status, JSON.stringify(body));
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // Encoded once: Buffer.byteLength, then end(body), read (and flattened) a body built piece by
  // piece twice, about a quarter of sending a megabyte of matrix.
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length }).end(bytes);
}

/** Where a query error ended up: `canceled` when the client went away, else `timeout`. */
export interface AbortCause {
  canceled(): boolean;
}

/** Maps any error of a request to Prometheus' error type and status. */
export function toApiError(err: unknown, abort?: AbortCause): QueryApiError {
  if (err instanceof QueryApiError) return err;
  if (err instanceof PromqlParseError) return new InvalidParamError('query', err.message, err);
  if (err instanceof PromqlTimeoutError) {
    return abort?.canceled() === true
      ? new QueryApiError('canceled', err.message.replace('timed out', 'was canceled'), { cause: err })
      : new QueryApiError('timeout', err.message, { cause: err });
  }
  if (err instanceof PromqlTooManySamplesError) return new QueryApiError('execution', err.message, { cause: err });
  if (err instanceof PromqlEvalError) {
    // Range-query type errors are refused before evaluation in Prometheus, as bad input.
    if (err.message.startsWith('invalid expression type')) return new InvalidParamError('query', err.message, err);
    return new QueryApiError('execution', err.message, { cause: err });
  }
  if (err instanceof InvalidMatcherError) return new QueryApiError('bad_data', err.message, { cause: err });
  const e = err as { retryable?: unknown; message?: unknown };
  if (e !== null && typeof e === 'object' && e.retryable === true) {
    return new QueryApiError('unavailable', String(e.message), { cause: err });
  }
  return new QueryApiError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}
