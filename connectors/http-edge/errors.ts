/**
 * Errors of the HTTP push edge. Each carries a stable `code`, says whether the sender may retry
 * (`retryable`), and names what was wrong and where. http-errors.ts turns them into HTTP answers
 * in one place; connectors only throw.
 */

/** Where in a request a problem sits: which series (by index or labels), label, line, column. */
export interface EdgeErrorLocation {
  readonly series?: number | string;
  readonly label?: string;
  readonly line?: number;
  readonly column?: number;
}

export abstract class EdgeError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  /** The rejection reason counted in metrics (`rejected_samples_total{reason}`). */
  abstract readonly reason: string;
  constructor(
    message: string,
    readonly location: EdgeErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request or one of its series is malformed or breaks a rule of the format: 400, never retried. */
export class InvalidPushError extends EdgeError {
  readonly code = 'invalid_push';
  readonly retryable = false;
  constructor(
    message: string,
    readonly reason: string,
    location: EdgeErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    super(message, location, options);
  }
}

/** A configured limit (series per request, labels per series, label length) was exceeded: 400. */
export class LimitExceededError extends EdgeError {
  readonly code = 'limit_exceeded';
  readonly retryable = false;
  constructor(
    message: string,
    readonly reason: string,
    readonly limit: number,
    readonly actual: number,
    location: EdgeErrorLocation = {},
  ) {
    super(message, location);
  }
}

/** The body (compressed or decompressed) is larger than allowed: 413. */
export class PayloadTooLargeError extends EdgeError {
  readonly code = 'payload_too_large';
  readonly retryable = false;
  readonly reason = 'body_too_large';
  constructor(
    readonly limitBytes: number,
    readonly what: 'body' | 'decompressed body',
  ) {
    super(`${what} exceeds the limit of ${limitBytes} bytes`);
  }
}

/** Content-Type or Content-Encoding the endpoint does not speak: 415. */
export class UnsupportedMediaTypeError extends EdgeError {
  readonly code = 'unsupported_media_type';
  readonly retryable = false;
  readonly reason = 'unsupported_media_type';
}

/** Missing or wrong credentials: 401 with a `WWW-Authenticate` challenge. */
export class UnauthorizedError extends EdgeError {
  readonly code = 'unauthorized';
  readonly retryable = false;
  readonly reason = 'unauthorized';
  constructor(
    message: string,
    readonly scheme: 'Basic' | 'Bearer',
  ) {
    super(message);
  }
}

/** Method not allowed on this path: 405. */
export class MethodNotAllowedError extends EdgeError {
  readonly code = 'method_not_allowed';
  readonly retryable = false;
  readonly reason = 'method_not_allowed';
  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
  ) {
    super(`method ${method} not allowed; use ${allowed.join(', ')}`);
  }
}

/** Too much in flight or the bus consumers lag beyond the bound: 429, retry later. */
export class OverloadedError extends EdgeError {
  readonly code = 'overloaded';
  readonly retryable = true;
  readonly reason = 'overloaded';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The sink (bus) could not take the samples now: 503, retry later. Nothing was acknowledged. */
export class SinkUnavailableError extends EdgeError {
  readonly code = 'sink_unavailable';
  readonly retryable = true;
  readonly reason = 'sink_unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, {}, options);
  }
}
