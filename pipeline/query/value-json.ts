import { compareStrings, type Labels } from '../../schemas/labels.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';

/**
 * A sample value as Prometheus writes it: Go's `strconv.FormatFloat(v, 'f', -1, 64)` (shortest
 * round-tripping digits, never in exponent form), `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  // JavaScript writes exponent form only outside [1e-6, 1e21): skip the search inside.
  const a = v < 0 ? -v : v;
  return a >= 1e-6 && a < 1e21 ? s : s.includes('e') ? expandExponent(s) : s;
}

function expandExponent(s: string): string {
  const neg = s.startsWith('-');
  const [mant, expText] = (neg ? s.slice(1) : s).split('e');
  const exp = Number(expText);
  const dot = mant.indexOf('.');
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const point = (dot < 0 ? mant.length : dot) + exp; // position of the decimal point in `digits`
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return neg ? '-' + out : out;
}

/** A millisecond timestamp as Prometheus writes it: seconds with up to three decimals. */
export function formatTimestamp(ms: number): string {
  const neg = ms < 0;
  const a = Math.abs(Math.round(ms));
  const secs = Math.floor(a / 1000);
  const frac = a % 1000;
  const s = frac === 0 ? String(secs) : `${secs}.${String(frac).padStart(3, '0')}`;
  return neg ? '-' + s : s;
}

/** Labels as a JSON object with names in Prometheus' (sorted) order. */
export function labelsJson(labels: Labels): string {
  const names = Object.keys(labels).sort(compareStrings);
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(names[i]) + ':' + JSON.stringify(labels[names[i]]);
  }
  return out + '}';
}

/**
 * A native histogram as Prometheus 3's HTTP API writes it: `count` and `sum` as strings, and the
 * populated buckets in ascending order as `[boundaries, "lower", "upper", "count"]`, boundaries
 * 0 = (lower, upper], 1 = [lower, upper), 2 = (lower, upper), 3 = [lower, upper].
 */
export function histogramJson(h: FloatHistogram): string {
  let out = `{"count":"${formatValue(h.count)}","sum":"${formatValue(h.sum)}"`;
  let buckets = '';
  const it = h.allBucketIterator();
  for (let next = it.next(); !next.done; next = it.next()) {
    const b = next.value;
    if (b.count === 0) continue;
    const boundaries = b.lowerInclusive ? (b.upperInclusive ? 3 : 1) : b.upperInclusive ? 0 : 2;
    buckets += `${buckets === '' ? '' : ','}[${boundaries},"${formatValue(b.lower)}","${formatValue(b.upper)}","${formatValue(b.count)}"]`;
  }
  if (buckets !== '') out += `,"buckets":[${buckets}]`;
  return out + '}';
}

/** A result series holding native histograms: float points in `values`, histogram points in `histograms` (either left out when empty). */
export function seriesWithHistogramsJson(metric: Labels, timestamps: readonly number[], values: readonly number[], histograms: readonly (FloatHistogram | null)[]): string {
  const floats: string[] = [];
  const hists: string[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const h = histograms[i];
    if (h === null) floats.push(`[${formatTimestamp(timestamps[i])},"${formatValue(values[i])}"]`);
    else hists.push(`[${formatTimestamp(timestamps[i])},${histogramJson(h)}]`);
  }
  let out = `{"metric":${labelsJson(metric)}`;
  if (floats.length > 0) out += `,"values":[${floats.join(',')}]`;
  if (hists.length > 0) out += `,"histograms":[${hists.join(',')}]`;
  return out + '}';
}
