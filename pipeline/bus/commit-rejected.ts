/**
 * A commit the group refused because it is rebalancing or this member no longer holds the
 * partition. Expected around every rebalance, and harmless: the partition's next owner resumes from
 * its own durable state. Adapters reject `ConsumedBatch.commit` with it so callers can count it
 * apart from real failures.
 */
export class CommitRejectedError extends Error {
  override readonly name = 'CommitRejectedError';

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly group: string,
    /** What the group answered, e.g. REBALANCE_IN_PROGRESS. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`commit on ${topic} partition ${partition} refused by group ${group}: ${reason} (the group is rebalancing)`, options);
  }
}
