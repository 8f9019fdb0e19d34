import type { Labels } from '../../schemas/labels.js';
import type { MetricMetadataEntry, MetricMetadataSnapshot } from '../../schemas/metric-metadata-codec.js';

/** What one source (a scrape target, a remote_write receiver) announced, metrics sorted by name. */
export interface MetadataSource {
  readonly source: string;
  /** The tenant that pushed it (tenants on); each tenant's metadata of one source is held apart. */
  readonly tenant?: string;
  /** The scrape target's labels; empty for pushed metadata. */
  readonly target: Labels;
  readonly metrics: readonly MetricMetadataEntry[];
  /** When the source last announced anything (ms). */
  readonly updatedMs: number;
}

/** Read side of the catalog, as the metadata endpoints use it. */
export interface MetadataReader {
  /** Every source that has metadata, ordered by source. */
  sources(): readonly MetadataSource[];
}

interface Held {
  readonly source: string;
  readonly tenant: string | undefined;
  target: Labels;
  readonly metrics: Map<string, MetricMetadataEntry>;
  updatedMs: number;
}

/**
 * The metric metadata the pipeline has seen, folded from the metadata topic's snapshots in
 * order: a complete snapshot replaces its source's metadata (empty: the source is gone), any
 * other adds to it, the newest entry of a metric winning.
 */
export class MetadataCatalog implements MetadataReader {
  private readonly held = new Map<string, Held>();
  private cache: MetadataSource[] | undefined;

  apply(s: MetricMetadataSnapshot): void {
    this.cache = undefined;
    // A source (remote_write) pushed to by several tenants holds each one's metadata apart.
    const key = s.tenant === undefined ? s.source : `${s.source}\u0000${s.tenant}`;
    if (s.complete && s.metrics.length === 0) {
      this.held.delete(key);
      return;
    }
    let h = this.held.get(key);
    if (h === undefined || s.complete) {
      h = { source: s.source, tenant: s.tenant, target: s.target, metrics: new Map(), updatedMs: s.timestampMs };
      this.held.set(key, h);
    }
    h.target = s.target;
    h.updatedMs = Math.max(h.updatedMs, s.timestampMs);
    for (const m of s.metrics) h.metrics.set(m.metric, m);
  }

  sources(): readonly MetadataSource[] {
    this.cache ??= [...this.held.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, h]) => ({
        source: h.source,
        ...(h.tenant === undefined ? {} : { tenant: h.tenant }),
        target: h.target,
        updatedMs: h.updatedMs,
        metrics: [...h.metrics.values()].sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0)),
      }));
    return this.cache;
  }
}
