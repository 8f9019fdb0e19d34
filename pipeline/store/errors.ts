/** Base of the store role's errors: a stable `code`, whether retrying can help, and the cause. */
export class StoreError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A shard's offset file that cannot be read or does not decode. */
export class ShardOffsetFileError extends StoreError {
  constructor(
    readonly file: string,
    reason: string,
    cause?: unknown,
  ) {
    super('shard_offset_file', `shard offset file ${file}: ${reason}`, { cause });
  }
}

/** A batch arrived for a partition whose shard is not open here (its opening failed). */
export class ShardNotOpenError extends StoreError {
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    super('shard_not_open', `no open shard for ${topic} partition ${partition}`, { retryable: true });
  }
}

/** delete_series was put on the bus, but shards open here had not applied it in time. */
export class DeletionNotAppliedError extends StoreError {
  constructor(
    readonly topic: string,
    readonly partitions: readonly number[],
    waitedMs: number,
  ) {
    super('unavailable', `deletion recorded on ${topic} but not yet applied by the shards of partitions ${partitions.join(', ')} after ${waitedMs} ms; it will be applied when they reach it`, { retryable: true });
  }
}

/** A read or admin request with a bad parameter (answered 400, naming the parameter). */
export class StoreRequestError extends StoreError {
  constructor(
    readonly parameter: string,
    message: string,
    cause?: unknown,
  ) {
    super('bad_data', `invalid parameter "${parameter}": ${message}`, { cause });
  }
}

