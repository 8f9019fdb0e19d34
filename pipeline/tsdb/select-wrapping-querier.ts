import type { LabelMatcher, Querier, SelectHints, SeriesSet } from './querier.js';

/**
 * A querier that changes what its selects do (hints added, results counted) and passes label
 * lookups and close to the querier it wraps unchanged.
 */
export abstract class SelectWrappingQuerier implements Querier {
  constructor(protected readonly inner: Querier) {}

  abstract select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet>;

  answered(matchers: readonly LabelMatcher[], hints: SelectHints, set: SeriesSet): void {
    this.inner.answered?.(matchers, hints, set);
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
