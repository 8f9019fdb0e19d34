import { randomUUID } from 'node:crypto';
import { decodeMetricMetadata } from '../../schemas/metric-metadata-codec.js';
import type { Bus, Consumer } from '../bus/bus.js';
import type { MetadataCatalog } from './metadata-catalog.js';

export interface MetadataFollowerSettings {
  readonly bus: Bus;
  readonly topic: string;
  readonly catalog: MetadataCatalog;
  /** Prefix of the follower's own consumer group (each follower reads the whole topic). */
  readonly groupPrefix: string;
  /** Told of a record that is no metadata snapshot; it is skipped (the writer's records are checked where they are made). */
  readonly onBadRecord: (err: Error, where: { partition: number; offset: number }) => void;
}

/**
 * Keeps a catalog up to date with the metadata topic: reads it from the start (so a restarted
 * query role or store knows what the sources announced before), then follows it. Every follower
 * is its own consumer group, since every query replica needs every record; it commits nothing.
 */
export class MetadataFollower {
  private consumer: Consumer | undefined;

  constructor(private readonly settings: MetadataFollowerSettings) {}

  async start(): Promise<void> {
    const { bus, topic, catalog, groupPrefix, onBadRecord } = this.settings;
    this.consumer = await bus.consume({ group: `${groupPrefix}.${randomUUID()}`, topic, fromBeginning: true }, async (batch) => {
      for (const r of batch.records) {
        try {
          catalog.apply(decodeMetricMetadata(r.value));
        } catch (err) {
          onBadRecord(err instanceof Error ? err : new Error(String(err)), { partition: r.partition, offset: r.offset });
        }
      }
    });
    await this.consumer.ready;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}
