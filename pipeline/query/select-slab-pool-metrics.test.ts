import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { SelectSlabPool, SLAB_BYTES } from '../tsdb/shared-memory/index.js';
import { registerSelectSlabPoolMetrics } from './select-slab-pool-metrics.js';

describe('select slab pool metrics', () => {
  it('show the slabs leased and free, the bound and the misses at each scrape', async () => {
    const registry = new Registry();
    const pool = new SelectSlabPool(3 * SLAB_BYTES);
    registerSelectSlabPoolMetrics(registry, pool);
    const first = pool.lease();
    first.take();
    first.take();
    const second = pool.lease();
    second.take();
    second.take();
    second.take();
    second.release();
    const text = await registry.metrics();
    expect(text).toContain(`tidemark_query_select_slab_pool_bytes{state="leased"} ${2 * SLAB_BYTES}`);
    expect(text).toContain(`tidemark_query_select_slab_pool_bytes{state="free"} ${SLAB_BYTES}`);
    expect(text).toContain(`tidemark_query_select_slab_pool_limit_bytes ${3 * SLAB_BYTES}`);
    expect(text).toContain('tidemark_query_select_slab_pool_exhausted_total 2');
    first.release();
    const later = await registry.metrics();
    expect(later).toContain('tidemark_query_select_slab_pool_bytes{state="leased"} 0');
    expect(later).toContain(`tidemark_query_select_slab_pool_bytes{state="free"} ${3 * SLAB_BYTES}`);
    expect(later).toContain('tidemark_query_select_slab_pool_exhausted_total 2');
  });

  it('count the bytes of free slabs let go when the pool was idle', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const registry = new Registry();
      const pool = new SelectSlabPool(3 * SLAB_BYTES, 1_000);
      registerSelectSlabPoolMetrics(registry, pool);
      const lease = pool.lease();
      lease.take();
      lease.take();
      lease.release();
      expect(await registry.metrics()).toContain('tidemark_query_select_slab_pool_trimmed_bytes_total 0');
      vi.advanceTimersByTime(1_000);
      const text = await registry.metrics();
      expect(text).toContain(`tidemark_query_select_slab_pool_trimmed_bytes_total ${2 * SLAB_BYTES}`);
      expect(text).toContain('tidemark_query_select_slab_pool_bytes{state="free"} 0');
    } finally {
      vi.useRealTimers();
    }
  });
});
