/**
 * Number literals of both exposition formats: `[+-]? (digits [. digits*] | . digits) ([eE][+-]?digits)?`,
 * `[+-]?(Inf|Infinity)` and `NaN`, case-insensitively for the words. This is what Go's
 * `strconv.ParseFloat` accepts once hex floats and underscores are ruled out (as expfmt does) and
 * what the OpenMetrics ABNF allows. Parsing is a char scan with Clinger's fast path, so the common
 * short decimals never allocate a string.
 */

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** The value of `s[start, end)`, or `undefined` when it is not a valid literal. */
export function parseFloatLiteral(s: string, start: number, end: number): number | undefined {
  let i = start;
  if (i >= end) return undefined;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
    if (i >= end) return undefined;
    c = s.charCodeAt(i);
  }
  if (c === 73 || c === 105) {
    // Inf / Infinity
    const len = end - i;
    if ((len === 3 || len === 8) && matchWord(s, i, end, len === 3 ? 'inf' : 'infinity')) return neg ? -Infinity : Infinity;
    return undefined;
  }
  if (c === 78 || c === 110) {
    if (i === start && end - i === 3 && matchWord(s, i, end, 'nan')) return NaN;
    return undefined;
  }
  let mantissa = 0;
  let sigDigits = 0; // significant digits accumulated into mantissa
  let exact = true; // mantissa holds every significant digit exactly
  let fracDigits = 0;
  let digits = 0;
  while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    if (mantissa !== 0 || c !== 48) {
      if (sigDigits < 15) mantissa = mantissa * 10 + (c - 48);
      else exact = false;
      sigDigits++;
    }
    digits++;
    i++;
  }
  if (!exact) return parseSlow(s, start, end, i);
  if (i < end && s.charCodeAt(i) === 46) {
    i++;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      if (mantissa !== 0 || c !== 48) {
        if (sigDigits < 15) mantissa = mantissa * 10 + (c - 48);
        else exact = false;
        sigDigits++;
      }
      if (exact) fracDigits++;
      digits++;
      i++;
    }
  }
  if (digits === 0) return undefined;
  let exp = 0;
  if (i < end) {
    c = s.charCodeAt(i);
    if (c !== 101 && c !== 69) return undefined;
    i++;
    let eneg = false;
    if (i < end && ((c = s.charCodeAt(i)) === 43 || c === 45)) {
      eneg = c === 45;
      i++;
    }
    const expStart = i;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      if (exp < 100000) exp = exp * 10 + (c - 48);
      i++;
    }
    if (i === expStart || i !== end) return undefined;
    if (eneg) exp = -exp;
  }
  if (!exact) return Number(s.slice(start, end));
  const p = exp - fracDigits;
  let v: number;
  if (mantissa === 0) v = 0;
  else if (p === 0) v = mantissa;
  else if (p > 0 && p <= 22) v = mantissa * POW10[p];
  else if (p < 0 && p >= -22) v = mantissa / POW10[-p];
  else return Number(s.slice(start, end));
  return neg ? -v : v;
}

function parseSlow(s: string, start: number, end: number, i: number): number | undefined {
  // Too many digits for the fast path: check the syntax, then let the engine round correctly.
  let c = 0;
  while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
  if (i < end && s.charCodeAt(i) === 46) {
    i++;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
  }
  if (i < end) {
    c = s.charCodeAt(i);
    if (c !== 101 && c !== 69) return undefined;
    i++;
    if (i < end && ((c = s.charCodeAt(i)) === 43 || c === 45)) i++;
    const expStart = i;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === expStart || i !== end) return undefined;
  }
  return Number(s.slice(start, end));
}

function matchWord(s: string, i: number, end: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    if ((s.charCodeAt(i + k) | 0x20) !== lower.charCodeAt(k)) return false;
  }
  return i + lower.length === end;
}

/** A base-10 integer `[+-]?digits` (the text format's millisecond timestamps), or `undefined`. */
export function parseIntLiteral(s: string, start: number, end: number): number | undefined {
  let i = start;
  let neg = false;
  let c = i < end ? s.charCodeAt(i) : 0;
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  if (i >= end || end - i > 19) return undefined;
  let v = 0;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  if (v > 9223372036854775807) return undefined; // beyond int64, as strconv.ParseInt
  return neg ? -v : v;
}
