/**
 * Column arrays a chunk decoder writes into, from index `length` on; the caller reserves room for
 * the chunk's sample count first. `unsorted` is set when a decoded run starts at or before the
 * previous sample (samples from several sources).
 */
export interface SampleTarget {
  t: Float64Array;
  v: Float64Array;
  s: Uint8Array;
  length: number;
  staleCount: number;
  unsorted: boolean;
  /**
   * The reader needs timestamps and staleness only (`SelectHints.timestampsOnly`): a decoder may
   * leave float values unwritten where skipping them is cheaper than decoding them.
   */
  readonly valuesUnused?: boolean;
}
