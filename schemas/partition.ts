/**
 * Partition of a series: Lamping and Veach's jump consistent hash of the 64-bit series hash over
 * the partition count. Every producer computes it the same way, so a series always lands on the
 * same partition whichever connector or cluster produced it; and when the partition count grows
 * from n to m, only (m-n)/m of the series move (with `hash mod n`, almost all would).
 */
const MULT = 2862933555777941757n;
const MASK64 = 0xffffffffffffffffn;

export function partitionForHash(hash: bigint, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  }
  let key = hash & MASK64;
  let b = -1;
  let j = 0;
  while (j < partitions) {
    b = j;
    key = (key * MULT + 1n) & MASK64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(key >> 33n) + 1)));
  }
  return b;
}
