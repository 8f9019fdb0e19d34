import { describe, expect, it, vi } from 'vitest';
import { isPooledSlab, SelectSlabPool, SLAB_BYTES } from './select-slab-pool.js';
import { sharedMemory } from './shared-memory.js';

describe('SelectSlabPool', () => {
  it('makes slabs up to its limit, then answers null and counts the miss', () => {
    const pool = new SelectSlabPool(3 * SLAB_BYTES + 100);
    const lease = pool.lease();
    const got = [lease.take(), lease.take(), lease.take()];
    expect(got.every((b) => b instanceof SharedArrayBuffer && b.byteLength === SLAB_BYTES && isPooledSlab(b))).toBe(true);
    expect(new Set(got).size).toBe(3);
    expect(lease.take()).toBeNull();
    expect(pool.stats).toEqual({ limitBytes: 3 * SLAB_BYTES + 100, pooledBytes: 3 * SLAB_BYTES, freeBytes: 0, exhausted: 1, trimmedBytes: 0 });
  });

  it("lends a released lease's slabs to the next query, and none while the first holds them", () => {
    const pool = new SelectSlabPool(2 * SLAB_BYTES);
    const first = pool.lease();
    const held = [first.take(), first.take()];
    const second = pool.lease();
    expect(second.take()).toBeNull();
    first.release();
    first.release();
    expect(pool.stats.freeBytes).toBe(2 * SLAB_BYTES);
    const again = new Set([second.take(), second.take()]);
    expect(again).toEqual(new Set(held));
    expect(pool.stats.pooledBytes).toBe(2 * SLAB_BYTES);
  });

  it("keeps a job's slabs out of the lease until the job is over, and gives back those it did not use", () => {
    const pool = new SelectSlabPool(4 * SLAB_BYTES);
    const lease = pool.lease();
    const handed = lease.takeForJob(3);
    expect(handed).toHaveLength(3);
    // Released while the job runs: its slabs are not free for another query yet.
    lease.release();
    expect(pool.stats.freeBytes).toBe(0);
    expect(pool.lease().takeForJob(4)).toHaveLength(1);
    // Over: the released lease takes nothing, every slab goes back.
    expect(lease.hold(handed, new Set(handed.slice(0, 2)))).toBe(false);
    expect(pool.stats.freeBytes).toBe(3 * SLAB_BYTES);
  });

  it('holds the slabs a job wrote until release and gives the rest back at once', () => {
    const pool = new SelectSlabPool(4 * SLAB_BYTES);
    const lease = pool.lease();
    const handed = lease.takeForJob(4);
    expect(lease.hold(handed, new Set([handed[0]]))).toBe(true);
    expect(pool.stats.freeBytes).toBe(3 * SLAB_BYTES);
    lease.release();
    expect(pool.stats.freeBytes).toBe(4 * SLAB_BYTES);
  });

  it('takes nothing for a released lease and refuses slabs it did not make', () => {
    const pool = new SelectSlabPool(4 * SLAB_BYTES);
    const lease = pool.lease();
    lease.release();
    expect(lease.take()).toBeNull();
    expect(lease.takeForJob(2)).toEqual([]);
    expect(pool.stats.pooledBytes).toBe(0);
    expect(() => pool.give([new SharedArrayBuffer(SLAB_BYTES)])).toThrow(/did not make it/);
  });

  it('keeps nothing with a limit of 0', () => {
    const pool = new SelectSlabPool(0);
    expect(pool.lease().take()).toBeNull();
    expect(pool.stats.pooledBytes).toBe(0);
  });

  it('lets its free slabs go once unused for its idle time, keeps leased ones, and makes slabs again on demand', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const pool = new SelectSlabPool(4 * SLAB_BYTES, 1_000);
      let drops = 0;
      pool.onDrop(() => drops++);
      const first = pool.lease();
      first.take();
      first.take();
      first.release();
      vi.advanceTimersByTime(600);
      // A new lease restarts the idle time.
      const second = pool.lease();
      vi.advanceTimersByTime(600);
      expect(pool.stats).toMatchObject({ pooledBytes: 2 * SLAB_BYTES, freeBytes: 2 * SLAB_BYTES, trimmedBytes: 0 });
      // So does a take.
      const held = second.take();
      const collections = sharedMemory().collections;
      vi.advanceTimersByTime(999);
      expect(pool.stats).toMatchObject({ pooledBytes: 2 * SLAB_BYTES, freeBytes: SLAB_BYTES });
      vi.advanceTimersByTime(1);
      expect(pool.stats).toMatchObject({ pooledBytes: SLAB_BYTES, freeBytes: 0, trimmedBytes: SLAB_BYTES });
      expect(sharedMemory().collections).toBe(collections + 1);
      expect(drops).toBe(1);
      // The leased slab is still the pool's: it comes back, and goes after another idle time.
      second.release();
      expect(pool.stats.freeBytes).toBe(SLAB_BYTES);
      vi.advanceTimersByTime(1_000);
      expect(pool.stats).toMatchObject({ pooledBytes: 0, freeBytes: 0, trimmedBytes: 2 * SLAB_BYTES });
      const again = pool.lease().take();
      expect(again).not.toBeNull();
      expect(again).not.toBe(held);
      expect(pool.stats.pooledBytes).toBe(SLAB_BYTES);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets free slabs beyond the most leased at once in its last two used windows go at the end of a window', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const pool = new SelectSlabPool(8 * SLAB_BYTES, 60_000, 1_000);
      let drops = 0;
      pool.onDrop(() => drops++);
      const takeAndRelease = (n: number) => {
        const lease = pool.lease();
        for (let i = 0; i < n; i++) lease.take();
        lease.release();
      };
      takeAndRelease(6);
      vi.advanceTimersByTime(1_000);
      // The window that needed 6 is the last one: they stay.
      takeAndRelease(2);
      vi.advanceTimersByTime(1_000);
      expect(pool.stats).toMatchObject({ pooledBytes: 6 * SLAB_BYTES, trimmedBytes: 0 });
      expect(drops).toBe(0);
      const collections = sharedMemory().collections;
      takeAndRelease(2);
      // A slab leased across the window's end stays the pool's.
      const lease = pool.lease();
      lease.take();
      lease.take();
      lease.take();
      vi.advanceTimersByTime(1_000);
      expect(pool.stats).toMatchObject({ pooledBytes: 3 * SLAB_BYTES, freeBytes: 0, trimmedBytes: 3 * SLAB_BYTES });
      expect(sharedMemory().collections).toBe(collections + 1);
      expect(drops).toBe(1);
      lease.release();
      expect(pool.stats.freeBytes).toBe(3 * SLAB_BYTES);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the working set of queries that come back every window, and of windows apart without use in between', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const pool = new SelectSlabPool(8 * SLAB_BYTES, 60_000, 1_000);
      const lease = pool.lease();
      const slabs = [lease.take(), lease.take(), lease.take(), lease.take(), lease.take()];
      lease.release();
      for (let refresh = 0; refresh < 10; refresh++) {
        // A dashboard's refresh a window apart: every query finds its slabs free.
        vi.advanceTimersByTime(refresh % 2 === 0 ? 1_000 : 5_000);
        const again = pool.lease();
        for (let i = 0; i < 5; i++) again.take();
        again.release();
      }
      vi.advanceTimersByTime(1_000);
      expect(pool.stats).toMatchObject({ pooledBytes: 5 * SLAB_BYTES, freeBytes: 5 * SLAB_BYTES, trimmedBytes: 0 });
      expect(new Set(slabs).size).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an idle time or a window that is not a positive number of milliseconds', () => {
    expect(() => new SelectSlabPool(SLAB_BYTES, 0)).toThrow(/idle time/);
    expect(() => new SelectSlabPool(SLAB_BYTES, 1_000, 0)).toThrow(/window/);
  });
});
