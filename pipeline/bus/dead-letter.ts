import { encodeDeadLetter } from '../../schemas/dead-letter-codec.js';
import type { BatchHandler, Bus, BusRecord, ConsumedBatch } from './bus.js';

/** A record of the batch together with its decoded value. */
export interface DecodedRecord<T> {
  readonly record: BusRecord;
  readonly value: T;
}

export type DecodedBatchHandler<T> = (batch: ConsumedBatch, decoded: readonly DecodedRecord<T>[]) => Promise<void>;

export interface DeadLetterSettings<T> {
  readonly bus: Bus;
  /** Topic the undecodable records go to (partition 0: the dead-letter topic is low volume). */
  readonly deadLetterTopic: string;
  /** The consumer group, recorded in each dead letter. */
  readonly group: string;
  readonly decode: (bytes: Buffer) => T;
  /** Told about each dead-lettered record (metrics, logs). */
  readonly onDeadLetter?: (record: BusRecord, reason: string) => void;
}

/**
 * Wraps a handler of decoded values: records that fail to decode are written to the dead-letter
 * topic with the reason (and acknowledged there) before the handler sees the rest of the batch,
 * so when the handler commits past them nothing is lost and the consumer simply goes on.
 */
export function withDeadLetter<T>(settings: DeadLetterSettings<T>, handler: DecodedBatchHandler<T>): BatchHandler {
  return async (batch) => {
    const decoded: DecodedRecord<T>[] = [];
    const dead: { record: BusRecord; reason: string }[] = [];
    for (const record of batch.records) {
      try {
        decoded.push({ record, value: settings.decode(record.value) });
      } catch (err) {
        dead.push({ record, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    if (dead.length > 0) {
      const now = Date.now();
      await settings.bus.produce(
        settings.deadLetterTopic,
        dead.map(({ record, reason }) => ({
          partition: 0,
          timestampMs: now,
          value: encodeDeadLetter({
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            group: settings.group,
            reason,
            deadLetteredAtMs: now,
            originalTimestampMs: record.timestampMs,
            originalKey: record.key,
            originalValue: record.value,
          }),
        })),
      );
      for (const d of dead) settings.onDeadLetter?.(d.record, d.reason);
    }
    await handler(batch, decoded);
  };
}
