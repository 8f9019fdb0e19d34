import type { Labels } from '../../../../schemas/labels.js';
import { labelsKey } from '../label-keys.js';
import type { Vector } from '../types.js';
import { argScalar, argVector, vec, type FunctionImpl } from './function-impl.js';

interface Bucket {
  upper: number;
  count: number;
}

function almostEqual(a: number, b: number, eps: number): boolean {
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < 2.2250738585072014e-308) return diff < eps * 2.2250738585072014e-308;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

/** Prometheus's BucketQuantile over classic buckets: [value, forcedMonotonic]. */
export function bucketQuantile(q: number, input: Bucket[]): [number, boolean] {
  if (Number.isNaN(q)) return [NaN, false];
  if (q < 0) return [-Infinity, false];
  if (q > 1) return [Infinity, false];
  const sorted = input.slice().sort((a, b) => a.upper - b.upper);
  if (sorted[sorted.length - 1].upper !== Infinity) return [NaN, false];
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else buckets.push({ upper: b.upper, count: b.count });
  }
  let forced = false;
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const cur = buckets[i].count;
    if (cur === prev) continue;
    if (almostEqual(prev, cur, 1e-12)) {
      buckets[i].count = prev;
      continue;
    }
    if (cur < prev) {
      buckets[i].count = prev;
      forced = true;
      continue;
    }
    prev = cur;
  }
  if (buckets.length < 2) return [NaN, forced];
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return [NaN, forced];
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b].count >= rank)) b++;
  if (b === buckets.length - 1) return [buckets[buckets.length - 2].upper, forced];
  if (b === 0 && buckets[0].upper <= 0) return [buckets[0].upper, forced];
  let start = 0;
  const end = buckets[b].upper;
  let count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return [start + (end - start) * (rank / count), forced];
}

/** Parses an `le` value as Go's strconv.ParseFloat would (null when malformed). */
function parseLe(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  if (t !== s || t === '') return null;
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return null;
  return Number(t);
}

const histogramQuantile: FunctionImpl = (args, call, t, ctx) => {
  const q = argScalar(args[0]);
  if (Number.isNaN(q) || q < 0 || q > 1) ctx.warn(`quantile value should be between 0 and 1, got ${q}`, call.args[0].pos);
  const groups = new Map<string, { metric: Labels; buckets: Bucket[]; name: string }>();
  for (const s of argVector(args[1])) {
    const upper = parseLe(s.metric.le);
    const name = s.metric.__name__ ?? '';
    if (upper === null) {
      ctx.warn(`bucket label "le" is missing or has a malformed value of ${JSON.stringify(s.metric.le ?? '')} for metric name ${JSON.stringify(name)}`, call.args[1].pos);
      continue;
    }
    const rest: Record<string, string> = {};
    for (const k in s.metric) if (k !== 'le') rest[k] = s.metric[k];
    const key = labelsKey(rest);
    let g = groups.get(key);
    if (!g) {
      const metric: Record<string, string> = { ...rest };
      delete metric.__name__;
      g = { metric, buckets: [], name };
      groups.set(key, g);
    }
    g.buckets.push({ upper, count: s.f });
  }
  const out: Vector = [];
  for (const g of groups.values()) {
    const [v, forced] = bucketQuantile(q, g.buckets);
    if (forced) {
      ctx.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${JSON.stringify(g.name)}`, call.args[1].pos);
    }
    out.push({ metric: g.metric, f: v, t, dropName: false });
  }
  return vec(out);
};

/** Functions that only act on native histograms: float samples are ignored. */
const nativeOnly: FunctionImpl = () => vec([]);

export const HISTOGRAM_FUNCTIONS: Record<string, FunctionImpl> = {
  histogram_quantile: histogramQuantile,
  histogram_fraction: nativeOnly,
  histogram_count: nativeOnly,
  histogram_sum: nativeOnly,
  histogram_avg: nativeOnly,
  histogram_stddev: nativeOnly,
  histogram_stdvar: nativeOnly,
  histogram_quantiles: nativeOnly,
};
