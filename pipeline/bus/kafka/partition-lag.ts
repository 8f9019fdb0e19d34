import type { PartitionLag, PartitionOffset, PartitionOffsets } from '../bus.js';

/** A committed offset with the applied offset its member reported beside it, if any. */
export interface CommittedPosition extends PartitionOffset {
  readonly applied?: number;
}

/**
 * Kafka keeps a free-form metadata string with each committed offset: a member that applies more
 * than it commits (`ConsumedBatch.commit(offset, applied)`) writes its applied offset there.
 */
export function appliedMetadata(applied: number): string {
  return `applied=${applied}`;
}

/** The applied offset in a commit's metadata, or undefined when it holds none. */
export function parseAppliedMetadata(metadata: string | null | undefined): number | undefined {
  const m = /^applied=(\d+)$/.exec(metadata ?? '');
  return m === null ? undefined : Number(m[1]);
}

/**
 * Lag per partition: high - committed, or high - low where the group has committed nothing; and
 * high - applied, where the member reported an applied offset beyond its commit.
 */
export function computeLag(
  offsets: readonly PartitionOffsets[],
  committed: readonly CommittedPosition[],
): PartitionLag[] {
  const byPartition = new Map<number, CommittedPosition>();
  for (const c of committed) byPartition.set(c.partition, c);
  return [...offsets]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, low, high }) => {
      const pos = byPartition.get(partition);
      const c = pos?.offset ?? -1;
      const from = c < 0 ? low : c;
      const applied = c < 0 ? c : Math.max(c, pos?.applied ?? c);
      const lag = Math.max(0, high - from);
      return { partition, committed: c, high, lag, applied, appliedLag: c < 0 ? lag : Math.max(0, high - applied) };
    });
}
