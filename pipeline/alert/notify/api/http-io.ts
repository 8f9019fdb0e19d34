import type { IncomingMessage, ServerResponse } from 'node:http';

import { NotifyApiError as ApiError } from '../errors.js';

const MAX_BODY = 16 * 1024 * 1024;

/** Read and parse a JSON body; a body that is not JSON is a 400. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ApiError(413, `request body larger than ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, `parsing request body failed: ${(err as Error).message}`, { cause: err });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Boolean query parameter with Alertmanager's defaults; anything but true/false is a 400. */
export function boolParam(url: URL, name: string, dflt: boolean): boolean {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return dflt;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ApiError(400, `${name} in query must be of type boolean: "${v}"`);
}

/** Go time text (RFC 3339) to Unix ms; undefined when absent; a 400 when malformed. */
export function parseTime(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ApiError(400, `${field} must be a date-time string`);
  const ms = Date.parse(v);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) throw new ApiError(400, `${field} in body must be of type date-time: "${v}"`);
  // Go's zero time means "unset".
  if (v.startsWith('0001-01-01')) return undefined;
  return ms;
}

/** strfmt.DateTime as the v2 API prints it (RFC 3339 with milliseconds, UTC). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}
