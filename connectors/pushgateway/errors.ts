import { InvalidPushError, type EdgeErrorLocation } from '../http-edge/index.js';

/**
 * Errors of the Pushgateway connector. Rejections of a push are InvalidPushErrors (400 through
 * the http edge's single error mapping) with the Pushgateway's own wording, so clients that
 * match on it keep working.
 */

/** The URL's grouping key is malformed: odd label path, bad label name, bad base64. */
export class GroupingKeyError extends InvalidPushError {
  constructor(message: string, location: EdgeErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, 'invalid_grouping_key', location, options);
  }
}

/**
 * The push would leave the exposition inconsistent (type clash across groups, duplicate series,
 * histogram/summary suffix collision) or carries timestamps. The group's
 * push_failure_time_seconds is set, as the Pushgateway does.
 */
export class InconsistentPushError extends InvalidPushError {
  constructor(readonly detail: string) {
    super(`pushed metrics are invalid or inconsistent with existing metrics: ${detail}`, 'inconsistent_push');
  }
}

/** The persistence file could not be read or written. Retryable for writes (the next write tries again). */
export class PersistenceError extends Error {
  readonly code = 'pushgateway_persistence';
  readonly retryable = true;
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PersistenceError';
  }
}
