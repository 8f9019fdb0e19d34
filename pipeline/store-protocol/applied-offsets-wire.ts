/**
 * Read-your-writes between the query layer and the stores: "wait until the shards of these
 * partitions have applied these offsets" (`POST /api/v1/store/wait_applied`), answered with the
 * partitions still behind when the wait ended.
 */

export interface WaitAppliedRequest {
  /**
   * Partitions of the samples topic to wait on, each with the offset (exclusive end, from a write
   * token; 0 for none) its shard must have applied.
   */
  readonly partitions: readonly { readonly partition: number; readonly offset: number }[];
  /** Also wait for every listed partition's high watermark as the store receives the request. */
  readonly strong: boolean;
  /** Longest the store waits before answering with what is still behind. */
  readonly timeoutMs: number;
}

/** A partition whose shard had not reached the wanted offset; `applied` is null when no shard of it is open on the store. */
export interface LaggingPartition {
  readonly partition: number;
  readonly applied: number | null;
  readonly wanted: number;
}

export interface WaitAppliedAnswer {
  /** Empty when every partition was applied far enough. */
  readonly lagging: readonly LaggingPartition[];
}

/** Whoever can wait for its shards to apply offsets: a store worker here, or a remote store. */
export interface AppliedOffsetsWaiter {
  waitApplied(req: WaitAppliedRequest): Promise<WaitAppliedAnswer>;
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Validates a request body; returns the reason it is not one. */
export function parseWaitAppliedRequest(body: unknown): WaitAppliedRequest | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'expected a JSON object';
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.partitions)) return 'partitions: expected an array of {partition, offset}';
  for (const [i, p] of b.partitions.entries()) {
    const x = p as Record<string, unknown> | null;
    if (x === null || typeof x !== 'object' || !isInt(x.partition) || !isInt(x.offset)) return `partitions[${i}]: expected {partition, offset} of non-negative integers`;
  }
  if (b.strong !== undefined && typeof b.strong !== 'boolean') return 'strong: expected a boolean';
  if (!isInt(b.timeoutMs)) return 'timeoutMs: expected a non-negative integer';
  return { partitions: b.partitions as WaitAppliedRequest['partitions'], strong: b.strong === true, timeoutMs: b.timeoutMs };
}

/** Validates an answer from a store; returns the reason it is not one. */
export function parseWaitAppliedAnswer(data: unknown): WaitAppliedAnswer | string {
  const d = data as { lagging?: unknown } | null;
  if (d === null || typeof d !== 'object' || !Array.isArray(d.lagging)) return 'expected {lagging: [...]}';
  for (const l of d.lagging as unknown[]) {
    const x = l as Record<string, unknown> | null;
    if (x === null || typeof x !== 'object' || !isInt(x.partition) || !isInt(x.wanted) || !(x.applied === null || typeof x.applied === 'number')) {
      return 'lagging: expected {partition, applied, wanted}';
    }
  }
  return d as WaitAppliedAnswer;
}
