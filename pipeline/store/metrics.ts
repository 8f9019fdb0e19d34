import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { registeredCounter, registeredGauge } from '../../schemas/registered-metrics.js';

/**
 * The store role's metric set. Counters are per partition (a handful per worker); gauges are set
 * on every flush tick from the shards' state, and a partition's series are removed when the
 * partition leaves this worker.
 */
export class StoreMetrics {
  readonly recordsReceived: Counter<'partition'>;
  readonly samplesReceived: Counter<'partition'>;
  readonly samplesAppended: Counter<'partition'>;
  readonly samplesRejected: Counter<'partition' | 'reason'>;
  readonly samplesReplayed: Counter<'partition'>;
  readonly deadLetters: Counter<'partition'>;
  readonly errors: Counter<'type' | 'stage'>;
  readonly commitsRejected: Counter<'partition' | 'reason'>;
  readonly flushes: Counter<'partition'>;
  readonly flushSeconds: Histogram<string>;
  readonly headCheckpoints: Counter<'partition'>;
  readonly headCheckpointSeconds: Histogram<string>;
  readonly lag: Gauge<'partition'>;
  readonly durableOffset: Gauge<'partition'>;
  readonly headSeries: Gauge<'partition'>;
  readonly headSpanSeconds: Gauge<'partition'>;
  readonly walPendingBytes: Gauge<'partition'>;
  readonly blockBytes: Gauge<'partition'>;
  readonly blocks: Gauge<'partition'>;
  readonly ingestRate: Gauge<'partition'>;
  readonly pausedForMemory: Gauge<string>;
  readonly shards: Gauge<string>;

  constructor(registry: Registry) {
    const p = ['partition'] as const;
    this.recordsReceived = registeredCounter(registry, 'tidemark_store_records_received_total', 'Bus records received, by partition.', [...p]);
    this.samplesReceived = registeredCounter(registry, 'tidemark_store_samples_received_total', 'Samples decoded from bus records, by partition.', [...p]);
    this.samplesAppended = registeredCounter(registry, 'tidemark_store_samples_appended_total', 'Samples stored in the shard, by partition.', [...p]);
    this.samplesRejected = registeredCounter(registry, 'tidemark_store_samples_rejected_total',
      'Samples the TSDB refused, by partition and reason (duplicate_sample: another value at a timestamp the head holds, one the stored value takes precedence over (a staleness marker, a larger value); invalid; wal_replay: write-ahead log samples a shard could not replay on opening). No sample is refused for its age.', ['partition', 'reason']);
    this.samplesReplayed = registeredCounter(registry, 'tidemark_store_samples_replayed_total',
      'Samples of records replayed after a restart that the shard already held (ignored, not errors).', [...p]);
    this.deadLetters = registeredCounter(registry, 'tidemark_store_dead_letters_total', 'Undecodable records sent to the dead-letter topic.', [...p]);
    this.errors = registeredCounter(registry, 'tidemark_store_errors_total', 'Errors by type and stage.', ['type', 'stage']);
    this.commitsRejected = registeredCounter(registry, 'tidemark_store_commits_rejected_total',
      'Offset commits the consumer group refused while rebalancing (REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID, ...): expected around rebalances, not errors; the shard stays durable.', ['partition', 'reason']);
    this.flushes = registeredCounter(registry, 'tidemark_store_flushes_total', 'Shard flushes (WAL sync, offset file, commit).', [...p]);
    this.flushSeconds = (registry.getSingleMetric('tidemark_store_flush_duration_seconds') as Histogram<string> | undefined) ??
      new Histogram({ name: 'tidemark_store_flush_duration_seconds', help: 'Time a shard flush takes.', buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2], registers: [registry] });
    this.headCheckpoints = registeredCounter(registry, 'tidemark_store_head_checkpoints_total', 'Head checkpoints written (store.wal: bus), by partition.', [...p]);
    this.headCheckpointSeconds = (registry.getSingleMetric('tidemark_store_head_checkpoint_duration_seconds') as Histogram<string> | undefined) ??
      new Histogram({ name: 'tidemark_store_head_checkpoint_duration_seconds', help: 'Time a shard flush that wrote a head checkpoint took (the cut, the checkpoint write and its fsyncs).', buckets: [0.005, 0.02, 0.1, 0.5, 2, 10], registers: [registry] });
    this.lag = registeredGauge(registry, 'tidemark_store_partition_lag', 'Records of the partition not yet appended (high watermark minus position).', [...p]);
    this.durableOffset = registeredGauge(registry, 'tidemark_store_durable_offset', 'Offset up to which the shard is durable.', [...p]);
    this.headSeries = registeredGauge(registry, 'tidemark_store_head_series', 'Series in the shard head.', [...p]);
    this.headSpanSeconds = registeredGauge(registry, 'tidemark_store_head_span_seconds', 'Time span of the samples held in the shard head.', [...p]);
    this.walPendingBytes = registeredGauge(registry, 'tidemark_store_wal_pending_bytes', 'Write-ahead log bytes waiting for the next flush.', [...p]);
    this.blockBytes = registeredGauge(registry, 'tidemark_store_block_bytes', 'Bytes of the shard blocks on disk.', [...p]);
    this.blocks = registeredGauge(registry, 'tidemark_store_blocks', 'Blocks of the shard.', [...p]);
    this.ingestRate = registeredGauge(registry, 'tidemark_store_ingest_samples_per_second', 'Samples appended per second over the last flush tick.', [...p]);
    this.pausedForMemory = registeredGauge(registry, 'tidemark_store_paused_for_memory', '1 while partitions are paused because the heap crossed max_heap_bytes.', []);
    this.shards = registeredGauge(registry, 'tidemark_store_shards', 'Shards open on this worker.', []);
  }

  /** Drops a partition's gauge series when the partition leaves this worker. */
  forget(partition: number): void {
    const l = { partition: String(partition) };
    for (const g of [this.lag, this.durableOffset, this.headSeries, this.headSpanSeconds, this.walPendingBytes, this.blockBytes, this.blocks, this.ingestRate]) {
      g.remove(l);
    }
  }
}
