import { Counter, Gauge, type Registry } from 'prom-client';
import type { SelectSlabPool } from '../tsdb/shared-memory/index.js';

/**
 * `/metrics` of the select slab pool (`query.select_slab_pool_bytes`): the memory it keeps, lent
 * to queries or free, its bound, and how often a query found it exhausted (took fresh memory).
 */
export function registerSelectSlabPoolMetrics(registry: Registry, pool: SelectSlabPool): void {
  new Gauge({
    name: 'tidemark_query_select_slab_pool_bytes',
    help: 'Bytes of the slabs queries select into that the pool keeps, by state: leased to a running query or free.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = pool.stats;
      this.set({ state: 'leased' }, s.pooledBytes - s.freeBytes);
      this.set({ state: 'free' }, s.freeBytes);
    },
  });
  new Gauge({
    name: 'tidemark_query_select_slab_pool_limit_bytes',
    help: 'Bound of the select slab pool (query.select_slab_pool_bytes).',
    registers: [registry],
    collect() {
      this.set(pool.limitBytes);
    },
  });
  let seen = 0;
  const exhausted: Counter = new Counter({
    name: 'tidemark_query_select_slab_pool_exhausted_total',
    help: 'Slabs a select asked the pool for while all it may keep were leased: the select took memory of its own, freed by garbage collection.',
    registers: [registry],
    // Counted by the pool; carried over at each scrape.
    collect() {
      const now = pool.stats.exhausted;
      if (now > seen) exhausted.inc(now - seen);
      seen = now;
    },
  });
}
