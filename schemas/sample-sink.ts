import type { Labels } from './labels.js';

/** Options of one appended sample. */
export interface AppendOptions {
  /** The sample is a staleness marker: the series ended at this timestamp. */
  readonly stale?: boolean;
}

/**
 * Collects the samples of one unit of work (a scrape, a push, a write request). Single use:
 * `commit()` hands everything to the sink and resolves once it is acknowledged by the bus (so an
 * HTTP push can answer 2xx only then); `rollback()` discards. Neither may be called twice, and
 * `append` after either throws.
 */
export interface Appender {
  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void;
  commit(): Promise<void>;
  rollback(): void;
}

/** What a connector knows of the pipeline: somewhere to hand samples to. */
export interface SampleSink {
  appender(): Appender;
}
