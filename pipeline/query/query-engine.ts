import { sharedEvalPool, type EngineOptions } from '../promql/index.js';
import { sharedSelectSlabPool } from '../tsdb/shared-memory/index.js';
import type { QueryConfig } from './config.js';

/**
 * The engine settings the query API evaluates with under `config` (one engine per timeout):
 * queries are evaluated in the process' pool of `workers` worker threads, their selects decoded
 * into the process' select slab pool.
 */
export function queryEngineOptions(config: QueryConfig, timeoutMs: number = config.timeout_ms): EngineOptions {
  return {
    lookbackDelta: config.lookback_delta_ms, maxSamples: config.max_samples, timeoutMs,
    evaluator: sharedEvalPool(config.workers), slabs: sharedSelectSlabPool(config.select_slab_pool_bytes),
  };
}
