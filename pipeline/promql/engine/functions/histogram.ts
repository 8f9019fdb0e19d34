import { labelsKey } from '../label-keys.js';
import type { Call, Expr } from '../../parser/ast.js';
import type { EvalContext } from '../eval-context.js';
import { formatGoG, formatOpenMetricsFloat, goQuote } from '../go-format.js';
import * as nh from '../../../../schemas/native-histogram/index.js';
import type { Sample, Vector } from '../types.js';
import { argScalar, argString, argVector, vec, type FunctionImpl } from './function-impl.js';
import { ClassicHistogramGroups, type Bucket, type ClassicHistogram } from './classic-histograms.js';

function almostEqual(a: number, b: number, eps: number): boolean {
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < 2.2250738585072014e-308) return diff < eps * 2.2250738585072014e-308;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

// Scratch for one histogram's buckets, sorted and merged: evaluated once per histogram and step,
// so reused rather than allocated (single-threaded, never held across calls).
let uppers = new Float64Array(64);
let counts = new Float64Array(64);

/**
 * Loads `input` into `uppers`/`counts` sorted by bound (stable), buckets of equal bound merged
 * by adding their counts in input order; returns how many buckets there are.
 */
function loadSorted(input: readonly Bucket[]): number {
  const n = input.length;
  if (uppers.length < n) {
    uppers = new Float64Array(n * 2);
    counts = new Float64Array(n * 2);
  }
  let hasNaN = false;
  for (let i = 0; i < n && !hasNaN; i++) hasNaN = Number.isNaN(input[i].upper);
  if (hasNaN) {
    // A NaN bound compares as equal to everything: keep exactly the order Array#sort gives.
    const sorted = input.slice().sort((a, b) => a.upper - b.upper);
    for (let i = 0; i < n; i++) {
      uppers[i] = sorted[i].upper;
      counts[i] = sorted[i].count;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const u = input[i].upper;
      const c = input[i].count;
      let j = i;
      for (; j > 0 && uppers[j - 1] > u; j--) {
        uppers[j] = uppers[j - 1];
        counts[j] = counts[j - 1];
      }
      uppers[j] = u;
      counts[j] = c;
    }
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (m > 0 && uppers[m - 1] === uppers[i]) counts[m - 1] += counts[i];
    else {
      uppers[m] = uppers[i];
      counts[m] = counts[i];
      m++;
    }
  }
  return m;
}

/** Prometheus's BucketQuantile over classic buckets: [value, forcedMonotonic]. */
export function bucketQuantile(q: number, input: readonly Bucket[]): [number, boolean] {
  if (Number.isNaN(q)) return [NaN, false];
  if (q < 0) return [-Infinity, false];
  if (q > 1) return [Infinity, false];
  const n = loadSorted(input);
  if (n === 0 || uppers[n - 1] !== Infinity) return [NaN, false];
  let forced = false;
  let prev = counts[0];
  for (let i = 1; i < n; i++) {
    const cur = counts[i];
    if (cur === prev) continue;
    if (almostEqual(prev, cur, 1e-12)) {
      counts[i] = prev;
      continue;
    }
    if (cur < prev) {
      counts[i] = prev;
      forced = true;
      continue;
    }
    prev = cur;
  }
  if (n < 2) return [NaN, forced];
  const observations = counts[n - 1];
  if (observations === 0) return [NaN, forced];
  let rank = q * observations;
  let b = 0;
  while (b < n - 1 && !(counts[b] >= rank)) b++;
  if (b === n - 1) return [uppers[n - 2], forced];
  if (b === 0 && uppers[0] <= 0) return [uppers[0], forced];
  let start = 0;
  const end = uppers[b];
  let count = counts[b];
  if (b > 0) {
    start = uppers[b - 1];
    count -= counts[b - 1];
    rank -= counts[b - 1];
  }
  return [start + (end - start) * (rank / count), forced];
}

/**
 * Prometheus's BucketFraction: the estimated share of observations in [lower, upper] of one
 * classic histogram (cumulative buckets, interpolated linearly within a bucket; the lowest
 * bucket starts at 0 when its bound is positive, else at -Inf).
 */
export function bucketFraction(lower: number, upper: number, input: readonly Bucket[]): number {
  const n = loadSorted(input);
  if (n === 0 || uppers[n - 1] !== Infinity) return NaN;
  const count = counts[n - 1];
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = uppers[0] <= 0 ? -Infinity : 0;
  for (let i = 0; i < n; i++) {
    const bucketCount = counts[i];
    if (i > 0) lowerBound = uppers[i - 1];
    const upperBound = uppers[i];
    // Counts are cumulative: the bucket holds bucketCount - rank observations.
    const interpolate = (v: number): number => (lowerBound === -Infinity ? bucketCount : rank + ((bucketCount - rank) * (v - lowerBound)) / (upperBound - lowerBound));
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = bucketCount;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** Prometheus's `maybeAddMetricName`: the suffix only when there is a name. */
function forMetricName(name: string): string {
  return name === '' ? '' : ` for metric name ${goQuote(name)}`;
}

/**
 * Groups classic-histogram bucket samples by their labels other than `le`; a bucket whose `le`
 * is missing or unparsable is skipped with Prometheus's warning.
 */
function classicHistograms(input: Vector, call: Call, argIndex: number, ctx: EvalContext): ClassicHistogram[] {
  return ClassicHistogramGroups.of(call, ctx).group(input, (s, name) => {
    ctx.warn(`bucket label "le" is missing or has a malformed value of ${goQuote(s.metric.le ?? '')}${forMetricName(name)}`, call.args[argIndex].pos);
  });
}

function forcedMonotonicityInfo(ctx: EvalContext, name: string, pos: Call['pos']): void {
  ctx.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)${forMetricName(name)}`, pos);
}

function checkQuantile(q: number, arg: Expr, ctx: EvalContext): void {
  if (Number.isNaN(q) || q < 0 || q > 1) ctx.warn(`quantile value should be between 0 and 1, got ${formatGoG(q)}`, arg.pos);
}

/** Float samples (classic buckets) and native-histogram samples of a function's input. */
function splitNative(input: Vector): { floats: Vector; natives: Sample[] } {
  let natives: Sample[] | null = null;
  for (const s of input) if (s.h !== undefined) (natives ??= []).push(s);
  if (natives === null) return { floats: input, natives: [] };
  return { floats: input.filter((s) => s.h === undefined), natives };
}

/**
 * Native histograms with the labels of a classic histogram (le aside) in the same input: neither
 * is evaluated (Prometheus' "mix of classic and native histograms" warning).
 */
function dropClassicNativeMix(classic: ClassicHistogram[], natives: Sample[], arg: Expr, ctx: EvalContext): { classic: ClassicHistogram[]; natives: Sample[] } {
  if (natives.length === 0 || classic.length === 0) return { classic, natives };
  const keys = new Set(classic.map((g) => g.key));
  const clash = new Set<string>();
  const keep: Sample[] = [];
  for (const s of natives) {
    const k = labelsKey(s.metric);
    if (keys.has(k)) {
      clash.add(k);
      ctx.warn(`vector contains a mix of classic and native histograms${forMetricName(s.metric.__name__ ?? '')}`, arg.pos);
    } else keep.push(s);
  }
  return { classic: classic.filter((g) => !clash.has(g.key)), natives: keep };
}

const NAN_NOTES: Record<nh.NanObservationsNote, string> = {
  nan_result: 'input to histogram_quantile has NaN observations, result is NaN',
  nan_skew: 'input to histogram_quantile has NaN observations, result is skewed higher',
  nan_excluded: 'input to histogram_fraction has NaN observations, which are excluded from all fractions',
};

function nanNote(r: nh.HistogramFunctionResult, s: Sample, arg: Expr, ctx: EvalContext): void {
  if (r.note !== undefined) ctx.info(`${NAN_NOTES[r.note]}${forMetricName(s.metric.__name__ ?? '')}`, arg.pos);
}

const histogramQuantile: FunctionImpl = (args, call, t, ctx) => {
  const q = argScalar(args[0]);
  checkQuantile(q, call.args[0], ctx);
  const out: Vector = [];
  const split = splitNative(argVector(args[1]));
  const { classic, natives } = dropClassicNativeMix(classicHistograms(split.floats, call, 1, ctx), split.natives, call.args[1], ctx);
  for (const g of classic) {
    const [v, forced] = bucketQuantile(q, g.buckets);
    if (forced) forcedMonotonicityInfo(ctx, g.name, call.args[1].pos);
    out.push({ metric: g.metric, f: v, t, dropName: true });
  }
  for (const s of natives) {
    const r = nh.histogramQuantile(q, s.h!);
    nanNote(r, s, call.args[1], ctx);
    out.push({ metric: s.metric, f: r.value, t, dropName: true });
  }
  return vec(out);
};

/** histogram_fraction(lower, upper, v): on classic histograms, Prometheus 3's BucketFraction. */
const histogramFraction: FunctionImpl = (args, call, t, ctx) => {
  const lower = argScalar(args[0]);
  const upper = argScalar(args[1]);
  const out: Vector = [];
  const split = splitNative(argVector(args[2]));
  const { classic, natives } = dropClassicNativeMix(classicHistograms(split.floats, call, 2, ctx), split.natives, call.args[2], ctx);
  for (const g of classic) {
    out.push({ metric: g.metric, f: bucketFraction(lower, upper, g.buckets), t, dropName: true });
  }
  for (const s of natives) {
    const r = nh.histogramFraction(lower, upper, s.h!);
    nanNote(r, s, call.args[2], ctx);
    out.push({ metric: s.metric, f: r.value, t, dropName: true });
  }
  return vec(out);
};

/**
 * histogram_quantiles(v, "label", q0, q1, ...) (experimental upstream): one series per histogram
 * and quantile, the quantile written into `label` as OpenMetrics formats floats.
 */
const histogramQuantiles: FunctionImpl = (args, call, t, ctx) => {
  const label = argString(args[1]);
  const qs: number[] = [];
  for (let i = 2; i < args.length; i++) {
    const q = argScalar(args[i]);
    checkQuantile(q, call.args[i], ctx);
    qs.push(q);
  }
  const split = splitNative(argVector(args[0]));
  const { classic, natives } = dropClassicNativeMix(classicHistograms(split.floats, call, 0, ctx), split.natives, call.args[0], ctx);
  const out: Vector = [];
  for (const q of qs) {
    const qs = formatOpenMetricsFloat(q);
    for (const g of classic) {
      const [v, forced] = bucketQuantile(q, g.buckets);
      if (forced) forcedMonotonicityInfo(ctx, g.name, call.args[0].pos);
      out.push({ metric: { ...g.metric, [label]: qs }, f: v, t, dropName: true });
    }
    for (const s of natives) {
      const r = nh.histogramQuantile(q, s.h!);
      nanNote(r, s, call.args[0], ctx);
      out.push({ metric: { ...s.metric, [label]: qs }, f: r.value, t, dropName: true });
    }
  }
  return vec(out);
};

/** A function of one native histogram: float samples are ignored. */
function nativeOnly(f: (h: nh.FloatHistogram) => number): FunctionImpl {
  return (args, _call, t) => {
    const out: Vector = [];
    for (const s of argVector(args[0])) if (s.h !== undefined) out.push({ metric: s.metric, f: f(s.h), t, dropName: true });
    return vec(out);
  };
}

export const HISTOGRAM_FUNCTIONS: Record<string, FunctionImpl> = {
  histogram_quantile: histogramQuantile,
  histogram_fraction: histogramFraction,
  histogram_count: nativeOnly(nh.histogramCount),
  histogram_sum: nativeOnly(nh.histogramSum),
  histogram_avg: nativeOnly(nh.histogramAvg),
  histogram_stddev: nativeOnly(nh.histogramStdDev),
  histogram_stdvar: nativeOnly(nh.histogramStdVar),
  histogram_quantiles: histogramQuantiles,
};
