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
  /** Present on downsampled blocks: their window width in ms (chunks are rollup chunks). */
  readonly downsample?: { readonly resolution: number };
}

/** A time-sortable, unique block id (26 characters, like a ULID). */
export function newBlockId(now = Date.now()): string {
  return now.toString(32).toUpperCase().padStart(10, '0') + randomBytes(10).toString('hex').slice(0, 16).toUpperCase();
}
