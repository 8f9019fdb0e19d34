/**
 * SharedArrayBuffers with garbage-collection pressure. V8 (Node 20) starts no collection for
 * shared memory: an ArrayBuffer's bytes count toward the next collection, a SharedArrayBuffer's
 * do not. Selects decode into shared slabs, block chunk files and head chunk slabs are shared,
 * and the threads that read them (decode and evaluation workers) hold references to them: without
 * pressure, dropped slabs stay resident until a collection happens for another reason (in one
 * process, 30 dropped 64 MiB SharedArrayBuffers kept 2 GB resident; ArrayBuffers, 0.2 GB). So
 * every thread counts the shared bytes it allocates or is handed, and past a budget asks V8 for a
 * concurrent major collection, which frees those no thread refers to any more. A burst that ends
 * below the budget (a query set, an ingest burst) would leave its garbage until the next one: a
 * thread that took enough since its last collection and then takes nothing for a while collects
 * too, once.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Shared bytes a thread takes between the collections it asks for. */
export const SHARED_GC_BUDGET = 256 * 2 ** 20;

/**
 * When a thread that took shared memory stops taking it, it collects after this long: once queries
 * or an ingest burst stop, not between two of a dashboard's queries or two remote_write requests.
 */
export const SHARED_GC_IDLE_MS = 1_000;

/**
 * Least shared bytes taken since the last collection for an idle thread to collect: a thread that
 * took a few head chunk slabs (steady ingest) does not pay a major collection every idle second.
 */
export const SHARED_GC_IDLE_MIN_BYTES = 32 * 2 ** 20;

type Collect = () => void;

/** A collection once a thread stops taking shared memory (SharedMemoryBudget); off when absent. */
export interface IdleCollection {
  readonly ms: number;
  readonly minBytes: number;
}

/**
 * Counts shared bytes and calls `collect` once they pass `budget` since the last call. One per
 * thread (each V8 isolate collects its own references).
 */
export class SharedMemoryBudget {
  private since = 0;
  private lastTake = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  collections = 0;
  /** Collections asked because the thread stopped taking shared memory (of `collections`). */
  idleCollections = 0;

  constructor(
    private readonly budget: number,
    private readonly collect: Collect,
    private readonly idle: IdleCollection | null = null,
  ) {}

  /** Counts `bytes` of shared memory this thread allocated or was handed. */
  take(bytes: number): void {
    this.since += bytes;
    this.lastTake = performance.now();
    if (this.since >= this.budget) this.collectNow();
    else if (this.idle !== null && this.since >= this.idle.minBytes && this.idleTimer === null) this.armIdle(this.idle.ms);
  }

  /** Asks for a collection now (shared memory this thread let go of and wants freed) and starts the count over. */
  collectNow(): void {
    this.since = 0;
    this.collections++;
    this.collect();
  }

  /** Collects once nothing was taken for the idle time; until then looks again when it would have passed. */
  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const idle = this.idle;
      // A collection for the budget since: nothing left to collect unless enough was taken again.
      if (idle === null || this.since < idle.minBytes) return;
      const quiet = performance.now() - this.lastTake;
      if (quiet < idle.ms) {
        this.armIdle(idle.ms - quiet);
        return;
      }
      this.idleCollections++;
      this.collectNow();
    }, ms);
    // Garbage waiting for a collection keeps no process or thread alive.
    this.idleTimer.unref();
  }

  /** A SharedArrayBuffer of `bytes`, counted. */
  allocate(bytes: number): SharedArrayBuffer {
    this.take(bytes);
    return new SharedArrayBuffer(bytes);
  }
}

/**
 * V8's `gc` with a concurrent major collection (`execution: 'async'`: marking runs beside the
 * thread, which pauses only briefly). The flag is set at run time, as nothing else exposes a
 * collection to JavaScript.
 */
function concurrentMajorCollection(): Collect {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'major'; execution: 'async' }) => unknown;
  return () => void gc({ type: 'major', execution: 'async' });
}

let budget: SharedMemoryBudget | null = null;

/** This thread's budget, made on first use. */
export function sharedMemory(): SharedMemoryBudget {
  budget ??= new SharedMemoryBudget(SHARED_GC_BUDGET, concurrentMajorCollection(), { ms: SHARED_GC_IDLE_MS, minBytes: SHARED_GC_IDLE_MIN_BYTES });
  return budget;
}
