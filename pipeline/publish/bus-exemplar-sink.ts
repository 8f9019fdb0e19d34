import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import { encodeExemplarBatch, type SeriesExemplar } from '../../schemas/exemplar-codec.js';
import type { Bus } from '../bus/bus.js';

export interface BusExemplarSinkSettings {
  readonly bus: Bus;
  /** The exemplars topic (one partition: readers keep one bounded ring of all of them). */
  readonly topic: string;
  /** Told of a batch the bus refused (exemplars are best effort, as in Prometheus' remote write). */
  readonly onError: (err: Error, count: number) => void;
}

/** Writes each scrape's or push's exemplars as one record, in order. */
export class BusExemplarSink implements ExemplarSink {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly settings: BusExemplarSinkSettings) {}

  record(exemplars: readonly SeriesExemplar[]): void {
    const { bus, topic, onError } = this.settings;
    const value = encodeExemplarBatch(exemplars);
    this.tail = this.tail.then(async () => {
      try {
        await bus.produce(topic, [{ partition: 0, value }]);
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)), exemplars.length);
      }
    });
  }

  /** Resolves once everything recorded so far is written (or reported). */
  flushed(): Promise<void> {
    return this.tail;
  }
}
