import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeriesPartitioner, type Labels } from '../../schemas/index.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { TestStorage, TestStorageFactory } from '../promql/promqltest/index.js';
import { ShardsQueryable, shardTsdbOptions, storeConfigSchema, type StoreConfig } from '../store/index.js';
import { Tsdb } from '../tsdb/index.js';
import type { QueryConfig } from './config.js';
import { CountingQueryable, QueryStats } from './query-stats.js';

export interface TsdbTestStorageOptions {
  /** Shards the series are spread over by the samples topic's partitioning; default 4. */
  readonly partitions?: number;
  /** The query settings whose read limits apply (the runner's engine uses the same). */
  readonly query: QueryConfig;
}

/**
 * promqltest storage on the production read path: series spread over TSDB shards (head, WAL and
 * blocks, opened with the store's shard options) by the same partitioning the samples topic
 * uses, read as `tidemark up` reads them (every shard merged, `ShardsQueryable`) through the
 * query API's series accounting (`CountingQueryable`, with `query.max_series`). Each `load` is
 * made durable (`flush`, which also cuts blocks from the head as a store's flush does).
 */
export function tsdbTestStorage(options: TsdbTestStorageOptions): TestStorageFactory {
  // Test files load samples in file order, not time order (a later series, or a later `load`, goes
  // back to t=0): the shards take them as a store takes any timestamp.
  const store: StoreConfig = storeConfigSchema.parse({});
  const partitions = options.partitions ?? 4;
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'tidemark-promqltest-'));
    const partitioner = new SeriesPartitioner(partitions);
    let generation = 0;
    let shards: Tsdb[] = [];
    const open = async (): Promise<void> => {
      generation++;
      shards = [];
      for (let p = 0; p < partitions; p++) shards.push(await Tsdb.open(join(root, `${generation}`, `p${p}`), shardTsdbOptions(store)));
    };
    const closeAll = async (): Promise<void> => {
      for (const t of shards) await t.close();
    };
    await open();
    const shardsQueryable = new ShardsQueryable(() => shards);
    const storage: TestStorage = {
      name: 'tsdb',
      queryable: {
        // As the query API: a fresh accounting per query over the shards.
        querier: (mint) => new CountingQueryable(shardsQueryable, new QueryStats(), options.query.max_series).querier(mint),
      },
      append(labels: Labels, t: number, v: number, stale: boolean, st?: number): void {
        shards[partitioner.partitionOf(labels)].append(labels, t, v, stale, st);
      },
      appendHistogram(labels: Labels, t: number, h: FloatHistogram, st?: number): void {
        shards[partitioner.partitionOf(labels)].appendHistogram(labels, t, h, st);
      },
      async loaded(): Promise<void> {
        for (const t of shards) await t.flush();
      },
      async clear(): Promise<void> {
        await closeAll();
        rmSync(join(root, `${generation}`), { recursive: true, force: true });
        await open();
      },
      async close(): Promise<void> {
        await closeAll();
        rmSync(root, { recursive: true, force: true });
      },
    };
    return storage;
  };
}
