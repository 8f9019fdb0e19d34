import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, StorageType, type NatsConnection } from 'nats';
import { canonicalLabels, encodeSampleBatch, type Labels } from '../../schemas/index.js';
import type { HistogramValue } from '../../schemas/sample.js';
import type { AppendOptions, Appender, SampleSink } from '../../schemas/sample-sink.js';
import type { NatsOutputConfig } from './config.js';
import { NatsSetupError } from './errors.js';
import type { NatsMetrics } from './metrics.js';

export interface NatsSampleSinkSettings {
  readonly connection: NatsConnection;
  readonly config: NatsOutputConfig;
  /** Written into every batch: which edge produced it. */
  readonly source: string;
  readonly metrics?: NatsMetrics;
}

interface PendingSeries {
  labels: Labels;
  timestamps: number[];
  values: number[];
  stale: number[];
  startTimestamps?: number[];
  histograms?: { timestamps: number[]; histograms: HistogramValue[]; startTimestamps?: number[] };
}

/**
 * The edge's sink: sample batches (the bus's Avro records) published to a NATS subject instead of
 * the bus, for a central `tidemark ingest` to bridge in. With a stream configured, `commit()`
 * resolves only once JetStream stored every message; each message carries a msgID, and a retried
 * publish reuses it, so JetStream drops the duplicate.
 */
export class NatsSampleSink implements SampleSink {
  constructor(private readonly settings: NatsSampleSinkSettings) {}

  /** Creates the output stream when configured to; call before the first commit. */
  async ensureStream(): Promise<void> {
    const { stream, create_stream: create, subject } = this.settings.config;
    if (stream === undefined) return;
    try {
      const jsm = await this.settings.connection.jetstreamManager();
      try {
        await jsm.streams.info(stream);
      } catch (err) {
        if (!create) throw err;
        await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
      }
    } catch (cause) {
      throw new NatsSetupError(`output stream ${stream}: ${(cause as Error).message}`, { cause });
    }
  }

  appender(): Appender {
    return new NatsAppender(this.settings);
  }
}

class NatsAppender implements Appender {
  private readonly series = new Map<string, PendingSeries>();
  private state: 'open' | 'committed' | 'rolled back' = 'open';

  constructor(private readonly settings: NatsSampleSinkSettings) {}

  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void {
    if (this.state !== 'open') throw new Error(`append after the appender was ${this.state}`);
    const s = this.seriesOf(labels);
    if (opts?.stale === true) s.stale.push(s.timestamps.length);
    const st = opts?.startTimestamp ?? 0;
    if (st !== 0) (s.startTimestamps ??= new Array<number>(s.timestamps.length).fill(0)).push(st);
    else s.startTimestamps?.push(0);
    s.timestamps.push(timestampMs);
    s.values.push(opts?.stale === true ? Number.NaN : value);
  }

  appendHistogram(labels: Labels, timestampMs: number, histogram: HistogramValue, opts?: AppendOptions): void {
    if (this.state !== 'open') throw new Error(`appendHistogram after the appender was ${this.state}`);
    const h = (this.seriesOf(labels).histograms ??= { timestamps: [], histograms: [] });
    const st = opts?.startTimestamp ?? 0;
    if (st !== 0) (h.startTimestamps ??= new Array<number>(h.timestamps.length).fill(0)).push(st);
    else h.startTimestamps?.push(0);
    h.timestamps.push(timestampMs);
    h.histograms.push(histogram);
  }

  private seriesOf(labels: Labels): PendingSeries {
    const key = canonicalLabels(labels);
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = { labels, timestamps: [], values: [], stale: [] }));
    return s;
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`commit after the appender was ${this.state}`);
    this.state = 'committed';
    if (this.series.size === 0) return;
    const { connection, config, source } = this.settings;
    const all = [...this.series.values()];
    const id = randomUUID();
    const sends: Promise<void>[] = [];
    for (let i = 0, n = 0; i < all.length; i += config.max_series_per_message, n++) {
      const data = encodeSampleBatch({ series: all.slice(i, i + config.max_series_per_message) }, source);
      const msgID = `${source}-${id}-${n}`;
      if (config.stream === undefined) {
        connection.publish(config.subject, data);
        continue;
      }
      sends.push(publishWithRetry(connection, config.subject, data, msgID, config.publish_retries));
    }
    if (config.stream === undefined) await connection.flush();
    else await Promise.all(sends);
    this.settings.metrics?.published.inc(Math.ceil(all.length / config.max_series_per_message));
  }

  rollback(): void {
    if (this.state !== 'open') throw new Error(`rollback after the appender was ${this.state}`);
    this.state = 'rolled back';
    this.series.clear();
  }
}

async function publishWithRetry(nc: NatsConnection, subject: string, data: Uint8Array, msgID: string, retries: number): Promise<void> {
  const js = nc.jetstream();
  const h = natsHeaders();
  h.set('Content-Type', 'application/vnd.tidemark.sample-batch+avro');
  for (let attempt = 0; ; attempt++) {
    try {
      await js.publish(subject, data, { msgID, headers: h });
      return;
    } catch (err) {
      if (attempt >= retries) throw Object.assign(err as Error, { retryable: true });
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
