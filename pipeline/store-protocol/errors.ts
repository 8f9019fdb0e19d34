/** A remote store answered with an error or could not be reached. */
export class RemoteStoreError extends Error {
  readonly code = 'remote_store';
  /** Whether asking again can help: the store was unreachable or answered 5xx or 429. */
  readonly retryable: boolean;

  constructor(
    readonly address: string,
    readonly status: number,
    message: string,
    cause?: unknown,
  ) {
    super(`store ${address}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'RemoteStoreError';
    this.retryable = status === 0 || status >= 500 || status === 429;
  }
}
