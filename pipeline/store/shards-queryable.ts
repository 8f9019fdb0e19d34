import { MergeQuerier, loopTurns, TurnTakingQuerier, type Querier, type Queryable, type Tsdb } from '../tsdb/index.js';

/**
 * Reads over every shard a worker holds. A series lives on exactly one partition (the partition is
 * a function of its labels), so the merge only interleaves disjoint, sorted series lists. Each
 * shard is read in a turn of the event loop of its own (TurnTakingQuerier), so a read over many
 * shards holds the loop no longer than one shard's part of it at a time.
 */
export class ShardsQueryable implements Queryable {
  constructor(private readonly shards: () => Iterable<Tsdb>) {}

  querier(mint: number, maxt: number): Querier {
    return new MergeQuerier([...this.shards()].map((t) => new TurnTakingQuerier(() => t.querier(mint, maxt), loopTurns)));
  }
}
