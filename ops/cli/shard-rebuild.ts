/**
 * `--rebuild`: a store's damaged shards are moved aside and rebuilt from the bus. A worker that
 * finds no shard directory replays its partition from the log's start, so the rebuild itself is
 * the ordinary start; this decides what may be moved. Nothing is moved unless every named shard
 * can be rebuilt whole: a log that no longer reaches a shard's first record (retention deleted
 * it) would silently lose what only the old shard holds, so that is refused unless forced.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';
import type { Bus } from '../../pipeline/bus/bus.js';
import { shardDirectory } from '../../pipeline/store/index.js';
import { UsageError } from './flags.js';

export class ShardRebuildRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardRebuildRefusedError';
  }
}

/** `all`, or partition numbers as written (`0,3,7`). Throws UsageError. */
export function parseRebuildSpec(spec: string): 'all' | number[] {
  if (spec.trim() === 'all') return 'all';
  const parts = spec.split(',').map((p) => p.trim());
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) throw new UsageError(`--rebuild: expected all or partition numbers separated by commas, got ${JSON.stringify(spec)}`);
    out.push(Number(p));
  }
  return out;
}

export interface ShardMove {
  readonly topic: string;
  readonly partition: number;
  readonly from: string;
  readonly to: string;
  /** The partition's high watermark when the shard was moved: what the rebuild replays up to. */
  readonly records: number;
}

/**
 * Moves the named shards of each topic aside (`<dir>.before-rebuild-<stamp>`) and returns what was
 * moved; shards without a directory need no move. Throws ShardRebuildRefusedError, moving
 * nothing, when a shard's partition log starts after offset 0 and `force` is not set.
 */
export async function moveShardsAside(o: {
  readonly bus: Bus;
  readonly dataDir: string;
  readonly topics: readonly string[];
  readonly spec: 'all' | readonly number[];
  readonly force: boolean;
  readonly stamp: string;
}): Promise<ShardMove[]> {
  const moves: ShardMove[] = [];
  const refusals: string[] = [];
  for (const topic of o.topics) {
    const offsets = await o.bus.offsets(topic);
    const partitions = o.spec === 'all' ? offsets.map((p) => p.partition) : o.spec;
    for (const partition of partitions) {
      const log = offsets.find((p) => p.partition === partition);
      if (log === undefined) throw new UsageError(`--rebuild: topic ${topic} has no partition ${partition} (it has ${offsets.length})`);
      const dir = shardDirectory(o.dataDir, topic, partition);
      if (!existsSync(dir)) continue;
      if (log.low > 0 && !o.force) {
        refusals.push(`${topic}-${partition}: the bus keeps this partition only from offset ${log.low}, so records 0 to ${log.low - 1} exist only in the shard`);
        continue;
      }
      moves.push({ topic, partition, from: dir, to: `${dir}.before-rebuild-${o.stamp}`, records: log.high });
    }
  }
  if (refusals.length > 0) {
    throw new ShardRebuildRefusedError(`cannot rebuild without losing samples (nothing was moved): ${refusals.join('; ')}. The log keeps what the stores made durable for bus.embedded.replay_window_ms (on Kafka: the topic's retention.ms), not from the start. Keep the shards, or rerun with --rebuild-force to rebuild anyway and lose them`);
  }
  for (const m of moves) await rename(m.from, m.to);
  return moves;
}

/**
 * Rebuild progress per shard on `/metrics`, read at each scrape: records replayed of those the
 * partition held when the rebuild started, and the ratio (1 once the shard has caught up to that
 * point). `position` gives a shard's next offset to append, undefined until it opens.
 */
export function registerRebuildProgress(registry: Registry, moves: readonly ShardMove[], position: (topic: string, partition: number) => number | undefined): void {
  if (moves.length === 0) return;
  const replayed = (m: ShardMove) => Math.min(m.records, Math.max(0, position(m.topic, m.partition) ?? 0));
  new Gauge({
    name: 'tidemark_store_rebuild_target_records',
    help: 'Records a rebuilt shard replays: its partition\'s high watermark when the rebuild started.',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    collect() {
      for (const m of moves) this.set({ topic: m.topic, partition: String(m.partition) }, m.records);
    },
  });
  new Gauge({
    name: 'tidemark_store_rebuild_replayed_records',
    help: 'Records of the rebuild target a rebuilt shard has appended so far.',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    collect() {
      for (const m of moves) this.set({ topic: m.topic, partition: String(m.partition) }, replayed(m));
    },
  });
  new Gauge({
    name: 'tidemark_store_rebuild_progress_ratio',
    help: 'Share of the rebuild target a rebuilt shard has appended (1 when it has caught up).',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    collect() {
      for (const m of moves) this.set({ topic: m.topic, partition: String(m.partition) }, m.records === 0 ? 1 : replayed(m) / m.records);
    },
  });
}
