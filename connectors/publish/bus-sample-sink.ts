import type { Bus } from '../../pipeline/bus/bus.js';
import { canonicalLabels, type Labels } from '../../schemas/labels.js';
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

  constructor(private readonly settings: BusSampleSinkSettings) {
    this.partitioner = new SeriesPartitioner(settings.partitions);
  }

  appender(): Appender {
    return new BusAppender(this.settings, this.partitioner);
  }
}

class BusAppender implements Appender {
  private readonly series = new Map<string, PendingSeries>();
  private state: 'open' | 'committed' | 'rolled back' = 'open';

  constructor(
    private readonly settings: BusSampleSinkSettings,
    private readonly partitioner: SeriesPartitioner,
  ) {}

  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void {
    if (this.state !== 'open') throw new Error(`append after the appender was ${this.state}`);
    const key = canonicalLabels(labels);
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels, timestamps: [], values: [], stale: [] };
      this.series.set(key, s);
    }
    if (opts?.stale === true) s.stale.push(s.timestamps.length);
    s.timestamps.push(timestampMs);
    s.values.push(opts?.stale === true ? Number.NaN : value);
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`commit after the appender was ${this.state}`);
    this.state = 'committed';
    if (this.series.size === 0) return;
    const byPartition = new Map<number, PendingSeries[]>();
    for (const [key, s] of this.series) {
      const p = this.partitioner.partitionOf(s.labels, key);
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push(s);
    }
    const max = this.settings.maxSeriesPerRecord ?? 5_000;
    const records = [];
    for (const [partition, list] of byPartition) {
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
  }
}
