import { randomUUID } from 'node:crypto';
import type { Bus, Consumer } from '../bus/bus.js';

export interface TopicFollowerSettings<T> {
  readonly bus: Bus;
  readonly topic: string;
  readonly decode: (bytes: Buffer) => T;
  /** Called with each record's value, in order per partition. */
  readonly apply: (value: T) => void;
  /** Prefix of the follower's own consumer group (each follower reads the whole topic). */
  readonly groupPrefix: string;
  /** Told of a record that does not decode; it is skipped (writers check what they write). */
  readonly onBadRecord: (err: Error, where: { partition: number; offset: number }) => void;
}

/**
 * Keeps in-memory state up to date with a small side topic (metadata, exemplars): reads it from
 * the start, so a restarted query role knows what was written before, then follows it. Every
 * follower is its own consumer group, since every query replica needs every record; a dead
 * letter per replica would be noise, so bad records are reported and skipped.
 */
export class TopicFollower<T> {
  private consumer: Consumer | undefined;

  constructor(private readonly settings: TopicFollowerSettings<T>) {}

  async start(): Promise<void> {
    const { bus, topic, decode, apply, groupPrefix, onBadRecord } = this.settings;
    this.consumer = await bus.consume({ group: `${groupPrefix}.${randomUUID()}`, topic, fromBeginning: true }, async (batch) => {
      for (const r of batch.records) {
        let value: T;
        try {
          value = decode(r.value);
        } catch (err) {
          onBadRecord(err instanceof Error ? err : new Error(String(err)), { partition: r.partition, offset: r.offset });
          continue;
        }
        apply(value);
      }
    });
    await this.consumer.ready;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}
