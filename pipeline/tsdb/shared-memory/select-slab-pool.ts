/**
 * Slabs that selects decode their columns into, kept for reuse. V8 starts no collection for
 * shared memory and every thread that held a slab (decode, evaluation, the one that serves HTTP)
 * must collect before it is freed, and then glibc's arenas keep it: a query set left hundreds of
 * megabytes resident that way. Pooled slabs are not dropped: a query leases them, and when it is
 * done they go back to the pool for the next query, already mapped and with no collection asked.
 */

/** Bytes of a pooled slab: one column of SLAB_SAMPLES (select-decode/column-slabs.ts) float64s. */
export const SLAB_BYTES = 2 ** 20;

/** Default `query.select_slab_pool_bytes`. */
export const DEFAULT_SLAB_POOL_BYTES = 256 * 2 ** 20;

/**
 * One query's use of a SelectSlabPool (SelectHints.slabs). Slabs taken through it, and slabs a
 * decode job filled and handed to it (`hold`), return to the pool on `release`, which the query
 * calls once nothing reads its columns any more.
 */
export interface SlabLease {
  /** A pooled slab of SLAB_BYTES held by this lease, or null (pool exhausted, lease released): then allocate one of your own. */
  take(): SharedArrayBuffer | null;
  /**
   * Slabs for a job that fills them elsewhere (a decode thread), not yet held by the lease: give
   * them to `hold` once the job is over, so a release meanwhile does not hand them to another query.
   */
  takeForJob(count: number): SharedArrayBuffer[];
  /**
   * Holds slabs from takeForJob until the release; ones a job did not use go straight back. False
   * (every one given back) when the lease was already released: nothing may read them.
   */
  hold(slabs: readonly SharedArrayBuffer[], used: ReadonlySet<SharedArrayBuffer>): boolean;
  /** Returns every held slab to the pool. Idempotent. */
  release(): void;
  readonly released: boolean;
}

export interface SlabPoolStats {
  /** The pool's bound (`query.select_slab_pool_bytes`). */
  readonly limitBytes: number;
  /** Bytes of slabs the pool has made (free and leased); never more than the limit. */
  readonly pooledBytes: number;
  /** Bytes of them free for the next query. */
  readonly freeBytes: number;
  /** Slabs asked for while every pooled slab was leased and the pool at its limit. */
  readonly exhausted: number;
}

/** Slabs of every pool of this thread, for those that count shared memory toward a collection. */
const pooled = new WeakSet<SharedArrayBuffer>();

/** Whether `b` belongs to a SelectSlabPool: it is reused, never dropped, so no collection frees it. */
export function isPooledSlab(b: SharedArrayBuffer): boolean {
  return pooled.has(b);
}

/**
 * A bounded set of select slabs: made on demand up to `limitBytes`, then reused. Past the limit
 * a select's slabs are its own (allocated and left to collection, as without a pool).
 */
export class SelectSlabPool {
  private readonly free: SharedArrayBuffer[] = [];
  private made = 0;
  private exhausted = 0;

  constructor(readonly limitBytes: number = DEFAULT_SLAB_POOL_BYTES) {
    if (!Number.isInteger(limitBytes) || limitBytes < 0) throw new RangeError(`a select slab pool's limit is a byte count, got ${limitBytes}`);
  }

  lease(): SlabLease {
    return new Lease(this);
  }

  get stats(): SlabPoolStats {
    return { limitBytes: this.limitBytes, pooledBytes: this.made * SLAB_BYTES, freeBytes: this.free.length * SLAB_BYTES, exhausted: this.exhausted };
  }

  /** A free slab, or a new one while under the limit; null past it. */
  take(): SharedArrayBuffer | null {
    // Last returned, first reused: its pages are the likeliest still in cache.
    const b = this.free.pop();
    if (b !== undefined) return b;
    if ((this.made + 1) * SLAB_BYTES > this.limitBytes) {
      this.exhausted++;
      return null;
    }
    this.made++;
    const slab = new SharedArrayBuffer(SLAB_BYTES);
    pooled.add(slab);
    return slab;
  }

  give(slabs: Iterable<SharedArrayBuffer>): void {
    for (const b of slabs) {
      if (!pooled.has(b)) throw new Error(`a slab of ${b.byteLength} bytes given back to a select slab pool that did not make it`);
      this.free.push(b);
    }
  }
}

class Lease implements SlabLease {
  private readonly held: SharedArrayBuffer[] = [];
  released = false;

  constructor(private readonly pool: SelectSlabPool) {}

  take(): SharedArrayBuffer | null {
    if (this.released) return null;
    const b = this.pool.take();
    if (b !== null) this.held.push(b);
    return b;
  }

  takeForJob(count: number): SharedArrayBuffer[] {
    const out: SharedArrayBuffer[] = [];
    while (!this.released && out.length < count) {
      const b = this.pool.take();
      if (b === null) break;
      out.push(b);
    }
    return out;
  }

  hold(slabs: readonly SharedArrayBuffer[], used: ReadonlySet<SharedArrayBuffer>): boolean {
    if (this.released) {
      this.pool.give(slabs);
      return false;
    }
    for (const b of slabs) {
      if (used.has(b)) this.held.push(b);
      else this.pool.give([b]);
    }
    return true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.give(this.held.splice(0));
  }
}

const pools = new Map<number, SelectSlabPool>();

/** The process' pool of `limitBytes` (made on first use), shared by every engine with that setting. */
export function sharedSelectSlabPool(limitBytes: number = DEFAULT_SLAB_POOL_BYTES): SelectSlabPool {
  let pool = pools.get(limitBytes);
  if (pool === undefined) {
    pool = new SelectSlabPool(limitBytes);
    pools.set(limitBytes, pool);
  }
  return pool;
}
