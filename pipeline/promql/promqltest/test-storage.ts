import type { Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { Queryable } from '../../tsdb/querier.js';
import { MemoryQueryable } from './memory-storage.js';

/**
 * Where the runner loads a test file's samples and what its evaluations read. `load` commands
 * append in the order the file lists series (each series' samples ascending), so a later series
 * or a later `load` may go back in time: a storage must take samples at any old timestamp.
 */
export interface TestStorage {
  /** Names the storage in the runner's output (`memory`, `tsdb`). */
  readonly name: string;
  /** What the engine reads. */
  readonly queryable: Queryable;
  /**
   * Appends one sample (`stale`: a staleness marker; `st`, when not 0, its start timestamp); a
   * refusal throws and fails the load.
   */
  append(labels: Labels, t: number, v: number, stale: boolean, st?: number): void;
  /** Appends one native-histogram sample (`st` as for `append`); a refusal throws and fails the load. */
  appendHistogram(labels: Labels, t: number, h: FloatHistogram, st?: number): void;
  /** Called after each `load` command, before anything reads it. */
  loaded(): Promise<void>;
  /** `clear`: everything loaded so far is gone. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a fresh storage for one test file. */
export type TestStorageFactory = () => Promise<TestStorage>;

/** The runner's in-memory storage (fast, no files). */
export const memoryTestStorage: TestStorageFactory = async () => {
  const store = new MemoryQueryable();
  return {
    name: 'memory',
    queryable: store,
    append: (labels, t, v, stale, st) => store.append(labels, t, stale ? NaN : v, stale, st),
    appendHistogram: (labels, t, h, st) => store.appendHistogram(labels, t, h, st),
    loaded: async () => {},
    clear: async () => store.clear(),
    close: async () => store.clear(),
  };
};
