/**
 * VictoriaMetrics histogram buckets (`vmrange` labels): 18 log-spaced buckets per power of ten
 * from 1e-9 to 1e18, plus one below and one above; negative values and NaN are not counted, an
 * exact power of ten goes to the bucket it ends. Bucket bounds print as Go's `%.3e`.
 */
const E10_MIN = -9;
const E10_MAX = 18;
const PER_DECADE = 18;
const COUNT = (E10_MAX - E10_MIN) * PER_DECADE;
const MULTIPLIER = Math.pow(10, 1 / PER_DECADE);

/** Go's fmt `%.3e` (two-digit exponent with sign). */
export function goSci3(v: number): string {
  const [m, e] = v.toExponential(3).split('e') as [string, string];
  const sign = e.startsWith('-') ? '-' : '+';
  const digits = e.replace(/^[+-]/, '');
  return `${m}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}

let ranges: string[] | undefined;
function bucketRanges(): string[] {
  if (ranges !== undefined) return ranges;
  ranges = [];
  let v = Math.pow(10, E10_MIN);
  let start = goSci3(v);
  for (let i = 0; i < COUNT; i++) {
    v *= MULTIPLIER;
    const end = goSci3(v);
    ranges.push(`${start}...${end}`);
    start = end;
  }
  return ranges;
}

const LOWER = `0...${goSci3(Math.pow(10, E10_MIN))}`;
const UPPER = `${goSci3(Math.pow(10, E10_MAX))}...+Inf`;

/** The vmrange bucket of `v`, or undefined when VictoriaMetrics does not count it. */
export function vmrangeOf(v: number): string | undefined {
  if (Number.isNaN(v) || v < 0) return undefined;
  const idx = (Math.log10(v) - E10_MIN) * PER_DECADE;
  if (idx < 0) return LOWER;
  if (idx >= COUNT) return UPPER;
  let i = Math.floor(idx);
  if (idx === i && i > 0) i--;
  return bucketRanges()[i];
}
