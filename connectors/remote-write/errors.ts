import { InvalidPushError } from '../http-edge/index.js';

/** The body is not a well-formed `prometheus.WriteRequest`: 400, naming the byte offset. */
export class WriteRequestDecodeError extends InvalidPushError {
  constructor(
    readonly detail: string,
    readonly offset: number,
  ) {
    super(`protobuf: cannot decode WriteRequest: ${detail} (at byte ${offset})`, 'decode');
  }
}

/** The HA election store (Redis) could not be asked: retryable, answered 503. */
export class HaElectionError extends Error {
  readonly code = 'ha_election';
  readonly retryable = true;
  constructor(
    readonly cluster: string,
    cause: unknown,
  ) {
    super(`HA election for cluster "${cluster}" failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'HaElectionError';
  }
}
