import type { PartitionLag, PartitionOffset, PartitionOffsets } from '../bus.js';

/** Lag per partition: high - committed, or high - low where the group has committed nothing. */
export function computeLag(
  offsets: readonly PartitionOffsets[],
  committed: readonly PartitionOffset[],
): PartitionLag[] {
  const byPartition = new Map<number, number>();
  for (const c of committed) byPartition.set(c.partition, c.offset);
  return [...offsets]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, low, high }) => {
      const c = byPartition.get(partition) ?? -1;
      const from = c < 0 ? low : c;
      return { partition, committed: c, high, lag: Math.max(0, high - from) };
    });
}
