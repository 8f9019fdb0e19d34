import { z } from 'zod';
import type { TsdbOptions } from '../tsdb/index.js';
import { downsamplingSchema, tierOptions } from './downsampling-config.js';

/**
 * The `store` section of `tidemark.yml`: how a store worker turns its partitions of the samples
 * topic into TSDB shards. Durations are milliseconds.
 */
export const storeConfigSchema = z
  .object({
    data_dir: z.string().min(1).default('store')
      .describe('Directory holding one sub-directory per shard (`shards/<topic>-<partition>/`) and snapshots; a relative path is under --data.'),
    advertise_address: z.string().regex(/^(?:\[[^\]\s]+\]|[^:\s[\]]+):\d{1,5}$/, 'expected HOST:PORT').optional()
      .describe('Where query roles reach this store (HOST:PORT), announced in the shard registry; set it behind NAT or in containers. Default: the listen address, a wildcard host (0.0.0.0, ::) replaced by the hostname.'),
    group: z.string().min(1).default('store')
      .describe('Consumer group of the store workers on the samples topic.'),
    wal: z.enum(['bus', 'file']).default('bus')
      .describe('What a shard takes as its write-ahead log. bus: the partition itself; the shard keeps no log of its own, its durable offset is the first record with a sample neither in a block nor in its newest head checkpoint (head_checkpoint_interval_ms), and a restart loads the checkpoint and applies the partition again from there (the embedded bus keeps each partition from the store group\'s committed offset on; on Kafka the topic\'s retention.ms must reach that far). file: a TSDB write-ahead log in the shard directory, fsynced on every flush.'),
    head_checkpoint_interval_ms: z.number().int().min(0).default(300_000)
      .describe('With wal: bus, how often each shard writes its head (series, chunks, histograms, start timestamps) as a checkpoint with the bus offset it covers, and on a clean stop; the durable offset (and what the embedded bus keeps) moves to it, and a restart loads the checkpoint and applies the bus from there. Checkpoints are incremental: each writes the open chunk of every series and what changed since the one before (chunks closed since, new series), and links the rest, compressed (2 to 5 µs of CPU per series, against about 20 µs per series plus 0.13 CPU-s per million samples for a whole head); a shorter interval costs more CPU and disk writes and a longer one more replay after a crash. 0 writes none: a restart applies again everything not yet in a block.'),
    flush_interval_ms: z.number().int().min(10).default(1000)
      .describe('How often each shard is made durable (WAL fdatasync, or blocks cut with wal: bus) and its offset committed.'),
    flush_samples: z.number().int().min(1).default(500_000)
      .describe('A shard is also flushed once this many samples were appended since its last flush.'),
    compact_interval_ms: z.number().int().min(0).default(5 * 60_000)
      .describe('How often blocks are compacted and retention applied per shard; 0 disables it.'),
    max_heap_bytes: z.number().int().min(0).default(0)
      .describe('Partitions are paused while the V8 heap in use exceeds this; 0 disables the bound.'),
    memory_check_interval_ms: z.number().int().min(10).default(500)
      .describe('How often the heap is compared with `max_heap_bytes`.'),
    out_of_order_window_ms: z.number().int().min(0).optional()
      .describe('Accepted so that configurations setting Prometheus\' out_of_order_time_window load; it limits nothing: a shard stores every sample whatever its age (older than its blocks: see backfill_flush_samples).'),
    backfill_flush_samples: z.number().int().min(1).default(1_000_000)
      .describe('Samples older than a shard\'s cut blocks wait in its head for the next block cut; once it holds this many, the next flush writes them into blocks of their own (overlapping the others, merged by reads and compaction). Bounds the memory they take.'),
    backfill_flush_age_ms: z.number().int().min(0).default(600_000)
      .describe('... or once the oldest of them has waited this long, so they do not hold the durable offset (and what a restart applies again) back until the next cut.'),
    block_range_ms: z.number().int().min(60_000).default(2 * 3600_000)
      .describe('Range of the blocks cut from the head.'),
    retention_ms: z.number().int().min(0).default(15 * 24 * 3600_000)
      .describe('Blocks older than this behind the newest sample are deleted; 0 keeps forever.'),
    retention_bytes: z.number().int().min(0).default(0)
      .describe('Per shard, the oldest blocks are deleted while blocks exceed this size; 0 = unbounded.'),
    downsampling: downsamplingSchema,
    deletion_wait_ms: z.number().int().min(0).default(30_000)
      .describe('delete_series answers once the shards of this store applied the deletion it put on the bus; after this long it answers 503 (the deletion is still applied when the shards get to it).'),
    change_log_max_names: z.number().int().min(0).default(1_000_000)
      .describe('Metric-name references the change log keeps per topic (what each applied record touched: names and time range), which the query result cache asks to tell whether a cached piece is still exact; older records are forgotten first, and pieces cached before them are evaluated again.'),
  })
  .strict();

export type StoreConfig = z.infer<typeof storeConfigSchema>;

/** The options every shard's TSDB is opened with under this configuration. */
export function shardTsdbOptions(config: StoreConfig): TsdbOptions {
  return {
    blockRangeMs: config.block_range_ms,
    backfillFlushSamples: config.backfill_flush_samples,
    backfillFlushAgeMs: config.backfill_flush_age_ms,
    retentionMs: config.retention_ms,
    retentionBytes: config.retention_bytes,
    downsampling: tierOptions(config.downsampling),
  };
}
