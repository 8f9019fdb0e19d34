/**
 * Errors of the embedded bus. Each names what failed and where (topic, partition, offset, file),
 * has a stable `code`, and says whether retrying can help.
 */

export interface EmbeddedBusErrorContext {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly file?: string;
  readonly group?: string;
}

export class EmbeddedBusError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly context: EmbeddedBusErrorContext;
  constructor(code: string, message: string, context: EmbeddedBusErrorContext, retryable: boolean, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EmbeddedBusError';
    this.code = code;
    this.retryable = retryable;
    this.context = context;
  }
}

/** The topic does not exist (call `ensureTopic` first) or its name is not a legal topic name. */
export class UnknownTopicError extends EmbeddedBusError {
  constructor(topic: string) {
    super('unknown_topic', `embedded bus: topic "${topic}" does not exist`, { topic }, false);
    this.name = 'UnknownTopicError';
  }
}

export class InvalidTopicNameError extends EmbeddedBusError {
  constructor(topic: string) {
    super(
      'invalid_topic_name',
      `embedded bus: topic name "${topic}" is invalid (1-249 characters of [a-zA-Z0-9._-], not "." or "..")`,
      { topic },
      false,
    );
    this.name = 'InvalidTopicNameError';
  }
}

export class PartitionOutOfRangeError extends EmbeddedBusError {
  constructor(topic: string, partition: number, partitions: number) {
    super(
      'partition_out_of_range',
      `embedded bus: partition ${partition} of topic "${topic}" does not exist (topic has ${partitions})`,
      { topic, partition },
      false,
    );
    this.name = 'PartitionOutOfRangeError';
  }
}

/** A record, offset or argument the bus cannot accept. */
export class InvalidArgumentError extends EmbeddedBusError {
  constructor(message: string, context: EmbeddedBusErrorContext) {
    super('invalid_argument', `embedded bus: ${message}`, context, false);
    this.name = 'InvalidArgumentError';
  }
}

/** The bus (or the consumer) was closed while the call was waiting or before it started. */
export class BusClosedError extends EmbeddedBusError {
  constructor(what: string) {
    super('bus_closed', `embedded bus: ${what} after close`, {}, false);
    this.name = 'BusClosedError';
  }
}

/** Writing or syncing the log failed; the records of this call were not acknowledged. */
export class LogWriteError extends EmbeddedBusError {
  constructor(topic: string, partition: number, file: string, cause: unknown) {
    super(
      'log_write',
      `embedded bus: writing ${file} (topic "${topic}" partition ${partition}) failed: ${String((cause as Error)?.message ?? cause)}`,
      { topic, partition, file },
      true,
      cause,
    );
    this.name = 'LogWriteError';
  }
}

/** A sealed segment holds bytes that do not parse; only a torn tail of the last segment is repaired. */
export class CorruptLogError extends EmbeddedBusError {
  constructor(file: string, position: number, reason: string) {
    super('corrupt_log', `embedded bus: ${file} is corrupt at byte ${position}: ${reason}`, { file }, false);
    this.name = 'CorruptLogError';
  }
}

/** Another process (still alive) holds the data directory. */
export class DataDirLockedError extends EmbeddedBusError {
  constructor(file: string, pid: number) {
    super('data_dir_locked', `embedded bus: ${file} is held by running process ${pid}`, { file }, false);
    this.name = 'DataDirLockedError';
  }
}

/** `resetGroup` while a member of the group runs on this bus and would overwrite the offsets. */
export class GroupActiveError extends EmbeddedBusError {
  constructor(group: string, topic: string) {
    super(
      'group_active',
      `embedded bus: group "${group}" has running members on topic "${topic}"; stop them before resetting`,
      { group, topic },
      false,
    );
    this.name = 'GroupActiveError';
  }
}

/** `seek` on a partition this member does not hold. */
export class NotAssignedError extends EmbeddedBusError {
  constructor(group: string, topic: string, partition: number) {
    super(
      'not_assigned',
      `embedded bus: partition ${partition} of "${topic}" is not assigned to this member of group "${group}"`,
      { group, topic, partition },
      true,
    );
    this.name = 'NotAssignedError';
  }
}
