import { Counter, Gauge, Registry } from 'prom-client';
import { registeredCounter, registeredGauge } from '../../schemas/registered-metrics.js';

/** `tidemark_aggregation_*`: per rule input, late and output figures; watermark, lag and checkpoints. */
export class AggregationMetrics {
  readonly samples: Counter<'rule'>;
  readonly lateSamples: Counter<'rule'>;
  readonly outOfOrderSamples: Counter<'rule'>;
  readonly outputSamples: Counter<'rule'>;
  readonly windowsClosed: Counter<'rule'>;
  readonly inputSeries: Gauge<'rule'>;
  readonly outputSeries: Gauge<'rule'>;
  readonly watermark: Gauge<string>;
  readonly lag: Gauge<string>;
  readonly checkpoints: Counter<string>;
  readonly checkpointBytes: Gauge<string>;
  readonly checkpointSeconds: Gauge<string>;
  readonly lastCheckpoint: Gauge<string>;
  readonly partitionsMissing: Gauge<string>;
  readonly errors: Counter<'type' | 'stage'>;
  readonly records: Counter<'decoded_by'>;

  constructor(registry: Registry = new Registry()) {
    this.samples = registeredCounter(registry, 'tidemark_aggregation_samples_total', 'Input samples a rule aggregated.', ['rule']);
    this.lateSamples = registeredCounter(registry, 'tidemark_aggregation_late_samples_total', 'Input samples dropped because their window had already closed.', ['rule']);
    this.outOfOrderSamples = registeredCounter(registry, 'tidemark_aggregation_out_of_order_samples_total', 'Input samples dropped because their series already had a sample at or after their timestamp.', ['rule']);
    this.outputSamples = registeredCounter(registry, 'tidemark_aggregation_output_samples_total', 'Output samples published to the aggregates topic.', ['rule']);
    this.windowsClosed = registeredCounter(registry, 'tidemark_aggregation_windows_closed_total', 'Windows closed (outputs computed).', ['rule']);
    this.inputSeries = registeredGauge(registry, 'tidemark_aggregation_input_series', 'Input series a rule remembers.', ['rule']);
    this.outputSeries = registeredGauge(registry, 'tidemark_aggregation_output_series', 'Output series of the rule\'s last closed window.', ['rule']);
    this.watermark = registeredGauge(registry, 'tidemark_aggregation_watermark_seconds', 'Event-time watermark over the input partitions.', []);
    this.lag = registeredGauge(registry, 'tidemark_aggregation_lag_records', 'Records of the samples topic not yet read by the aggregator.', []);
    this.checkpoints = registeredCounter(registry, 'tidemark_aggregation_checkpoints_total', 'Checkpoints written.', []);
    this.checkpointBytes = registeredGauge(registry, 'tidemark_aggregation_checkpoint_bytes', 'Size of the last checkpoint.', []);
    this.checkpointSeconds = registeredGauge(registry, 'tidemark_aggregation_checkpoint_duration_seconds', 'How long the last checkpoint took to serialize and write (the event loop waits meanwhile).', []);
    this.lastCheckpoint = registeredGauge(registry, 'tidemark_aggregation_last_checkpoint_timestamp_seconds', 'When the last checkpoint was written.', []);
    this.partitionsMissing = registeredGauge(registry, 'tidemark_aggregation_partitions_missing', 'Input partitions not assigned to this aggregator (windows stay open until it holds them all).', []);
    this.records = registeredCounter(registry, 'tidemark_aggregation_records_total', 'Samples-topic records applied, by who decoded them: the store worker the aggregator follows, or the aggregator itself.', ['decoded_by']);
    this.errors = registeredCounter(registry, 'tidemark_aggregation_errors_total', 'Errors by type and stage.', ['type', 'stage']);
  }
}
