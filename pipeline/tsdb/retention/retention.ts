/** What retention needs to know of a block. */
export interface RetainedBlock {
  readonly minTime: number;
  readonly maxTime: number;
  sizeBytes(): number;
}

export interface RetentionPolicy {
  /** Keep blocks whose data ends within this long before the newest block's end; 0 = forever. */
  readonly retentionMs?: number;
  /** Keep at most this many bytes of blocks, newest first; 0 = unbounded. */
  readonly retentionBytes?: number;
}

/**
 * The blocks to delete under a time and a size policy, as Prometheus: by time, a block goes once
 * all its data is older than the newest block's end minus the retention; by size, the oldest
 * blocks go until the total fits.
 */
export function blocksBeyondRetention<B extends RetainedBlock>(blocks: readonly B[], policy: RetentionPolicy): B[] {
  if (blocks.length === 0) return [];
  const byNewest = [...blocks].sort((a, b) => b.maxTime - a.maxTime);
  const drop = new Set<B>();
  const retentionMs = policy.retentionMs ?? 0;
  if (retentionMs > 0) {
    const cutoff = byNewest[0].maxTime - retentionMs;
    for (const b of byNewest) if (b.maxTime <= cutoff) drop.add(b);
  }
  const maxBytes = policy.retentionBytes ?? 0;
  if (maxBytes > 0) {
    let total = 0;
    for (const b of byNewest) {
      total += b.sizeBytes();
      if (total > maxBytes) drop.add(b);
    }
  }
  return byNewest.filter((b) => drop.has(b));
}
