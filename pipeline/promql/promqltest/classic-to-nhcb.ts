import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { isHistogramValue, type ExpectedValue } from './series-notation.js';

/** One series of a `load` block: its labels and a value per interval (null: omitted). */
export interface LoadedSeries {
  readonly labels: Labels;
  readonly values: readonly ExpectedValue[];
}

/** A native histogram with custom buckets made from classic histogram series, per timestamp. */
export interface ConvertedSeries {
  readonly labels: Labels;
  readonly points: { readonly t: number; readonly h: FloatHistogram }[];
}

interface Collected {
  buckets: Map<number, number>;
  count: number | null;
  sum: number | null;
}

/**
 * `load_with_nhcb`: besides the series as written, Prometheus' promqltest stores every classic
 * histogram (`x_bucket{le=...}`, `x_count`, `x_sum`) as a native histogram with custom buckets
 * named `x`, one per timestamp, as convertnhcb turns cumulative bucket counts into bucket
 * populations: the finite `le` bounds become the custom values, the count defaults to the `+Inf`
 * bucket's, the sum to 0. Buckets whose `le` is not a number are left out.
 */
export function classicHistogramsAsNhcb(series: readonly LoadedSeries[], interval: number): ConvertedSeries[] {
  const byBase = new Map<string, { labels: Labels; at: Map<number, Collected> }>();
  for (const s of series) {
    const name = s.labels.__name__ ?? '';
    const suffix = ['_bucket', '_count', '_sum'].find((x) => name.endsWith(x));
    if (suffix === undefined) continue;
    let le = NaN;
    if (suffix === '_bucket') {
      if (s.labels.le === undefined) continue;
      le = Number(s.labels.le.replace(/^\+?Inf$/i, 'Infinity'));
      if (Number.isNaN(le)) continue;
    }
    const base: Record<string, string> = {};
    for (const k in s.labels) if (k !== 'le' || suffix !== '_bucket') base[k] = s.labels[k];
    base.__name__ = name.slice(0, -suffix.length);
    const key = canonicalLabels(base);
    let entry = byBase.get(key);
    if (entry === undefined) byBase.set(key, (entry = { labels: base, at: new Map() }));
    s.values.forEach((v, i) => {
      if (v === null || v === 'stale' || isHistogramValue(v)) return;
      const t = i * interval;
      let c = entry.at.get(t);
      if (c === undefined) entry.at.set(t, (c = { buckets: new Map(), count: null, sum: null }));
      if (suffix === '_bucket') c.buckets.set(le, v);
      else if (suffix === '_count') c.count = v;
      else c.sum = v;
    });
  }
  const out: ConvertedSeries[] = [];
  for (const { labels, at } of byBase.values()) {
    const points: { t: number; h: FloatHistogram }[] = [];
    for (const [t, c] of [...at].sort(([a], [b]) => a - b)) {
      const h = toNhcb(c);
      if (h !== null) points.push({ t, h });
    }
    if (points.length > 0) out.push({ labels, points });
  }
  return out;
}

function toNhcb(c: Collected): FloatHistogram | null {
  const les = [...c.buckets.keys()].sort((a, b) => a - b);
  if (les.length === 0) return null;
  if (les[les.length - 1] !== Infinity) les.push(Infinity);
  const populations: number[] = [];
  let below = 0;
  for (const le of les) {
    const cumulative = c.buckets.get(le) ?? c.count ?? below;
    populations.push(cumulative - below);
    below = cumulative;
  }
  const h = new FloatHistogram({
    schema: -53,
    customValues: les.slice(0, -1),
    count: c.count ?? below,
    sum: c.sum ?? 0,
    positiveSpans: [{ offset: 0, length: populations.length }],
    positiveBuckets: populations,
  });
  return h.compact();
}
