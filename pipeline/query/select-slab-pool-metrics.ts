import { Counter, Gauge, type Registry } from 'prom-client';
import type { SelectSlabPool } from '../tsdb/shared-memory/index.js';

/**
 * `/metrics` of the select slab pool (`query.select_slab_pool_bytes`): the memory it keeps, lent
 * to queries or free, its bound, how often a query found it exhausted (took fresh memory) and
 * what it let go when idle.
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
  poolCounter(registry, 'tidemark_query_select_slab_pool_exhausted_total',
    'Slabs a select asked the pool for while all it may keep were leased: the select took memory of its own, freed by garbage collection.',
    () => pool.stats.exhausted);
  poolCounter(registry, 'tidemark_query_select_slab_pool_trimmed_bytes_total',
    'Bytes of free slabs the pool let go: beyond the most the last two 30 s windows with queries leased at once, or every one after no query had used it for 5 min.',
    () => pool.stats.trimmedBytes);
}

/** A counter of what the pool counts itself (`read`), carried over at each scrape. */
function poolCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  const counter: Counter = new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > seen) counter.inc(now - seen);
      seen = now;
    },
  });
}
