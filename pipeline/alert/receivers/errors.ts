/** A delivery attempt that failed: which integration, whether trying again may help, the HTTP status if any. */
export class ReceiverError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly integration: string;
  readonly status?: number;

  constructor(message: string, o: { code: string; retryable: boolean; integration: string; status?: number; cause?: unknown }) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'ReceiverError';
    this.code = o.code;
    this.retryable = o.retryable;
    this.integration = o.integration;
    this.status = o.status;
  }
}

/** A receiver config that cannot be turned into a working integration (unsupported type, unreadable file). */
export class ReceiverConfigError extends Error {
  readonly code = 'receiver_config_invalid';
  readonly retryable = false;
  readonly receiver: string;

  constructor(message: string, receiver: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReceiverConfigError';
    this.receiver = receiver;
  }
}

/** A template or secret-file failure while building a request: permanent, as in Alertmanager. */
export function buildFailure(integration: string, err: unknown): { ok: false; retryable: false; error: ReceiverError } {
  return { ok: false, retryable: false, error: new ReceiverError(`${integration}: ${(err as Error).message}`, { code: 'template_failed', retryable: false, integration, cause: err }) };
}
