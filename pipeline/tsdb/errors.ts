import { formatLabels, type Labels } from '../../schemas/labels.js';

/** Base of every TSDB error: a stable `code`, whether retrying can help, and the cause. */
export class TsdbError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A sample with the timestamp of a stored sample but another value (Prometheus' duplicate sample error). */
export class DuplicateSampleError extends TsdbError {
  constructor(
    readonly labels: Labels,
    readonly timestamp: number,
  ) {
    super('duplicate_sample', `sample for ${formatLabels(labels)} at ${timestamp} has a different value than the stored one`);
  }
}

/** Input the TSDB cannot store at all: a non-integer timestamp, an empty label set, an unknown ref. */
export class InvalidSampleError extends TsdbError {
  constructor(message: string, readonly labels?: Labels) {
    super('invalid_sample', message);
  }
}

/** A label matcher that cannot be compiled (a bad regular expression). */
export class InvalidMatcherError extends TsdbError {
  constructor(
    readonly label: string,
    readonly value: string,
    cause: unknown,
  ) {
    super('invalid_matcher', `invalid regular expression for label ${label}: ${JSON.stringify(value)}`, { cause });
  }
}

/** A file on disk that does not decode: bad magic, checksum mismatch, truncated section. */
export class CorruptionError extends TsdbError {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
    cause?: unknown,
  ) {
    super('corruption', `${file} at byte ${offset}: ${reason}`, { cause });
  }
}

export class TsdbClosedError extends TsdbError {
  constructor(readonly dir: string) {
    super('closed', `TSDB at ${dir} is closed`);
  }
}
