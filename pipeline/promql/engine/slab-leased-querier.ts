import type { SlabLease } from '../../tsdb/shared-memory/index.js';
import type { LabelMatcher, Querier, SelectHints, SeriesSet } from '../../tsdb/querier.js';

/** A query's querier whose selects cut their columns from the query's slab lease (SelectHints.slabs). */
export class SlabLeasedQuerier implements Querier {
  constructor(
    private readonly inner: Querier,
    private readonly slabs: SlabLease,
  ) {}

  select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    return this.inner.select(matchers, { ...hints, slabs: this.slabs });
  }

  labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.inner.labelNames(matchers);
  }

  labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.inner.labelValues(name, matchers);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
