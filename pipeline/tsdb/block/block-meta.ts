import { randomBytes } from 'node:crypto';

/** meta.json of a block (see FORMAT.md). Block time range is half-open: [minTime, maxTime). */
export interface BlockMeta {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  /** 1: XOR chunks only; 2: chunks of either encoding (FORMAT.md). Readers take both. */
  readonly version: 1 | 2;
  readonly stats: { readonly numSeries: number; readonly numChunks: number; readonly numSamples: number };
  readonly compaction: { readonly level: number; readonly sources: readonly string[]; readonly parents: readonly string[] };
  /**
   * Present on downsampled blocks: their window width in ms (chunks are rollup chunks) and how
   * many series of the range they leave out for holding native histograms (absent in blocks
   * written before it was counted: unknown).
   */
  readonly downsample?: { readonly resolution: number; readonly rawOnlySeries?: number };
}

let lastIdTime = 0;

/**
 * A time-sortable, unique block id (26 characters, like a ULID). Ids made by one process ascend
 * strictly (the time part moves on by a millisecond when two fall in one), so blocks that overlap
 * sort in the order they were written.
 */
export function newBlockId(now = Date.now()): string {
  if (now <= lastIdTime) now = lastIdTime + 1;
  lastIdTime = now;
  return now.toString(32).toUpperCase().padStart(10, '0') + randomBytes(10).toString('hex').slice(0, 16).toUpperCase();
}
