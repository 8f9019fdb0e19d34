import { Counter, Gauge, type Registry } from 'prom-client';
import type { ResultCacheStats } from './result-cache.js';

/**
 * `/metrics` of the query_range result cache: pieces served from it wholly or partly, evaluated and cached,
 * evaluated again because a write touched them, evicted for memory, and its size now.
 */
export function registerResultCacheMetrics(registry: Registry, stats: () => ResultCacheStats): void {
  const counter = (name: string, help: string, key: keyof ResultCacheStats): void => {
    let seen = 0;
    const c: Counter = new Counter({
      name,
      help,
      registers: [registry],
      // Counted by the cache; carried over at each scrape.
      collect() {
        const now = stats()[key];
        if (now > seen) c.inc(now - seen);
        seen = now;
      },
    });
  };
  counter('tidemark_query_result_cache_hits_total', 'Range query pieces answered from the result cache.', 'hits');
  counter('tidemark_query_result_cache_partial_total', 'Range query pieces answered partly from the result cache (cached steps kept, newer or touched steps evaluated).', 'partial');
  counter('tidemark_query_result_cache_misses_total', 'Range query pieces evaluated wholly because the result cache held none of their steps still exact.', 'misses');
  counter('tidemark_query_result_cache_invalidated_total', 'Cached pieces evaluated again because a write applied since touched their metric names and time range.', 'invalidated');
  counter('tidemark_query_result_cache_evicted_total', 'Cached pieces dropped to stay within query.result_cache_max_bytes.', 'evicted');
  new Gauge({
    name: 'tidemark_query_result_cache_bytes',
    help: 'Estimated bytes of the pieces the result cache holds.',
    registers: [registry],
    collect() {
      this.set(stats().bytes);
    },
  });
}
