import type { Bus, ProduceRecord } from '../bus/bus.js';
import type { Labels } from '../../schemas/labels.js';
import type { HistogramValue } from '../../schemas/sample.js';
import { sampleBatchWriter } from '../../schemas/sample-batch-codec.js';
import type { SeriesSymbols } from '../../schemas/sample-batch-writer.js';
import { SeriesPartitioner } from '../../schemas/series-partitioner.js';
import type { AcknowledgedRecord, AppendOptions, Appender, SampleSink } from '../../schemas/sample-sink.js';
import { PartitionColumns } from './partition-columns.js';
import { WatermarkPublisher, type OpenWork, type WatermarkPublisherSettings } from './watermark-publisher.js';

export interface BusSampleSinkSettings {
  readonly bus: Bus;
  /** The samples topic and its partition count (fixed for the life of the sink). */
  readonly topic: string;
  readonly partitions: number;
  /** Written into every batch: which connector (and instance) produced it. */
  readonly source: string;
  /** Largest number of series in one record; bigger partitions are split. Default 5,000. */
  readonly maxSeriesPerRecord?: number;
  /**
   * Producer watermarks: while the sink writes, every partition is told how far its clock has
   * gone (watermark-publisher.ts), so event-time consumers need not wait on partitions without
   * data. Off when absent.
   */
  readonly watermarks?: Pick<WatermarkPublisherSettings, 'periodMs' | 'lagMs' | 'maxHoldMs' | 'producerId' | 'now' | 'onError'>;
}

/**
 * What the sink remembers of a labels object for its whole life: its partition and its label
 * strings sorted and interned (schemas/sample-batch-writer.ts). `owner`/`slot` say where the
 * series sits in the buffers of the appender that last appended it, so repeated appends of one
 * series in one unit of work need no map.
 */
export interface SinkSeries {
  readonly labels: Labels;
  readonly symbols: SeriesSymbols;
  readonly partition: number;
  owner: number;
  slot: number;
}

/** Series entries all remembered sequences may hold together (bounds memory when batches never repeat). */
const SEQUENCE_BUDGET = 1_000_000;

/**
 * The tail every connector shares: samples are grouped per series, series per partition (by the
 * series hash, schemas/partition.ts), each partition's series encoded as Avro sample batches and
 * produced; `commit()` resolves once the bus acknowledged every record.
 */
export class BusSampleSink implements SampleSink {
  private readonly partitioner: SeriesPartitioner;
  /**
   * By labels object: connectors hand over the same object for a series scrape after scrape (and
   * push after push), so hashing, sorting and interning happen once per series, not per sample.
   */
  private readonly byObject = new WeakMap<Labels, SinkSeries>();
  private appenders = 0;
  /** By first series: the series, in order, of the last unit of work that began with it (see BusAppender). */
  private readonly sequences = new Map<SinkSeries, SinkSeries[] | null>();
  private sequenceEntries = 0;
  /** Column buffers of finished units of work, reused (a scrape fills the same sizes every time). */
  private readonly spareColumns: PartitionColumns[] = [];

  /** The producer watermarks of this sink, when on. */
  readonly watermarks: WatermarkPublisher | undefined;
  private readonly now: () => number;

  constructor(private readonly settings: BusSampleSinkSettings) {
    this.partitioner = new SeriesPartitioner(settings.partitions);
    const w = settings.watermarks;
    this.now = w?.now ?? Date.now;
    this.watermarks = w === undefined ? undefined : new WatermarkPublisher({
      bus: settings.bus, topic: settings.topic, partitions: settings.partitions, source: settings.source, ...w,
    });
  }

  appender(): Appender {
    const app = new BusAppender(this.settings, this, ++this.appenders, this.watermarks === undefined ? 0 : this.now());
    this.watermarks?.begin(app);
    return app;
  }

  /** Stops the watermark heartbeat, telling consumers this producer is idle. */
  async close(): Promise<void> {
    await this.watermarks?.close();
  }

  /** @internal */
  columns(): PartitionColumns {
    return this.spareColumns.pop() ?? new PartitionColumns();
  }

  /** @internal */
  recycle(parts: readonly (PartitionColumns | undefined)[]): void {
    for (const c of parts) {
      if (c === undefined || this.spareColumns.length >= 2 * this.settings.partitions) continue;
      c.reset();
      this.spareColumns.push(c);
    }
  }

  /**
   * @internal The series sequence of the last unit of work that began with `first`: undefined
   * when none began with it yet, null when one did but its sequence was not kept (a series list
   * is kept only from the second time on, so senders whose batches never repeat cost no memory).
   */
  sequenceFrom(first: SinkSeries): SinkSeries[] | null | undefined {
    return this.sequences.get(first);
  }

  /** @internal */
  rememberSequence(first: SinkSeries, seq: SinkSeries[] | null): void {
    const old = this.sequences.get(first);
    if (old !== undefined) this.sequenceEntries -= old === null ? 1 : old.length;
    const size = seq === null ? 1 : seq.length;
    if (this.sequenceEntries + size > SEQUENCE_BUDGET) {
      this.sequences.clear();
      this.sequenceEntries = 0;
    }
    this.sequences.set(first, seq);
    this.sequenceEntries += size;
  }

  /** @internal */
  seriesOf(labels: Labels): SinkSeries {
    let s = this.byObject.get(labels);
    if (s === undefined) {
      s = {
        labels,
        symbols: sampleBatchWriter.symbolsOf(labels),
        partition: this.partitioner.partitionOf(labels),
        owner: 0,
        slot: 0,
      };
      this.byObject.set(labels, s);
    }
    return s;
  }
}

/**
 * A scrape appends the same labels objects in the same order every time (a push from a stable
 * sender too), so the appender follows the series sequence of the previous unit of work that
 * began with the same series: a comparison per sample instead of a map lookup, which is the
 * costliest part of an append. Any mismatch falls back to the map.
 */
class BusAppender implements Appender, OpenWork {
  /** Oldest sample appended (what the producer watermark may not pass while this is open). */
  minTs = Number.POSITIVE_INFINITY;
  private readonly parts: (PartitionColumns | undefined)[] = [];
  private last: SinkSeries | undefined;
  private first: SinkSeries | undefined;
  /** The previous sequence from this unit's first series; `k` series of this unit matched it so far. */
  private guess: SinkSeries[] | undefined;
  private k = 0;
  /** This unit's series in append order (one entry per run of appends to one series), when kept. */
  private seq: SinkSeries[] | undefined;
  private state: 'open' | 'committed' | 'rolled back' = 'open';
  private empty = true;
  private produced: readonly AcknowledgedRecord[] = [];

  constructor(
    private readonly settings: BusSampleSinkSettings,
    private readonly sink: BusSampleSink,
    private readonly id: number,
    readonly openedAt: number,
  ) {}

  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void {
    if (this.state !== 'open') throw new Error(`append after the appender was ${this.state}`);
    const s = this.seriesOf(labels);
    this.parts[s.partition]!.append(s.slot, timestampMs, value, opts?.stale === true, opts?.startTimestamp ?? 0);
    if (timestampMs < this.minTs) this.minTs = timestampMs;
    this.empty = false;
  }

  appendRun(labels: Labels, timestampsMs: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number): void {
    if (this.state !== 'open') throw new Error(`appendRun after the appender was ${this.state}`);
    if (to <= from) return;
    const s = this.seriesOf(labels);
    this.parts[s.partition]!.appendRun(s.slot, timestampsMs, values, from, to);
    let min = this.minTs;
    for (let i = from; i < to; i++) if (timestampsMs[i] < min) min = timestampsMs[i];
    this.minTs = min;
    this.empty = false;
  }

  appendHistogram(labels: Labels, timestampMs: number, histogram: HistogramValue, opts?: AppendOptions): void {
    if (this.state !== 'open') throw new Error(`appendHistogram after the appender was ${this.state}`);
    const s = this.seriesOf(labels);
    this.parts[s.partition]!.appendHistogram(s.slot, timestampMs, histogram, opts?.startTimestamp ?? 0);
    if (timestampMs < this.minTs) this.minTs = timestampMs;
    this.empty = false;
  }

  /** The series of `labels`, with its partition's columns and its slot there made for this unit of work. */
  private seriesOf(labels: Labels): SinkSeries {
    let s = this.last;
    if (s === undefined || s.labels !== labels) {
      const g = this.guess;
      const k = this.k;
      if (g !== undefined && k < g.length && g[k].labels === labels) {
        s = g[k];
        this.k = k + 1;
      } else {
        s = this.sink.seriesOf(labels);
        if (this.first === undefined) {
          this.first = s;
          const known = this.sink.sequenceFrom(s);
          if (known === null) this.seq = [s];
          else if (known !== undefined) {
            this.guess = known;
            this.k = 1; // the guess starts with `s` itself
          }
        } else {
          if (g !== undefined) {
            this.seq = g.slice(0, k);
            this.guess = undefined;
          }
          this.seq?.push(s);
        }
      }
      this.last = s;
    }
    let part = this.parts[s.partition];
    if (part === undefined) this.parts[s.partition] = part = this.sink.columns();
    if (s.owner !== this.id) {
      // First sample of the series in this unit of work (or another appender took it meanwhile:
      // the series then appears twice in the batch, which readers accept).
      s.owner = this.id;
      s.slot = part.addSeries(s.symbols);
    }
    return s;
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`commit after the appender was ${this.state}`);
    this.state = 'committed';
    try {
      if (this.empty) return;
      const first = this.first!;
      if (this.seq !== undefined) this.sink.rememberSequence(first, this.seq);
      else if (this.guess === undefined) this.sink.rememberSequence(first, null);
      // A unit that followed the guess to its end leaves it as it is.
      else if (this.k !== this.guess.length) this.sink.rememberSequence(first, this.guess.slice(0, this.k));
      const max = this.settings.maxSeriesPerRecord ?? 5_000;
      const records: ProduceRecord[] = [];
      for (let p = 0; p < this.parts.length; p++) {
        const part = this.parts[p];
        if (part === undefined) continue;
        part.encode(sampleBatchWriter, max, this.settings.source, (value) => records.push({ partition: p, value }));
      }
      this.sink.recycle(this.parts);
      this.parts.length = 0;
      this.produced = await this.settings.bus.produce(this.settings.topic, records);
    } finally {
      // Only once the records are on the bus may the promise pass them; a unit that failed
      // (to encode or to produce) ends too, or it would hold the promise back for good.
      this.sink.watermarks?.end(this);
    }
  }

  acknowledged(): readonly AcknowledgedRecord[] {
    return this.produced;
  }

  rollback(): void {
    if (this.state !== 'open') throw new Error(`rollback after the appender was ${this.state}`);
    this.state = 'rolled back';
    this.sink.watermarks?.end(this);
    this.sink.recycle(this.parts);
    this.parts.length = 0;
  }
}
