import type { Labels } from './labels.js';
import type { HistogramValue } from './sample.js';

/** Options of one appended sample. */
export interface AppendOptions {
  /** The sample is a staleness marker: the series ended at this timestamp. */
  readonly stale?: boolean;
  /**
   * When the counter the sample belongs to started counting (ms; remote write 2.0's start or
   * created timestamp, OTLP's start time); absent or 0 when unknown.
   */
  readonly startTimestamp?: number;
}

/**
 * Collects the samples of one unit of work (a scrape, a push, a write request). Single use:
 * `commit()` hands everything to the sink and resolves once it is acknowledged by the bus (so an
 * HTTP push can answer 2xx only then); `rollback()` discards. Neither may be called twice, and
 * `append` after either throws.
 */
export interface Appender {
  append(labels: Labels, timestampMs: number, value: number, opts?: AppendOptions): void;
  /**
   * Appends a native-histogram sample (valid: connectors check it first). Absent on sinks that
   * carry float samples only; a connector receiving histograms then refuses them. Of `opts`,
   * only `startTimestamp` applies.
   */
  appendHistogram?(labels: Labels, timestampMs: number, histogram: HistogramValue, opts?: AppendOptions): void;
  /**
   * Appends samples `from` to `to` (exclusive) of one series' columns, none a staleness marker
   * and none with a start timestamp: what `append` of each in turn does, in one call. Absent on
   * sinks without it; a connector then appends one by one.
   */
  appendRun?(labels: Labels, timestampsMs: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number): void;
  commit(): Promise<void>;
  rollback(): void;
  /**
   * After `commit()` resolved: where the bus placed the unit's records (partition and offset of
   * each record). Absent for sinks that do not write to a partitioned bus.
   */
  acknowledged?(): readonly AcknowledgedRecord[];
}

/** A record of a committed unit as the bus acknowledged it. */
export interface AcknowledgedRecord {
  readonly partition: number;
  readonly offset: number;
}

/** What a connector knows of the pipeline: somewhere to hand samples to. */
export interface SampleSink {
  appender(): Appender;
}

/**
 * One unit of work: `fill` appends to a fresh appender, then `commit` (by default the appender's
 * own) hands it on. When `fill` throws, the appender is rolled back before the error goes on, so
 * no unit is left open: an open unit holds the producer watermark back, and every event-time
 * consumer with it.
 */
export async function appendUnit<T>(
  sink: SampleSink,
  fill: (app: Appender) => T | Promise<T>,
  commit: (app: Appender) => Promise<void> = (app) => app.commit(),
): Promise<T> {
  const app = sink.appender();
  let result: T;
  try {
    result = await fill(app);
  } catch (err) {
    app.rollback();
    throw err;
  }
  await commit(app);
  return result;
}
