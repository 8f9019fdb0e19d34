import type { ServerResponse } from 'node:http';
import {
  EdgeError,
  LimitExceededError,
  MethodNotAllowedError,
  OverloadedError,
  PayloadTooLargeError,
  SinkUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './errors.js';

/** An HTTP answer for an error. */
export interface HttpErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Counted as `rejected_samples_total{reason}`. */
  readonly reason: string;
  readonly retryable: boolean;
}

/** Seconds a sender is told to wait when the sink failed for a reason of its own. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * The one place errors become HTTP statuses: permanent problems with the data are 4xx with a
 * message naming what and where (senders must not retry them), anything retryable is 503 (or 429
 * when we shed load) with `Retry-After`. An error that is not an EdgeError comes from the sink or
 * the bus: retryable ones (broker down, log write failed) are 503, the rest 500.
 */
export function httpErrorAnswer(err: unknown): HttpErrorAnswer {
  if (err instanceof EdgeError) {
    const body = `${err.message}\n`;
    if (err instanceof OverloadedError) {
      return answer(429, body, err, { 'retry-after': String(err.retryAfterSeconds) });
    }
    if (err instanceof SinkUnavailableError) {
      return answer(503, body, err, { 'retry-after': String(err.retryAfterSeconds) });
    }
    if (err instanceof PayloadTooLargeError) return answer(413, body, err);
    if (err instanceof UnsupportedMediaTypeError) return answer(415, body, err);
    if (err instanceof MethodNotAllowedError) return answer(405, body, err, { allow: err.allowed.join(', ') });
    if (err instanceof UnauthorizedError) {
      return answer(401, body, err, { 'www-authenticate': `${err.scheme} realm="tidemark"` });
    }
    if (err instanceof LimitExceededError) return answer(400, body, err);
    return answer(err.retryable ? 503 : 400, body, err);
  }
  const retryable = (err as { retryable?: unknown } | null)?.retryable === true;
  const message = err instanceof Error ? err.message : String(err);
  if (retryable) {
    return {
      status: 503,
      headers: { 'retry-after': String(DEFAULT_RETRY_AFTER_SECONDS) },
      body: `samples not stored, the bus is unavailable: ${message}\n`,
      reason: 'sink_unavailable',
      retryable: true,
    };
  }
  return { status: 500, headers: {}, body: `internal error: ${message}\n`, reason: 'internal', retryable: false };
}

function answer(status: number, body: string, err: EdgeError, headers: Record<string, string> = {}): HttpErrorAnswer {
  return { status, headers, body, reason: err.reason, retryable: err.retryable };
}

/** Writes an answer (plain text, as Prometheus' write handler does). */
export function sendHttpError(res: ServerResponse, a: HttpErrorAnswer): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8', ...a.headers });
  res.end(a.body);
}
