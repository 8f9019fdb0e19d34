/**
 * What one window holds for one output series: mergeable partial state. A partition's
 * accumulators are merged in partition order when the window closes, so the result does not
 * depend on how partitions interleaved (float sums are order-sensitive).
 */
import type { Labels } from '../../schemas/index.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { DOUBLE_FIELD as D } from './double-field.js';
import type { OutputSpec } from './output-kind.js';
import type { OutputSeriesLabels } from './output-series.js';
import { vmrangeOf } from './vmrange.js';

export interface WindowAccumulator {
  /** The group's labels (input metric name included). */
  readonly labels: Labels;
  /** Float samples (the statistics below are over these). */
  samples: number;
  /** Native-histogram samples (counted by count_samples, count_series and last only). */
  hSamples: number;
  sum: number;
  min: number;
  max: number;
  lastTs: number;
  lastV: number;
  /** The latest sample when it is a native histogram (null when the latest is a float). */
  lastH: FloatHistogram | null;
  /** Welford mean and sum of squared deviations (stddev, stdvar). */
  mean: number;
  m2: number;
  /** Sum of counter increases (resets handled as increase() does). */
  inc: number;
  /** Sum and count of per-series average rates. */
  rateSum: number;
  rateN: number;
  /** Distinct input series with a sample in the window. */
  series: number;
  /** Whether a counter input of this output is alive (`total` goes on without samples). */
  alive: boolean;
  values: number[] | null;
  buckets: Record<string, number> | null;
}

export interface AccumulatorNeeds {
  readonly values: boolean;
  readonly buckets: boolean;
}

export function newAccumulator(labels: Labels, needs: AccumulatorNeeds): WindowAccumulator {
  // Fractions first, then the real start values: see double-field.ts.
  const a: WindowAccumulator = {
    labels, samples: 0, hSamples: 0, sum: D, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY,
    lastTs: Number.NEGATIVE_INFINITY, lastV: D, lastH: null, mean: D, m2: D, inc: D, rateSum: D, rateN: 0, series: 0, alive: false,
    values: needs.values ? [] : null, buckets: needs.buckets ? {} : null,
  };
  a.sum = a.lastV = a.mean = a.m2 = a.inc = a.rateSum = 0;
  return a;
}

/** Counts `v` in its vmrange bucket (accumulators of histogram_bucket outputs). */
export function addBucket(buckets: Record<string, number>, v: number): void {
  const r = vmrangeOf(v);
  if (r !== undefined) buckets[r] = (buckets[r] ?? 0) + 1;
}

/**
 * Counts the observations of `h` (a native histogram of observations, such as a series' increase
 * between two samples) in vmrange buckets: each bucket's count goes to the vmrange bucket that
 * holds its upper bound, the zero bucket's to the lowest. Negative buckets are not counted, as
 * VictoriaMetrics counts no negative values.
 */
export function addHistogramBuckets(buckets: Record<string, number>, h: FloatHistogram): void {
  if (h.zeroCount > 0) {
    const r = vmrangeOf(0)!;
    buckets[r] = (buckets[r] ?? 0) + h.zeroCount;
  }
  for (const b of h.positiveBucketIterator()) {
    if (!(b.count > 0)) continue;
    const r = vmrangeOf(b.upper);
    if (r !== undefined) buckets[r] = (buckets[r] ?? 0) + b.count;
  }
}

/** Folds `b` into `a` (a's partitions come before b's). */
export function mergeInto(a: WindowAccumulator, b: WindowAccumulator): void {
  if (b.samples > 0) {
    const n = a.samples + b.samples;
    const d = b.mean - a.mean;
    a.mean += (d * b.samples) / n;
    a.m2 += b.m2 + (d * d * a.samples * b.samples) / n;
    a.samples = n;
    a.sum += b.sum;
    if (b.min < a.min) a.min = b.min;
    if (b.max > a.max) a.max = b.max;
  }
  a.hSamples += b.hSamples;
  if ((b.samples > 0 || b.hSamples > 0) && b.lastTs >= a.lastTs) { a.lastTs = b.lastTs; a.lastV = b.lastV; a.lastH = b.lastH; }
  a.inc += b.inc;
  a.rateSum += b.rateSum;
  a.rateN += b.rateN;
  a.series += b.series;
  a.alive ||= b.alive;
  if (a.values !== null && b.values !== null) for (const v of b.values) a.values.push(v);
  if (a.buckets !== null && b.buckets !== null) for (const [k, c] of Object.entries(b.buckets)) a.buckets[k] = (a.buckets[k] ?? 0) + c;
}

/** PromQL's quantile(): linear interpolation between the closest ranks. */
export function quantileOf(phi: number, sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (phi < 0) return Number.NEGATIVE_INFINITY;
  if (phi > 1) return Number.POSITIVE_INFINITY;
  const rank = phi * (n - 1);
  const lo = Math.max(0, Math.floor(rank));
  const hi = Math.min(n - 1, lo + 1);
  const w = rank - Math.floor(rank);
  return sorted[lo]! * (1 - w) + sorted[hi]! * w;
}

export interface OutputSample {
  readonly labels: Labels;
  readonly value: number;
  /** Set when the output sample is a native histogram (`last` of histogram series); `value` is then unused. */
  readonly histogram?: FloatHistogram;
}

/**
 * The window's output samples of one output spec (not `total`, which runs across windows: see
 * rule-state.ts). Outputs with nothing to say for the window (no samples, no rate) are absent.
 */
export function windowOutputs(a: WindowAccumulator, spec: OutputSpec, names: OutputSeriesLabels, out: OutputSample[]): void {
  const has = a.samples > 0;
  switch (spec.kind) {
    case 'total': case 'total_prometheus': return;
    case 'increase': case 'increase_prometheus': if (has || a.alive) out.push({ labels: names.of(spec.suffix), value: a.inc }); return;
    case 'rate_sum': if (a.rateN > 0) out.push({ labels: names.of(spec.suffix), value: a.rateSum }); return;
    case 'rate_avg': if (a.rateN > 0) out.push({ labels: names.of(spec.suffix), value: a.rateSum / a.rateN }); return;
    case 'count_samples': if (has || a.hSamples > 0) out.push({ labels: names.of(spec.suffix), value: a.samples + a.hSamples }); return;
    case 'count_series': if (has || a.hSamples > 0) out.push({ labels: names.of(spec.suffix), value: a.series }); return;
    case 'sum_samples': if (has) out.push({ labels: names.of(spec.suffix), value: a.sum }); return;
    case 'last':
      if (a.lastH !== null) out.push({ labels: names.of(spec.suffix), value: 0, histogram: a.lastH });
      else if (has) out.push({ labels: names.of(spec.suffix), value: a.lastV });
      return;
    case 'min': if (has) out.push({ labels: names.of(spec.suffix), value: a.min }); return;
    case 'max': if (has) out.push({ labels: names.of(spec.suffix), value: a.max }); return;
    case 'avg': if (has) out.push({ labels: names.of(spec.suffix), value: a.sum / a.samples }); return;
    case 'stdvar': if (has) out.push({ labels: names.of(spec.suffix), value: a.m2 / a.samples }); return;
    case 'stddev': if (has) out.push({ labels: names.of(spec.suffix), value: Math.sqrt(a.m2 / a.samples) }); return;
    case 'quantiles': {
      if (!has || a.values === null) return;
      const sorted = [...a.values].sort((x, y) => x - y);
      for (const q of spec.quantiles) out.push({ labels: names.withExtra(spec.suffix, 'quantile', q.text), value: quantileOf(q.phi, sorted) });
      return;
    }
    case 'histogram_bucket': {
      if (a.buckets === null) return;
      for (const [vmrange, c] of Object.entries(a.buckets)) out.push({ labels: names.withExtra(spec.suffix, 'vmrange', vmrange), value: c });
      return;
    }
  }
}
