import { MergeQuerier, type Querier, type Queryable, type Tsdb } from '../tsdb/index.js';

/**
 * Reads over every shard a worker holds. A series lives on exactly one partition (the partition is
 * a function of its labels), so the merge only interleaves disjoint, sorted series lists.
 */
export class ShardsQueryable implements Queryable {
  constructor(private readonly shards: () => Iterable<Tsdb>) {}

  querier(mint: number, maxt: number): Querier {
    return new MergeQuerier([...this.shards()].map((t) => t.querier(mint, maxt)));
  }
}
