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
 * What one source announced (metric-metadata.v2.avsc; v1 records, which carry no tenant, are
 * read too). A scrape target's snapshot is `complete` (it replaces the target's earlier ones;
 * empty = the target is gone); pushed metadata (remote_write) is not, and adds to what the source
 * announced before.
 */
export interface MetricMetadataSnapshot {
  readonly source: string;
  /** The tenant that sent it in a request (tenants on); a source's metadata is kept per tenant. */
  readonly tenant?: string;
  readonly target: Readonly<Record<string, string>>;
  readonly complete: boolean;
  readonly timestampMs: number;
  readonly metrics: readonly MetricMetadataEntry[];
}

/** The wire shape: the tenant is null when absent. */
type WireSnapshot = Omit<MetricMetadataSnapshot, 'tenant'> & { readonly tenant: string | null };

const codec = new SingleObjectCodec<WireSnapshot>(loadSchema('metric-metadata.v2.avsc'), [loadSchema('metric-metadata.v1.avsc')]);

export function encodeMetricMetadata(s: MetricMetadataSnapshot): Buffer {
  return codec.encode({ ...s, tenant: s.tenant ?? null });
}

export function decodeMetricMetadata(bytes: Buffer): MetricMetadataSnapshot {
  const { source, tenant, target, complete, timestampMs, metrics } = codec.decode(bytes);
  return {
    source,
    ...(tenant === null ? {} : { tenant }),
    target: { ...target },
    complete,
    timestampMs,
    metrics: metrics.map(({ metric, type, help, unit }) => ({ metric, type, help, unit })),
  };
}
