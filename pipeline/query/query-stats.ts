import { SelectWrappingQuerier, seriesSamples, type LabelMatcher, type Querier, type Queryable, type SelectHints, type SeriesSet } from '../tsdb/index.js';
import { TooManySeriesError } from './errors.js';

/** What one query read from storage: the series and the samples in range its selects returned. */
export class QueryStats {
  series = 0;
  samples = 0;
  selectMs = 0;
}

/**
 * Wraps the storage a query reads: counts the series and samples it selects (for `stats`) and
 * fails the query once it selects more than `maxSeries` series (0 = unbounded).
 */
export class CountingQueryable implements Queryable {
  constructor(
    private readonly inner: Queryable,
    readonly stats: QueryStats,
    private readonly maxSeries: number,
  ) {}

  querier(mint: number): Querier {
    // The engine asks up to the query's end, but a negative offset or `@` reads later samples:
    // leave the upper bound open and let each select's hints bound the read.
    return new CountingQuerier(this.inner.querier(mint, Number.MAX_SAFE_INTEGER), this.stats, this.maxSeries);
  }
}

class CountingQuerier extends SelectWrappingQuerier {
  constructor(
    inner: Querier,
    private readonly stats: QueryStats,
    private readonly maxSeries: number,
  ) {
    super(inner);
  }

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const t0 = performance.now();
    const set = await this.inner.select(matchers, hints);
    this.stats.selectMs += performance.now() - t0;
    this.count(set);
    return set;
  }

  override answered(matchers: readonly LabelMatcher[], hints: SelectHints, set: SeriesSet): void {
    this.count(set);
    super.answered(matchers, hints, set);
  }

  private count(set: SeriesSet): void {
    this.stats.series += set.series.length;
    if (this.maxSeries > 0 && this.stats.series > this.maxSeries) throw new TooManySeriesError(this.maxSeries);
    for (const s of set.series) this.stats.samples += seriesSamples(s);
  }
}
