/**
 * The bus moves bytes between components: partitioned, append-only topics with consumer groups.
 * Two adapters implement it with the same semantics (`kafka/` on kafkajs, `embedded/` on local
 * log files); `bus.contract.ts` is the suite both must pass. The bus knows nothing of samples.
 *
 * Offsets are per partition, start at 0 (or at the retention start) and grow by one per record.
 * A committed offset is the offset of the next record the group will read (Kafka's convention).
 */

export interface ProduceRecord {
  /** Explicit partition: producers place records themselves (see schemas/partition.ts). */
  readonly partition: number;
  readonly value: Buffer;
  readonly key?: Buffer | null;
  /** Record timestamp in ms; defaults to the time of produce. */
  readonly timestampMs?: number;
  readonly headers?: Readonly<Record<string, Buffer>>;
}

export interface ProducedRecord {
  readonly partition: number;
  readonly offset: number;
}

export interface BusRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, Buffer>>;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still retained. */
  readonly low: number;
  /** Offset the next produced record will get (the high watermark). */
  readonly high: number;
}

export interface PartitionOffset {
  readonly partition: number;
  readonly offset: number;
}

export interface PartitionLag {
  readonly partition: number;
  /** Committed offset of the group, or -1 when it has none. */
  readonly committed: number;
  readonly high: number;
  /** high - committed (high - low when nothing is committed). */
  readonly lag: number;
  /**
   * How far the group's member reported it applied the partition with its last commit (see
   * `ConsumedBatch.commit`), at least `committed`; `committed` when it reported nothing.
   */
  readonly applied: number;
  /** high - applied (high - low when nothing is committed): the records the group has yet to apply. */
  readonly appliedLag: number;
}

/** A consumer group as the bus describes it (for status pages; nothing depends on it). */
export interface GroupListing {
  readonly group: string;
  /** Topics the group consumes or has committed offsets on. */
  readonly topics: readonly string[];
  /**
   * Running members and the partitions each holds, per topic; null when the bus cannot tell
   * (brokers without DescribeGroups).
   */
  readonly members: readonly GroupMemberListing[] | null;
}

export interface GroupMemberListing {
  readonly id: string;
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** Where a consumer starts or a seek goes. */
export type StartPosition =
  | 'earliest'
  | 'latest'
  | { readonly offset: number }
  | { readonly timestampMs: number };

/**
 * Records of one partition handed to a handler, in offset order. The handler calls
 * `commit(offset)` only once everything before `offset` is durable on its side; the default is
 * one past the last record of the batch. Committing is optional (a reader that keeps its own
 * offsets, like a TSDB shard, may commit less often) and never goes backwards.
 */
export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly BusRecord[];
  /** The partition's high watermark when the batch was fetched. */
  readonly highWatermark: number;
  /**
   * `applied`, when given, is how far the handler has applied the partition (at least `offset`): a
   * reader that commits only what is durable on its side, like a TSDB shard whose durable point
   * trails what it holds in memory, reports its position with it, so `Bus.lag` can tell what it
   * has yet to apply. A commit of the same offset with a higher `applied` is sent.
   */
  commit(offset?: number, applied?: number): Promise<void>;
}

/**
 * Called with each fetched batch. Never called twice at once for one partition (batches of a
 * partition arrive in order, each after the previous handler call resolved); adapters may call it
 * concurrently for different partitions. A handler that throws gets the batch again later.
 */
export type BatchHandler = (batch: ConsumedBatch) => Promise<void>;

export interface ConsumeOptions {
  readonly group: string;
  readonly topic: string;
  /** Where to start on partitions the group has no committed offset for. Default 'earliest'. */
  readonly fromBeginning?: boolean;
  /**
   * Called when partitions are assigned to this member (before their first batch) and revoked
   * from it (after their last batch finished). A shard worker opens and closes shards here; it may
   * call `consumer.seek` from `onAssigned` to start where its durable state ends.
   */
  readonly onAssigned?: (partitions: number[]) => Promise<void> | void;
  readonly onRevoked?: (partitions: number[]) => Promise<void> | void;
  /**
   * Called once if the member fails for good: it could not join or rejoin its group after
   * retrying (Kafka). It consumes nothing afterwards; the owner should stop and exit non-zero.
   */
  readonly onFailed?: (err: Error) => void;
}

export interface Consumer {
  /** Resolves once the member has joined its group and holds an assignment (possibly empty). */
  readonly ready: Promise<void>;
  /** Partitions currently assigned to this member. */
  assignment(): number[];
  pause(partitions: readonly number[]): void;
  resume(partitions: readonly number[]): void;
  seek(partition: number, to: StartPosition): Promise<void>;
  /** Lag per assigned partition (committed offsets against high watermarks). */
  lag(): Promise<PartitionLag[]>;
  /** Stops fetching, waits for the handler in flight, leaves the group. Idempotent. */
  stop(): Promise<void>;
}

export interface Bus {
  /** Creates the topic with `partitions` partitions if it does not exist; returns the actual count. */
  ensureTopic(topic: string, partitions: number): Promise<number>;
  partitionCount(topic: string): Promise<number>;
  /**
   * Resolves only after every record is acknowledged (Kafka: by all in-sync replicas; embedded:
   * written and fsynced). The bus may keep the records' buffers (the embedded bus hands recent
   * records to its readers as produced): a producer does not change them once it has called this.
   */
  produce(topic: string, records: readonly ProduceRecord[]): Promise<ProducedRecord[]>;
  consume(opts: ConsumeOptions, handler: BatchHandler): Promise<Consumer>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the first offset whose record timestamp is >= timestampMs (high when none). */
  offsetsForTimestamp(topic: string, timestampMs: number): Promise<PartitionOffset[]>;
  /** The group's committed offsets (-1 where it has none). */
  committedOffsets(group: string, topic: string): Promise<PartitionOffset[]>;
  /**
   * Moves a group's committed offsets (the group must have no running member on this bus
   * instance that would overwrite them).
   */
  resetGroup(group: string, topic: string, to: StartPosition): Promise<void>;
  lag(group: string, topic: string): Promise<PartitionLag[]>;
  /** Every topic, sorted by name. */
  listTopics(): Promise<string[]>;
  /**
   * Every consumer group the bus knows, sorted by name. Kafka brokers without ListGroups
   * (librdkafka's mock) make it throw; callers fall back to the groups they know of.
   */
  listGroups(): Promise<GroupListing[]>;
  /** Stops every consumer and releases connections and files. Idempotent. */
  close(): Promise<void>;
}
