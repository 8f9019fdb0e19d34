/**
 * A sample value as the Prometheus query API writes it: a decimal, `NaN`, `+Inf` or `-Inf`.
 * Number alone reads `+Inf` and `-Inf` as NaN, so a rule over an infinite value replayed as NaN.
 */
export function apiValue(text: string): number {
  const n = Number(text);
  if (!Number.isNaN(n)) return n;
  return text === '+Inf' ? Number.POSITIVE_INFINITY : text === '-Inf' ? Number.NEGATIVE_INFINITY : n;
}
