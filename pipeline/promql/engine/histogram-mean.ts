import { KahanHistogramSum, type CombineOutcome, type FloatHistogram } from '../../../schemas/native-histogram/index.js';

/**
 * The mean of histograms as PromQL's `avg` and `avg_over_time` compute it: a compensated sum
 * divided by the count while the sum stays finite; once adding the next histogram would make any
 * count, the sum or a bucket overflow, the sum so far becomes the mean and each further histogram
 * moves it incrementally (mean × (n-1)/n + h/n, still compensated).
 */
export class HistogramMean {
  private readonly acc = new KahanHistogramSum();
  private n = 0;
  private incremental = false;
  /** An upper bound of every magnitude in the running sum: below the largest float, no overflow is possible. */
  private bound = 0;

  /** Adds `h` (not modified). Throws a HistogramError when exponential and custom buckets meet. */
  add(h: FloatHistogram): CombineOutcome {
    this.n++;
    if (!this.incremental) {
      this.bound += largestMagnitude(h);
      if (this.n === 1 || this.bound < Number.MAX_VALUE || !this.wouldOverflow(h)) return this.acc.add(h);
      this.incremental = true;
      this.acc.scale(1 / (this.n - 1));
    }
    this.acc.scale((this.n - 1) / this.n);
    return this.acc.add(h.copy().div(this.n));
  }

  /** The mean so far, or undefined before the first `add`. */
  result(): FloatHistogram | undefined {
    const r = this.acc.result();
    if (r !== undefined && !this.incremental) r.div(this.n);
    return r;
  }

  private wouldOverflow(h: FloatHistogram): boolean {
    const probe = this.acc.result()!;
    try {
      probe.add(h);
    } catch {
      // Incompatible buckets: the real addition reports it.
      return false;
    }
    return largestMagnitude(probe) === Infinity;
  }
}

/** The largest absolute count, sum or bucket; NaNs are no overflow and are passed over. */
function largestMagnitude(h: FloatHistogram): number {
  let m = 0;
  const see = (x: number) => {
    if (Math.abs(x) > m) m = Math.abs(x);
  };
  see(h.count);
  see(h.sum);
  see(h.zeroCount);
  for (const b of h.positiveBuckets) see(b);
  for (const b of h.negativeBuckets) see(b);
  return m;
}
