import type { EngineOptions } from '../promql/index.js';
import type { QueryConfig } from './config.js';

/** The engine settings the query API evaluates with under `config` (one engine per timeout). */
export function queryEngineOptions(config: QueryConfig, timeoutMs: number = config.timeout_ms): EngineOptions {
  return { lookbackDelta: config.lookback_delta_ms, maxSamples: config.max_samples, timeoutMs };
}
