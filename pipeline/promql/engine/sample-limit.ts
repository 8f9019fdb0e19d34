import { seriesSamples, type SampleBudget, type Series } from '../../tsdb/querier.js';
import { PromqlTooManySamplesError } from '../errors.js';

/**
 * A query's `maxSamples` applied to what its selects load into memory, as Prometheus'
 * `--query.max-samples` applies to what a query holds: the first load past the limit fails the
 * query with Prometheus' error, and what was loaded is known for the query's stats.
 */
export class SampleLimit implements SampleBudget {
  /** Samples charged so far. */
  loaded = 0;

  /** `onLoad` is told the samples loaded so far after each charge. */
  constructor(
    readonly limit: number,
    private readonly onLoad?: (loaded: number) => void,
  ) {}

  get remaining(): number {
    return Math.max(0, this.limit - this.loaded);
  }

  load(samples: number): void {
    if (this.loaded + samples > this.limit) throw new PromqlTooManySamplesError(this.limit);
    this.loaded += samples;
    this.onLoad?.(this.loaded);
  }

  /**
   * The budget one select is handed. A storage that cannot tell its size before decoding
   * charges nothing; `settle` then charges the samples it returned.
   */
  forSelect(): SelectCharge {
    return new SelectCharge(this);
  }
}

/** One select's part of a SampleLimit (see SampleLimit.forSelect). */
export class SelectCharge implements SampleBudget {
  private charged = false;

  constructor(private readonly limit: SampleLimit) {}

  get remaining(): number {
    return this.limit.remaining;
  }

  load(samples: number): void {
    this.limit.load(samples);
    this.charged = true;
  }

  /** Charges the returned series' samples when the storage did not charge before decoding. */
  settle(series: readonly Series[]): void {
    if (this.charged) return;
    let n = 0;
    for (const s of series) n += seriesSamples(s);
    this.load(n);
  }
}
