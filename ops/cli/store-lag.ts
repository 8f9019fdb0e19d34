import type { Bus } from '../../pipeline/bus/bus.js';

/**
 * The records the store group has yet to commit on a topic, summed over partitions: what push
 * endpoints compare with `ingest.max_store_lag` before accepting more.
 */
export function storeLagReader(bus: () => Bus, group: string, topic: string): () => Promise<number> {
  return async () => {
    let total = 0;
    for (const p of await bus().lag(group, topic)) total += p.lag;
    return total;
  };
}
