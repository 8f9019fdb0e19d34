import type { SlabLease } from '../../tsdb/shared-memory/index.js';
import type { LabelMatcher, Querier, SelectHints, SeriesSet } from '../../tsdb/querier.js';
import { selectHints } from '../../tsdb/select-hints.js';
import { SelectWrappingQuerier } from '../../tsdb/select-wrapping-querier.js';

/** A query's querier whose selects cut their columns from the query's slab lease (SelectHints.slabs). */
export class SlabLeasedQuerier extends SelectWrappingQuerier {
  constructor(
    inner: Querier,
    private readonly slabs: SlabLease,
  ) {
    super(inner);
  }

  select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    return this.inner.select(matchers, selectHints(hints, { slabs: this.slabs }));
  }
}
