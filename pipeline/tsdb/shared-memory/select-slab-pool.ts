/**
 * Slabs that selects decode their columns into, kept for reuse. V8 starts no collection for
 * shared memory and every thread that held a slab (decode, evaluation, the one that serves HTTP)
 * must collect before it is freed, and then glibc's arenas keep it: a query set left hundreds of
 * megabytes resident that way. Pooled slabs are not dropped while queries come: a query leases
 * them, and when it is done they go back to the pool for the next query, already mapped and with
 * no collection asked. Once no query has used the pool for a while, its free slabs are let go.
 */
import { sharedMemory } from './shared-memory.js';

/** Bytes of a pooled slab: one column of SLAB_SAMPLES (select-decode/column-slabs.ts) float64s. */
export const SLAB_BYTES = 2 ** 20;

/** Default `query.select_slab_pool_bytes`. */
export const DEFAULT_SLAB_POOL_BYTES = 256 * 2 ** 20;

/**
 * How long the pool keeps its free slabs after the last lease or return: longer than the usual
 * dashboard refresh and rule interval (a pool emptied between two of them would map its slabs
 * again at each), short enough that a process whose queries stopped does not keep them for good.
 */
export const DEFAULT_SLAB_POOL_IDLE_MS = 5 * 60_000;

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
  /** Bytes of free slabs let go after the pool had been idle for its idle time. */
  readonly trimmedBytes: number;
}

/** Slabs of every pool of this thread, for those that count shared memory toward a collection. */
const pooled = new WeakSet<SharedArrayBuffer>();

/** Whether `b` belongs to a SelectSlabPool: it is reused, never dropped, so no collection frees it. */
export function isPooledSlab(b: SharedArrayBuffer): boolean {
  return pooled.has(b);
}

/**
 * A bounded set of select slabs: made on demand up to `limitBytes`, then reused. Past the limit
 * a select's slabs are its own (allocated and left to collection, as without a pool). When no
 * lease was made, no slab taken and none given back for `idleMs`, the free slabs are dropped and
 * this thread asked to collect them (leased ones stay the pool's and come back as usual); the pool makes
 * slabs again as queries need them.
 */
export class SelectSlabPool {
  private free: SharedArrayBuffer[] = [];
  private made = 0;
  private exhausted = 0;
  private trimmedBytes = 0;
  private lastUse = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly limitBytes: number = DEFAULT_SLAB_POOL_BYTES,
    readonly idleMs: number = DEFAULT_SLAB_POOL_IDLE_MS,
  ) {
    if (!Number.isInteger(limitBytes) || limitBytes < 0) throw new RangeError(`a select slab pool's limit is a byte count, got ${limitBytes}`);
    if (!(idleMs > 0)) throw new RangeError(`a select slab pool's idle time is a positive number of milliseconds, got ${idleMs}`);
  }

  lease(): SlabLease {
    this.lastUse = performance.now();
    return new Lease(this);
  }

  get stats(): SlabPoolStats {
    return {
      limitBytes: this.limitBytes, pooledBytes: this.made * SLAB_BYTES, freeBytes: this.free.length * SLAB_BYTES, exhausted: this.exhausted,
      trimmedBytes: this.trimmedBytes,
    };
  }

  /** A free slab, or a new one while under the limit; null past it. */
  take(): SharedArrayBuffer | null {
    this.lastUse = performance.now();
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
    this.lastUse = performance.now();
    if (this.free.length > 0 && this.idleTimer === null) this.armTrim(this.idleMs);
  }

  /** Drops the free slabs once `idleMs` passed since the last use; until then looks again when they would have. */
  private armTrim(ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const idle = performance.now() - this.lastUse;
      if (idle < this.idleMs) this.armTrim(this.idleMs - idle);
      else this.trim();
    }, ms);
    // An idle pool keeps no process alive.
    this.idleTimer.unref();
  }

  private trim(): void {
    if (this.free.length === 0) return;
    const bytes = this.free.length * SLAB_BYTES;
    this.made -= this.free.length;
    this.free = [];
    this.trimmedBytes += bytes;
    // Nothing else would collect them: pooled slabs were never counted toward a collection.
    sharedMemory().collectNow();
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
