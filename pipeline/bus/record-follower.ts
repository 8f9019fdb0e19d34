import type { ConsumedBatch } from './bus.js';
import type { DecodedRecord } from './dead-letter.js';

/**
 * A reader of a topic that takes the records another reader in the same process decodes (the
 * aggregator following the store worker of the samples topic) instead of decoding them again
 * from its own consumer. The follower keeps its own consumer and positions: it reads for itself
 * wherever the leader is not at or behind it.
 */
export interface DecodedRecordFollower<T> {
  /**
   * Records of one partition as the leader applies them, in offset order; `decoded` holds the
   * decodable ones (the batch's other records could not be decoded). Resolves once applied.
   */
  follow(batch: ConsumedBatch, decoded: readonly DecodedRecord<T>[]): Promise<void>;
  /** The leader's positions changed other than by applying records: it joined, or took up or let go of partitions. */
  leaderChanged(): void;
}

/** What a follower asks of its leader. */
export interface DecodedRecordLeader {
  /**
   * The next offset of `partition` the leader will hand over: -1 when it starts from the earliest
   * record, undefined when it does not read the partition.
   */
  position(partition: number): number | undefined;
  /** False until the leader knows which partitions it reads (it has not joined its group yet). */
  settled(): boolean;
}
