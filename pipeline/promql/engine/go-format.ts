import { formatFloatF } from './quantile.js';

/**
 * Go's `%g` (strconv.FormatFloat(f, 'g', -1, 64)): shortest round-trip digits, in exponent form
 * when the exponent is below -4 or at least 6 (`1e-07`, `1e+06`), as annotations print numbers.
 */
export function formatGoG(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expStr] = Math.abs(f).toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${f < 0 ? '-' : ''}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return formatFloatF(f);
}

/** Prometheus's labels.FormatOpenMetricsFloat: `%g`, with `.0` added to whole numbers (`1.0`). */
export function formatOpenMetricsFloat(f: number): string {
  const s = formatGoG(f);
  if (!Number.isFinite(f) || /[e.]/.test(s)) return s;
  return `${s}.0`;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};

/** Go's `%q` of a string (strconv.Quote), as annotations quote metric names and label values. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = ESCAPES[ch];
    if (esc !== undefined) out += esc;
    else if (PRINTABLE.test(ch)) out += ch;
    else {
      const cp = ch.codePointAt(0)!;
      // A byte of invalid UTF-8 from a query's escapes (see the lexer's decodeBytes) prints as Go prints it.
      if (cp >= 0xdc80 && cp <= 0xdcff) out += `\\x${(cp - 0xdc00).toString(16).padStart(2, '0')}`;
      else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd'; // a lone surrogate reaches Go as U+FFFD
      else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return out + '"';
}
