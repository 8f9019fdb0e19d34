// How roles find and read store shards: the shard registry, the select wire format and the
// HTTP client of a store's read API. The store serves it; query and rules read through it.
export { RemoteStoreQuerier, RemoteStoreQueryable, TOO_MANY_SAMPLES_STATUS, type RemoteStoreOptions } from './remote-store-querier.js';
export type { StoreClientSettings } from './store-http-client.js';
export { encodeSeriesSet, decodeSeriesSet, type WireSeries, type WireSeriesSet } from './series-wire.js';
export { encodeSeriesColumns, decodeSeriesColumns, SERIES_COLUMNS_CONTENT_TYPE } from './series-columns-wire.js';
export { encodeSelectChunks, PlannedSelects, SELECT_CHUNKS_CONTENT_TYPE } from './select-chunks-wire.js';
export { InProcessShardRegistry, type ShardRegistry, type ShardRegistryEntry } from './shard-registry.js';
export { RedisShardRegistry, type RedisShardRegistrySettings } from './redis-shard-registry.js';
export { RemoteStoreError } from './errors.js';
export { encodeLabelStats, decodeLabelStats, encodeLabelStatsRequest, type WireLabelStats, type WireLabelStatsRequest } from './label-stats-wire.js';
export {
  parseWaitAppliedAnswer,
  parseWaitAppliedRequest,
  type AppliedOffsetsWaiter,
  type LaggingPartition,
  type WaitAppliedAnswer,
  type WaitAppliedRequest,
} from './applied-offsets-wire.js';
export {
  joinChanges,
  parseChangesAnswer,
  parseChangesRequest,
  type ChangeCheck,
  type ChangeSource,
  type ChangesAnswer,
  type ChangesRequest,
  type PartitionPosition,
} from './changes-wire.js';
