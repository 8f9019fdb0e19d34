import type { Bus } from '../../pipeline/bus/bus.js';
import type { Labels } from '../../schemas/labels.js';
import { encodeSampleBatch } from '../../schemas/sample-batch-codec.js';
import { SeriesPartitioner } from '../../schemas/series-partitioner.js';
import type { AppendOptions, Appender, SampleSink } from '../sample-sink.js';

export interface BusSampleSinkSettings {
  readonly bus: Bus;
  /** The samples topic and its partition count (fixed for the life of the sink). */
  readonly topic: string;
  readonly partitions: number;
  /** Written into every batch: which connector (and instance) produced it. */
  readonly source: string;
  /** Largest number of series in one record; bigger partitions are split. Default 5,000. */
  readonly maxSeriesPerRecord?: number;
}

interface PendingSeries {
  labels: Labels;
  timestamps: number[];
  values: number[];
  stale: number[];
}

/**
 * The tail every connector shares: samples are grouped per series, series per partition (by the
 * series hash, schemas/partition.ts), each partition's series encoded as Avro sample batches and
 * produced; `commit()` resolves once the bus acknowledged every record.
 */
export class BusSampleSink implements SampleSink {
  private readonly partitioner: SeriesPartitioner;
  /**
   * Partition by labels object: connectors hand over the same object for a series scrape after
   * scrape, so hashing (the costly part) happens once per series, not once per sample.
   */
  private readonly partitionByObject = new WeakMap<Labels, number>();

  constructor(private readonly settings: BusSampleSinkSettings) {
    this.partitioner = new SeriesPartitioner(settings.partitions);
  }

  appender(): Appender {
    return new BusAppender(this.settings, (labels) => {
      let p = this.partitionByObject.get(labels);
      if (p === undefined) {
        p = this.partitioner.partitionOf(labels);
        this.partitionByObject.set(labels, p);
      }
      return p;
    });
  }
}

class BusAppender implements Appender {
  /** Series of this unit of work by labels object (the same series under two objects is fine: a batch may name a series twice). */
  private readonly series = new Map<Labels, PendingSeries>();
  private readonly byPartition = new Map<number, PendingSeries[]>();
  private state: 'open' | 'committed' | 'rolled back' = 'open';

  constructor(
    private readonly settings: BusSampleSinkSettings,
    private readonly partitionOf: (labels: Labels) => number,
  ) {}

  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void {
    if (this.state !== 'open') throw new Error(`append after the appender was ${this.state}`);
    let s = this.series.get(labels);
    if (s === undefined) {
      s = { labels, timestamps: [], values: [], stale: [] };
      this.series.set(labels, s);
      const p = this.partitionOf(labels);
      let list = this.byPartition.get(p);
      if (list === undefined) this.byPartition.set(p, (list = []));
      list.push(s);
    }
    if (opts?.stale === true) s.stale.push(s.timestamps.length);
    s.timestamps.push(timestampMs);
    s.values.push(opts?.stale === true ? Number.NaN : value);
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`commit after the appender was ${this.state}`);
    this.state = 'committed';
    if (this.series.size === 0) return;
    const max = this.settings.maxSeriesPerRecord ?? 5_000;
    const records = [];
    for (const [partition, list] of this.byPartition) {
      for (let i = 0; i < list.length; i += max) {
        records.push({ partition, value: encodeSampleBatch({ series: list.slice(i, i + max) }, this.settings.source) });
      }
    }
    await this.settings.bus.produce(this.settings.topic, records);
  }

  rollback(): void {
    if (this.state !== 'open') throw new Error(`rollback after the appender was ${this.state}`);
    this.state = 'rolled back';
    this.series.clear();
    this.byPartition.clear();
  }
}
