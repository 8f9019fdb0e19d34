import type { ServerResponse } from 'node:http';
import { PromqlEvalError, PromqlParseError, PromqlTimeoutError, PromqlTooManySamplesError, type QueryValue } from '../promql/index.js';
import { InvalidMatcherError } from '../tsdb/index.js';
import { InvalidParamError, QueryApiError } from './errors.js';
import { matrixJson } from './matrix-json.js';
import { formatTimestamp, formatValue, histogramJson, labelsJson } from './value-json.js';

export { formatTimestamp, formatValue, histogramJson, labelsJson } from './value-json.js';

/** The `data` of a query answer as JSON text. */
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
    case 'matrix':
      return matrixJson('{"resultType":"matrix","result":[', value.result, ']}').toString('utf8');
  }
}

export interface Annotations {
  readonly warnings?: readonly string[];
  readonly infos?: readonly string[];
}

/** `{"status":"success","data":...}` with `data` already JSON text. */
export function writeSuccessJson(res: ServerResponse, dataJson: string, notes: Annotations = {}): void {
  send(res, 200, `{"status":"success","data":${dataJson}${notesJson(notes)}}`);
}

/**
 * A query's answer (`{"status":"success","data":...}`); `dataFields`: more fields of `data` as
 * JSON text, each after a comma (`,"stats":{...}`). A matrix is written as bytes (matrix-json.ts).
 */
export function writeQueryAnswer(res: ServerResponse, value: QueryValue, notes: Annotations = {}, dataFields = ''): void {
  if (value.resultType !== 'matrix') {
    const data = queryDataJson(value);
    writeSuccessJson(res, dataFields === '' ? data : `${data.slice(0, -1)}${dataFields}}`, notes);
    return;
  }
  const body = matrixJson('{"status":"success","data":{"resultType":"matrix","result":[', value.result, `]${dataFields}}${notesJson(notes)}}`);
  sendBytes(res, 200, body);
}

/** The warnings and infos fields of an answer, each after a comma; "" when there are none. */
function notesJson(notes: Annotations): string {
  let out = '';
  if (notes.warnings !== undefined && notes.warnings.length > 0) out += `,"warnings":${JSON.stringify(notes.warnings)}`;
  if (notes.infos !== undefined && notes.infos.length > 0) out += `,"infos":${JSON.stringify(notes.infos)}`;
  return out;
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
  // Encoded once: Buffer.byteLength, then end(body), read (and flattened) a body built piece by
  // piece twice, about a quarter of sending a megabyte of matrix.
  sendBytes(res, status, Buffer.from(body, 'utf8'));
}

function sendBytes(res: ServerResponse, status: number, bytes: Buffer): void {
  if (res.headersSent) {
    res.end();
    return;
  }
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
