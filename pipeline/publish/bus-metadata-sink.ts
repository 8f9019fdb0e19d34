import type { MetadataSink } from '../../schemas/metadata-sink.js';
import { encodeMetricMetadata, type MetricMetadataSnapshot } from '../../schemas/metric-metadata-codec.js';
import type { Bus } from '../bus/bus.js';

export interface BusMetadataSinkSettings {
  readonly bus: Bus;
  /** The metadata topic (one partition: it is small, and one partition keeps every source's order). */
  readonly topic: string;
  /** Told of a snapshot the bus refused; the source announces again on its next change or refresh. */
  readonly onError: (err: Error, snapshot: MetricMetadataSnapshot) => void;
}

/**
 * Writes metadata snapshots to the metadata topic, one at a time in announcement order, so a
 * target's "gone" snapshot can never overtake its last list.
 */
export class BusMetadataSink implements MetadataSink {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly settings: BusMetadataSinkSettings) {}

  announce(snapshot: MetricMetadataSnapshot): void {
    const { bus, topic, onError } = this.settings;
    const value = encodeMetricMetadata(snapshot);
    this.tail = this.tail.then(async () => {
      try {
        await bus.produce(topic, [{ partition: 0, key: Buffer.from(snapshot.source), timestampMs: snapshot.timestampMs, value }]);
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)), snapshot);
      }
    });
  }

  /** Resolves once everything announced so far is written (or reported). */
  flushed(): Promise<void> {
    return this.tail;
  }
}
