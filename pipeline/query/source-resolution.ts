import { DurationError, parseDuration } from '../../schemas/duration.js';
import { parseExpr, planRollups, RollupSelectsQueryable, type ParsedQuery } from '../promql/index.js';
import type { Queryable } from '../tsdb/index.js';
import type { QueryConfig } from './config.js';
import { InvalidParamError } from './errors.js';

/** Response header naming the resolution a query was answered from (`raw`, `5m`, `1h`). */
export const SOURCE_RESOLUTION_HEADER = 'X-Tidemark-Source-Resolution';

/**
 * `max_source_resolution` as Thanos takes it: `raw` (0), `auto` (any tier, Infinity) or a
 * duration (`5m`, `1h`) capping the tier; absent, the `query.max_source_resolution` default.
 */
export function parseMaxSourceResolution(params: URLSearchParams, config: QueryConfig): number {
  const text = params.get('max_source_resolution') ?? config.max_source_resolution;
  if (text === 'raw' || text === '') return 0;
  if (text === 'auto') return Infinity;
  try {
    return parseDuration(text);
  } catch (err) {
    throw new InvalidParamError('max_source_resolution', `expected raw, auto or a duration such as 5m or 1h, got ${JSON.stringify(text)}`, err instanceof DurationError ? err : undefined);
  }
}

/** A query planned against the downsampled tiers: what to evaluate, over what, and at which resolution. */
export interface DownsampledQuery {
  readonly query: ParsedQuery;
  readonly queryable: (q: Queryable) => Queryable;
  /** Coarsest resolution read, ms; 0 = raw samples. */
  readonly resolution: number;
}

/**
 * Plans `text` for the configured tiers: range functions the windows answer read rollup columns
 * (promql rollup-plan.ts); the rest reads raw samples.
 */
export function downsampledQuery(text: string, scope: { start: number; end: number; interval: number }, config: QueryConfig, maxResolution: number): DownsampledQuery {
  const plan = planRollups(parseExpr(text), scope, config.downsampled_resolutions ?? [], maxResolution);
  if (plan.hints.size === 0) return { query: { text, expr: plan.expr }, queryable: (q) => q, resolution: 0 };
  return { query: { text, expr: plan.expr }, queryable: (q) => new RollupSelectsQueryable(q, plan.hints), resolution: plan.resolution };
}

/** `raw`, or a resolution as durations are written (`5m`, `1h`). */
export function resolutionText(ms: number): string {
  if (ms <= 0) return 'raw';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `query` with `downsampled_resolutions` defaulted to the resolutions of `store.downsampling`. */
export function withStoreTiers(query: QueryConfig, storeTiers: readonly { readonly resolution: number }[]): QueryConfig {
  return query.downsampled_resolutions !== undefined ? query : { ...query, downsampled_resolutions: storeTiers.map((t) => t.resolution) };
}
