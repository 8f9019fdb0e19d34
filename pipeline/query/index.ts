export { prometheusApi } from './prometheus-api.js';
export type { QueryApiSettings, QueryRoute, QueryHttpHandler, MetricMetadata } from './api-settings.js';
export { queryConfigSchema, type QueryConfig } from './config.js';
export { FanoutQuerier, FanoutQueryable, type FanoutShard, type FanoutOptions, type ShardLister } from './fanout-querier.js';
export { registryQueryable, registryShards, type RegistryShardsSettings } from './registry-shards.js';
export { formatExpr, formatDuration } from './expr-printer.js';
export { formatValue, formatTimestamp } from './api-response.js';
export { ReadRequestType, ReadResponseType } from './remote-read.js';
export { QueryApiError, InvalidParamError, TooManySeriesError, ShardsUnavailableError, type ApiErrorType } from './errors.js';
