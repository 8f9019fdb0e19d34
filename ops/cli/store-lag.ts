import type { Bus } from '../../pipeline/bus/bus.js';

/**
 * The records the store group has yet to apply on a topic, summed over partitions: what push
 * endpoints compare with `ingest.max_store_lag` before accepting more. Applied, not committed: a
 * shard with `store.wal: bus` commits only what blocks hold, so its commits trail by the head's
 * span, while what it applied is what reads see.
 */
export function storeLagReader(bus: () => Bus, group: string, topic: string): () => Promise<number> {
  return async () => {
    let total = 0;
    for (const p of await bus().lag(group, topic)) total += p.appliedLag;
    return total;
  };
}
