export { StoreWorker, shardDirectory, type StoreWorkerSettings, type StoreLogger } from './store-worker.js';
export { storeConfigSchema, shardTsdbOptions, type StoreConfig } from './config.js';
export { Shard, type ShardSettings } from './shard.js';
export { ShardsQueryable } from './shards-queryable.js';
export { StoreMetrics } from './metrics.js';
export { storeHttpApi, parseTime, type StoreHttpTarget, type StoreRoute, type StoreHttpHandler } from './store-http-api.js';
export { readShardOffsets, writeDurableOffset, OFFSET_FILE, type ShardOffsets } from './shard-offset-file.js';
export { StoreError, ShardOffsetFileError, ShardNotOpenError, StoreRequestError } from './errors.js';
