import { MergeQuerier, loopTurns, selectHints, SelectWrappingQuerier, TurnTakingQuerier, type LabelMatcher, type Querier, type Queryable, type SelectHints, type SeriesSet, type Tsdb } from '../tsdb/index.js';

/**
 * Reads over every shard a worker holds. A series lives on exactly one partition (the partition is
 * a function of its labels), so the merge only interleaves disjoint, sorted series lists. Each
 * shard is read in a turn of the event loop of its own (TurnTakingQuerier), so a read over many
 * shards holds the loop no longer than one shard's part of it at a time. Each shard's select is
 * told how many shards the select reads (SelectHints.parts).
 */
export class ShardsQueryable implements Queryable {
  constructor(private readonly shards: () => Iterable<Tsdb>) {}

  querier(mint: number, maxt: number): Querier {
    const shards = [...this.shards()];
    const merged = new MergeQuerier(shards.map((t) => new TurnTakingQuerier(() => t.querier(mint, maxt), loopTurns)));
    return shards.length > 1 ? new ShardPartsQuerier(merged, shards.length) : merged;
  }
}

/** Passes on each select with SelectHints.parts multiplied by the shards it is made of. */
class ShardPartsQuerier extends SelectWrappingQuerier {
  constructor(
    inner: Querier,
    private readonly shards: number,
  ) {
    super(inner);
  }

  select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    return this.inner.select(matchers, selectHints(hints, { parts: (hints.parts ?? 1) * this.shards }));
  }
}
