import { canonicalLabels, type Labels } from './labels.js';
import { partitionForHash } from './partition.js';
import { seriesHash } from './series-hash.js';

/**
 * Places series on partitions, remembering recent answers: a scrape or a push sends the same
 * series again and again, and hashing is the costly part. The cache is bounded; when full it is
 * dropped whole (cheap, and the working set refills it within one interval).
 */
export class SeriesPartitioner {
  private readonly cache = new Map<string, number>();

  constructor(
    readonly partitions: number,
    private readonly maxCached = 1_000_000,
  ) {
    partitionForHash(0n, partitions);
  }

  partitionOf(labels: Labels, key: string = canonicalLabels(labels)): number {
    let p = this.cache.get(key);
    if (p === undefined) {
      if (this.cache.size >= this.maxCached) this.cache.clear();
      p = partitionForHash(seriesHash(labels), this.partitions);
      this.cache.set(key, p);
    }
    return p;
  }
}
