/**
 * Slabs that selects decode their columns into, kept for reuse. V8 starts no collection for
 * shared memory and every thread that held a slab (decode, evaluation, the one that serves HTTP)
 * must collect before it is freed, and then glibc's arenas keep it: a query set left hundreds of
 * megabytes resident that way. Pooled slabs are not dropped while queries come: a query leases
 * them, and when it is done they go back to the pool for the next query, already mapped and with
 * no collection asked. Free slabs beyond what the latest queries needed are let go within a minute,
 * and once no query has used the pool for a while, all its free slabs.
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
 * The pool keeps, while queries come, the most slabs leased at once in the last two windows of
 * this length in which it was used, and lets free slabs beyond them go at the window's end: a
 * dashboard refreshing every 30 s keeps its working set (each of its refreshes falls within two
 * windows), where a large query among smaller ones no longer keeps its slabs mapped for as long
 * as the smaller ones come. Windows without use do not count: a dashboard refreshing every few
 * minutes keeps its working set until the idle time.
 */
export const DEFAULT_SLAB_POOL_WINDOW_MS = 30_000;

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
  /** Bytes of free slabs let go: beyond what the latest queries needed, or after the pool had been idle for its idle time. */
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
 * a select's slabs are its own (allocated and left to collection, as without a pool). At the end
 * of each `windowMs` in which the pool was used, free slabs beyond the most leased at once in that
 * window and the used one before it are dropped. When no lease was made, no slab taken and none
 * given back for `idleMs`, every free slab is dropped. Either way this thread is asked to collect
 * them (leased ones stay the pool's and come back as usual); the pool makes slabs again as
 * queries need them.
 */
export class SelectSlabPool {
  private free: SharedArrayBuffer[] = [];
  private made = 0;
  private exhausted = 0;
  private trimmedBytes = 0;
  private lastUse = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Most slabs leased at once in the window running now, and in the last used one before it. */
  private windowPeak = 0;
  private previousPeak = 0;
  private windowTimer: NodeJS.Timeout | null = null;
  private readonly dropListeners: (() => void)[] = [];

  constructor(
    readonly limitBytes: number = DEFAULT_SLAB_POOL_BYTES,
    readonly idleMs: number = DEFAULT_SLAB_POOL_IDLE_MS,
    readonly windowMs: number = DEFAULT_SLAB_POOL_WINDOW_MS,
  ) {
    if (!Number.isInteger(limitBytes) || limitBytes < 0) throw new RangeError(`a select slab pool's limit is a byte count, got ${limitBytes}`);
    if (!(idleMs > 0)) throw new RangeError(`a select slab pool's idle time is a positive number of milliseconds, got ${idleMs}`);
    if (!(windowMs > 0)) throw new RangeError(`a select slab pool's window is a positive number of milliseconds, got ${windowMs}`);
  }

  /**
   * Calls `listener` whenever free slabs were let go: threads other than this one that wrote into
   * them hold references that only their own collection drops (DecodePool.collect).
   */
  onDrop(listener: () => void): void {
    this.dropListeners.push(listener);
  }

  lease(): SlabLease {
    this.used();
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
    this.used();
    // Last returned, first reused: its pages are the likeliest still in cache.
    const b = this.free.pop() ?? this.make();
    if (b !== null) this.windowPeak = Math.max(this.windowPeak, this.made - this.free.length);
    return b;
  }

  private make(): SharedArrayBuffer | null {
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
    this.used();
    if (this.free.length > 0 && this.idleTimer === null) this.armTrim(this.idleMs);
  }

  private used(): void {
    this.lastUse = performance.now();
    if (this.windowTimer !== null) return;
    this.windowTimer = setTimeout(() => this.endWindow(), this.windowMs);
    // An idle pool keeps no process alive.
    this.windowTimer.unref();
  }

  /**
   * Drops the free slabs beyond the most leased at once in this window and the last used one
   * before it. The next window starts at the next use, so an unused one does not count.
   */
  private endWindow(): void {
    this.windowTimer = null;
    const leased = this.made - this.free.length;
    const keep = Math.max(this.windowPeak, this.previousPeak);
    this.previousPeak = this.windowPeak;
    this.windowPeak = leased;
    const drop = Math.min(this.made - keep, this.free.length);
    if (drop <= 0) return;
    // The first returned of them are the least recently used.
    this.drop(this.free.splice(0, drop).length);
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
    const count = this.free.length;
    if (count === 0) return;
    // Out of `free` before the collection drop() asks for, which would otherwise find them held.
    this.free = [];
    this.drop(count);
  }

  /** Counts `count` free slabs, already out of `free`, as let go and has them collected. */
  private drop(count: number): void {
    this.made -= count;
    this.trimmedBytes += count * SLAB_BYTES;
    // Nothing else would collect them: pooled slabs were never counted toward a collection.
    sharedMemory().collectNow();
    for (const listener of this.dropListeners) listener();
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
