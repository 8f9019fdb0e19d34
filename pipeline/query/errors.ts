/**
 * Errors of the query API and the fan-out. Each carries Prometheus' `errorType` and HTTP status,
 * so http answers map them in one place (api-response.ts).
 */
export type ApiErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'not_found' | 'unavailable';

export const API_ERROR_STATUS: Readonly<Record<ApiErrorType, number>> = {
  bad_data: 400,
  execution: 422,
  // Prometheus answers a query its client abandoned with nginx's "client closed request".
  canceled: 499,
  timeout: 503,
  unavailable: 503,
  internal: 500,
  not_found: 404,
};

/** Base of the query layer's errors: Prometheus' error type, a stable `code`, retryability, cause. */
export class QueryApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(
    readonly errorType: ApiErrorType,
    message: string,
    options: { cause?: unknown; readonly code?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = API_ERROR_STATUS[errorType];
    this.code = options.code ?? errorType;
  }

  get retryable(): boolean {
    return this.errorType === 'timeout' || this.errorType === 'unavailable' || this.errorType === 'internal';
  }
}

/** A request parameter that is missing or malformed: `invalid parameter "step": ...`. */
export class InvalidParamError extends QueryApiError {
  constructor(
    readonly parameter: string,
    detail: string,
    cause?: unknown,
  ) {
    super('bad_data', `invalid parameter ${JSON.stringify(parameter)}: ${detail}`, { cause, code: 'invalid_param' });
  }
}

/** A query selected more series than `max_series` allows. */
export class TooManySeriesError extends QueryApiError {
  constructor(readonly limit: number) {
    super('execution', `query would select more than ${limit} series (max_series)`, { code: 'too_many_series' });
  }
}

/** Every shard failed (or one did while partial responses are off): there is no answer to give. */
export class ShardsUnavailableError extends QueryApiError {
  constructor(
    readonly failures: readonly string[],
    cause?: unknown,
  ) {
    super('unavailable', `no shard could be read: ${failures.join('; ')}`, { cause, code: 'shards_unavailable' });
  }
}

/** A read that asked to see certain writes (write token, strong consistency) could not within `query.read_consistency_timeout_ms`. */
export class ReadConsistencyTimeoutError extends QueryApiError {
  constructor(
    /** What is behind, one entry per partition: `partition 2 applied up to offset 10 of 12 on store-1 (...)`. */
    readonly lagging: readonly string[],
    readonly timeoutMs: number,
  ) {
    super('unavailable', `read consistency not reached within ${timeoutMs} ms: ${lagging.join('; ')}`, { code: 'read_consistency_timeout' });
  }
}
