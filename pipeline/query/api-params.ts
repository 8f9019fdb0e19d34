import type { IncomingMessage } from 'node:http';
import { parseExpr, PromqlParseError } from '../promql/index.js';
import type { LabelMatcher } from '../tsdb/index.js';
import { InvalidParamError, QueryApiError } from './errors.js';

const MAX_FORM_BYTES = 4 << 20;

/**
 * The request's parameters as Prometheus reads them (`r.FormValue`): the URL query plus, for a
 * POST with an `application/x-www-form-urlencoded` body, the form fields (form first).
 */
export async function requestParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const ctype = req.headers['content-type'] ?? '';
  if ((req.method === 'POST' || req.method === 'PUT') && ctype.startsWith('application/x-www-form-urlencoded')) {
    const body = await readBody(req, MAX_FORM_BYTES);
    const params = new URLSearchParams(body.toString('utf8'));
    for (const [k, v] of url.searchParams) params.append(k, v);
    return params;
  }
  return url.searchParams;
}

/**
 * The request's body, at most `limit` bytes; empty once it has been read. Read with the
 * stream's events: its async iterator (`for await`) cost a small query about 0.1-0.2 ms of CPU
 * warm, and a few ms on the first query after a start, where that code had not run yet.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(new Error('the request was closed before its body was read'));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        // As the stream's iterator did when its loop threw: the rest is not read.
        req.destroy();
        reject(new QueryApiError('bad_data', `request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    // A client gone before the end of its body: 'close' without 'end'.
    const onClose = (): void => {
      done();
      reject(new Error(`the request was closed after ${size} bytes of its body`));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;
/** Prometheus' minTime/maxTime as clients send them (Go's time.Unix(math.MinInt64/1000...)). */
const MIN_TIME_TEXT = ['-292273086-05-16T16:47:06Z', '-9223372036854775808'];
const MAX_TIME_TEXT = ['292277025-08-18T07:12:54.999999999Z', '9223372036854775807'];

/** A time as float unix seconds or RFC 3339, in milliseconds; `dflt` when absent. */
export function parseTimeParam(params: URLSearchParams, name: string, dflt?: number): number {
  const text = params.get(name);
  if (text === null || text === '') {
    if (dflt !== undefined) return dflt;
    throw new InvalidParamError(name, `cannot parse "" to a valid timestamp`);
  }
  return parseTime(text, name);
}

export function parseTime(text: string, param: string): number {
  if (MIN_TIME_TEXT.includes(text)) return Number.MIN_SAFE_INTEGER;
  if (MAX_TIME_TEXT.includes(text)) return Number.MAX_SAFE_INTEGER;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const s = Number(text);
    if (Number.isFinite(s)) return Math.round(s * 1000);
  }
  if (RFC3339.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new InvalidParamError(param, `cannot parse ${JSON.stringify(text)} to a valid timestamp`);
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A duration as float seconds or a Prometheus duration (`1m30s`), in milliseconds. */
export function parseDurationParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === '') return undefined;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const s = Number(text);
    if (!Number.isFinite(s) || Math.abs(s) * 1e9 > 9.223372036854775e18) {
      throw new InvalidParamError(name, `cannot parse ${JSON.stringify(text)} to a valid duration. It overflows int64`);
    }
    return Math.round(s * 1000);
  }
  const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let ms = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text)) !== null) {
    ms += Number(m[1]) * UNIT_MS[m[2]];
    at = re.lastIndex;
  }
  if (at !== text.length || at === 0) throw new InvalidParamError(name, `cannot parse ${JSON.stringify(text)} to a valid duration`);
  return ms;
}

/** A non-negative integer parameter (`limit`); 0 or absent = no limit. */
export function parseLimitParam(params: URLSearchParams, name = 'limit'): number {
  const text = params.get(name);
  if (text === null || text === '') return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidParamError(name, 'limit must be a non-negative integer');
  return n;
}

/** Every `match[]` selector as matchers; errors name the parameter as Prometheus does. */
export function parseMatchParams(params: URLSearchParams): LabelMatcher[][] {
  return params.getAll('match[]').map((text) => parseSeriesSelector(text, 'match[]'));
}

export function parseSeriesSelector(text: string, param: string): LabelMatcher[] {
  let expr;
  try {
    expr = parseExpr(text);
  } catch (err) {
    const detail = err instanceof PromqlParseError ? err.message : String(err);
    throw new InvalidParamError(param, detail, err);
  }
  if (expr.type !== 'vector_selector') throw new InvalidParamError(param, `1:1: parse error: expected type instant vector in selector, got ${expr.type === 'matrix_selector' ? 'range vector' : expr.type}`);
  return expr.matchers;
}
