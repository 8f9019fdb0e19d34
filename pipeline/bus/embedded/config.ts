import { z } from 'zod';
import type { BusCompression } from '../record-compression.js';

/**
 * The embedded bus section of `tidemark.yml`. Retention is per partition, as in Kafka: whole
 * sealed segments are dropped once every record in them is older than `retention_ms`, or while the
 * partition is larger than `retention_bytes`. -1 means no limit. Beyond Kafka, a segment that
 * every store group has made durable goes once it is older than `replay_window_ms`.
 */
export const embeddedBusConfigSchema = z
  .object({
    segment_bytes: z.number().int().min(1024).default(64 * 1024 * 1024)
      .describe('Size at which a partition rolls to a new segment file.'),
    retention_ms: z.number().int().min(-1).default(7 * 24 * 3600 * 1000)
      .describe('Age after which a sealed segment is deleted (by its newest record timestamp); -1 keeps forever.'),
    retention_bytes: z.number().int().min(-1).default(-1)
      .describe('Per-partition size above which the oldest sealed segments are deleted; -1 for no limit.'),
    replay_window_ms: z.number().int().min(-1).default(2 * 3600 * 1000)
      .describe('A sealed segment wholly below the offset the store group has made durable (its committed offset; with aggregation rules, also below the aggregator group\'s checkpoint) is deleted once its newest record is older than this: replay and `store --rebuild` reach back at least this far, and further only where retention_ms has not yet deleted. -1: only retention_ms and retention_bytes delete.'),
    retention_check_interval_ms: z.number().int().min(100).default(60_000)
      .describe('How often retention is enforced.'),
    max_record_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(64 * 1024 * 1024)
      .describe('Largest record (key, headers and value) accepted.'),
    fetch_max_bytes: z.number().int().min(1024).default(8 * 1024 * 1024)
      .describe('About how many bytes of one partition a consumer hands its handler per batch.'),
    commit_sync_interval_ms: z.number().int().min(0).default(1000)
      .describe('Committed offsets are fsynced at most this often (they always survive a process kill; 0 syncs every commit).'),
    index_interval_bytes: z.number().int().min(256).default(64 * 1024)
      .describe('Bytes of log between sparse index entries.'),
    compaction: z.enum(['brotli', 'none']).default('brotli')
      .describe('How sealed segments are rewritten in the background: brotli (the default) stores runs of consecutive records compressed together, each read back and compared before it replaces the segment (sample batches in series-dictionary form: about a tenth of the bytes of records compressed one by one with lz4 on the samples topic); none leaves them as written. Consumers read either, so it can be changed at any time.'),
    compaction_segment_bytes: z.number().int().min(1024).default(4 * 1024 * 1024)
      .describe('With compaction, the active segment is sealed at this size (or at segment_bytes if smaller), so that all but the newest few MiB of each partition get compacted; a partition that received nothing for a minute has its active segment sealed too once it holds 1 MiB (or compaction_run_bytes if smaller).'),
    compaction_run_bytes: z.number().int().min(1024).default(8 * 1024 * 1024)
      .describe('Bytes of records (their uncompressed frames) compacted together in one run (the default takes a sealed segment of sample batches whole: each series is written once per run); a read of any record of a run inflates and rebuilds the whole run.'),
    compaction_cpu_share: z.number().gt(0).max(1).default(0.25)
      .describe('Share of one core\'s time compaction may use: after each run it pauses so that its thread is busy at most this share of the time.'),
  })
  .strict();

export type EmbeddedBusConfig = z.infer<typeof embeddedBusConfigSchema>;

/** Minimal structured logger (pino's `Logger` satisfies it). */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What code (not YAML) injects. */
export interface EmbeddedBusSettings {
  readonly dataDir: string;
  readonly config?: Partial<EmbeddedBusConfig>;
  /** How record values are stored in the log files (`bus.compression`); default lz4. */
  readonly compression?: BusCompression;
  /** Defaults to pino on stderr. */
  readonly logger?: BusLogger;
  /**
   * Consumer groups that keep what they consume durably elsewhere (the store group): a segment
   * below every one's committed offset goes after `replay_window_ms`. Topics none of them has
   * committed on keep segments by `retention_ms` and `retention_bytes` only.
   */
  readonly durableGroups?: readonly string[];
  /** Clock for default record timestamps and retention; defaults to Date.now. */
  readonly now?: () => number;
  /** Log compaction awaits this before each run (LogCompactorSettings.yieldTo). */
  readonly compactionYieldTo?: () => Promise<void>;
}
