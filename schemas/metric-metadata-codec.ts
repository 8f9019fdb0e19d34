import { SingleObjectCodec, loadSchema } from './codec.js';

/** TYPE, HELP and UNIT of one metric family, as Prometheus' metadata APIs list them. */
export interface MetricMetadataEntry {
  readonly metric: string;
  /** counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown. */
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

/**
 * What one source announced (metric-metadata.v1.avsc). A scrape target's snapshot is `complete`
 * (it replaces the target's earlier ones; empty = the target is gone); pushed metadata
 * (remote_write) is not, and adds to what the source announced before.
 */
export interface MetricMetadataSnapshot {
  readonly source: string;
  readonly target: Readonly<Record<string, string>>;
  readonly complete: boolean;
  readonly timestampMs: number;
  readonly metrics: readonly MetricMetadataEntry[];
}

const codec = new SingleObjectCodec<MetricMetadataSnapshot>(loadSchema('metric-metadata.v1.avsc'));

export function encodeMetricMetadata(s: MetricMetadataSnapshot): Buffer {
  return codec.encode(s);
}

export function decodeMetricMetadata(bytes: Buffer): MetricMetadataSnapshot {
  const { source, target, complete, timestampMs, metrics } = codec.decode(bytes);
  return { source, target: { ...target }, complete, timestampMs, metrics: metrics.map(({ metric, type, help, unit }) => ({ metric, type, help, unit })) };
}
