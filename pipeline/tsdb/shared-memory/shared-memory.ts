/**
 * SharedArrayBuffers with garbage-collection pressure. V8 (Node 20) starts no collection for
 * shared memory: an ArrayBuffer's bytes count toward the next collection, a SharedArrayBuffer's
 * do not. Selects decode into shared slabs, block chunk files and head chunk slabs are shared,
 * and the threads that read them (decode and evaluation workers) hold references to them: without
 * pressure, dropped slabs stay resident until a collection happens for another reason (in one
 * process, 30 dropped 64 MiB SharedArrayBuffers kept 2 GB resident; ArrayBuffers, 0.2 GB). So
 * every thread counts the shared bytes it allocates or is handed, and past a budget asks V8 for a
 * concurrent major collection, which frees those no thread refers to any more.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Shared bytes a thread takes between the collections it asks for. */
export const SHARED_GC_BUDGET = 256 * 2 ** 20;

type Collect = () => void;

/**
 * Counts shared bytes and calls `collect` once they pass `budget` since the last call. One per
 * thread (each V8 isolate collects its own references).
 */
export class SharedMemoryBudget {
  private since = 0;
  collections = 0;

  constructor(
    private readonly budget: number,
    private readonly collect: Collect,
  ) {}

  /** Counts `bytes` of shared memory this thread allocated or was handed. */
  take(bytes: number): void {
    this.since += bytes;
    if (this.since >= this.budget) this.collectNow();
  }

  /** Asks for a collection now (shared memory this thread let go of and wants freed) and starts the count over. */
  collectNow(): void {
    this.since = 0;
    this.collections++;
    this.collect();
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
  budget ??= new SharedMemoryBudget(SHARED_GC_BUDGET, concurrentMajorCollection());
  return budget;
}
