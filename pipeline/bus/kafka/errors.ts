/** Errors of the Kafka bus adapter: each names what failed and where, and whether a retry may help. */

export type KafkaBusErrorCode =
  | 'connect_failed'
  | 'produce_failed'
  | 'commit_failed'
  | 'topic_failed'
  | 'offsets_failed'
  | 'group_failed'
  | 'consume_failed'
  | 'invalid_argument'
  | 'closed';

export interface KafkaBusErrorContext {
  readonly code: KafkaBusErrorCode;
  readonly topic?: string;
  readonly partition?: number;
  readonly group?: string;
  /** True when the same call may succeed later (broker down, rebalance, timeout). */
  readonly retryable: boolean;
  readonly cause?: unknown;
}

export class KafkaBusError extends Error {
  override readonly name = 'KafkaBusError';
  readonly code: KafkaBusErrorCode;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly group: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, ctx: KafkaBusErrorContext) {
    const where = [
      ctx.topic !== undefined ? `topic ${ctx.topic}` : '',
      ctx.partition !== undefined ? `partition ${ctx.partition}` : '',
      ctx.group !== undefined ? `group ${ctx.group}` : '',
    ].filter(Boolean).join(', ');
    const causeMsg = ctx.cause instanceof Error ? `: ${ctx.cause.message}` : '';
    super(`${message}${where ? ` (${where})` : ''}${causeMsg}`, { cause: ctx.cause });
    this.code = ctx.code;
    this.topic = ctx.topic;
    this.partition = ctx.partition;
    this.group = ctx.group;
    this.retryable = ctx.retryable;
  }
}

// kafkajs errors that mean "the cluster is (for now) unreachable or busy", whatever their own flag.
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSNoBrokerAvailableError',
]);

/** Whether a kafkajs error (or anything in its cause chain) is worth retrying. */
export function isRetryableKafkaError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (TRANSIENT_NAMES.has(e.name)) return true;
    if ((e as { retriable?: unknown }).retriable === true) return true;
    const next = (e as { originalError?: unknown }).originalError ?? e.cause;
    if (next === e) break;
    e = next;
  }
  return false;
}

/** Wraps a kafkajs failure with what was being done and where; KafkaBusErrors pass through. */
export function kafkaBusError(
  err: unknown,
  message: string,
  ctx: Omit<KafkaBusErrorContext, 'retryable' | 'cause'>,
): KafkaBusError {
  if (err instanceof KafkaBusError) return err;
  return new KafkaBusError(message, { ...ctx, retryable: isRetryableKafkaError(err), cause: err });
}

// What a group answers to members of a generation that is ending: expected around rebalances.
const REBALANCE_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'FENCED_INSTANCE_ID',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

/** The group-protocol error type (e.g. REBALANCE_IN_PROGRESS) when `err` says the group is rebalancing. */
export function rebalanceErrorType(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && REBALANCE_TYPES.has(type)) return type;
    const next = (e as { originalError?: unknown }).originalError ?? e.cause;
    if (next === e) break;
    e = next;
  }
  return undefined;
}

/** kafkajs log messages that are the expected side of a rebalance (the protocol errors' texts). */
const REBALANCE_MESSAGES = [
  'The group is rebalancing',
  'This is not the correct coordinator for this group',
  'The coordinator is not aware of this member',
  'Specified group generation id is not valid',
  'The coordinator is loading',
  'The group coordinator is not available',
];

/** Whether a kafkajs log line (message plus its `error` field) is about a rebalance. */
export function isRebalanceLog(message: string, error: unknown): boolean {
  const text = typeof error === 'string' ? `${message} ${error}` : message;
  return REBALANCE_MESSAGES.some((m) => text.includes(m));
}
