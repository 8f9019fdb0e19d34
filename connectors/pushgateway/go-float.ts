/**
 * Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest round-tripping digits, in exponent
 * form when the exponent is below -4 or at least 6 (`1e+06`, `1.7952854913730016e+09`). The
 * Pushgateway writes values, `le` and `quantile` this way, and Prometheus stores `le` as written,
 * so Tidemark must format exactly the same to expose and emit the same series.
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = v.toExponential(); // shortest digits: "d.ddde+x"
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${e.slice(0, at)}e${sign}${digits}`;
  }
  return String(v); // JS writes plain decimals for exponents in [-6, 20], a superset of [-4, 5]
}

/** expfmt's sample values: Go's 'g' form, but 0, 1 and -1 special-cased (so -0 prints as 0). */
export function expfmtFloat(v: number): string {
  if (v === 0) return '0';
  return goFloat(v);
}
