import type { MetricMetadataSnapshot } from './metric-metadata-codec.js';

/**
 * Where a connector hands the metric metadata (TYPE, HELP, UNIT) it learned: beside the samples,
 * not with them, since metadata changes rarely and belongs to a source rather than a series.
 * `announce` does not wait for the bus; a sink reports its own write errors.
 */
export interface MetadataSink {
  announce(snapshot: MetricMetadataSnapshot): void;
}
