/**
 * Go's fmt package as templates see it: Sprint, Sprintln, Sprintf with its verbs, flags, width
 * and precision, and strconv's float formatting (shortest `%v`, `%.4g` as humanize uses it).
 */
import { GoFloat, goTypeName, kindOf, mapGet, mapKeys, methodOf, toNumber } from './go-value.js';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
  plusV: boolean;
}

const NO_FLAGS: Flags = {
  plus: false, minus: false, sharp: false, space: false, zero: false,
  width: undefined, prec: undefined, plusV: false,
};

/** Decimal digits of |x| (no trailing zeros) and the decimal point position, like strconv. */
function decimalDigits(x: number, sig: number): { d: string; dp: number } {
  if (x === 0) return { d: '', dp: 0 };
  const s = sig < 0 ? Math.abs(x).toExponential() : halfEven(Math.abs(x), Math.min(Math.max(sig - 1, 0), 100), 'e');
  const e = s.indexOf('e');
  const d = s.slice(0, e).replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(s.slice(e + 1)) + 1 };
}

/**
 * toFixed/toExponential round exact ties away from zero; Go (strconv) rounds them to even.
 */
function halfEven(x: number, digits: number, mode: 'e' | 'f'): string {
  const conv = (n: number): string => (mode === 'e' ? x.toExponential(n) : x.toFixed(n));
  const rounded = conv(digits);
  if (digits + 25 > 100) return rounded;
  const long = conv(digits + 25);
  const mant = mode === 'e' ? long.slice(0, long.indexOf('e')) : long;
  const tail = mant.slice(mant.length - 25);
  if (tail !== '5' + '0'.repeat(24)) return rounded;
  // An exact tie: truncate, then round up only when the kept last digit is odd.
  const kept = mant.slice(0, mant.length - 25).replace(/\.$/, '');
  const last = Number(kept[kept.length - 1]);
  if (last % 2 === 0) return mode === 'e' ? kept + long.slice(long.indexOf('e')) : kept;
  return rounded;
}

function fmtE(d: string, dp: number, prec: number, ch: string): string {
  let out = d.length === 0 ? '0' : d[0]!;
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += i < d.length ? d[i] : '0';
  }
  const exp = d.length === 0 ? 0 : dp - 1;
  const a = Math.abs(exp);
  return `${out}${ch}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

function fmtF(d: string, dp: number, prec: number): string {
  let out = '';
  if (dp > 0) {
    for (let i = 0; i < dp; i++) out += i < d.length ? d[i] : '0';
  } else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dp + i - 1;
      out += j >= 0 && j < d.length ? d[j] : '0';
    }
  }
  return out;
}

/** strconv.FormatFloat(x, verb, prec, 64) without the sign of negative numbers handled apart. */
export function formatFloat(x: number, verb: 'g' | 'e' | 'f' | 'G' | 'E', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : '';
  const ax = Math.abs(x);
  const upper = verb === 'G' || verb === 'E';
  const lv = verb.toLowerCase();
  let body: string;
  if (lv === 'f') {
    if (prec < 0) {
      const { d, dp } = decimalDigits(ax, -1);
      body = fmtF(d, dp, Math.max(d.length - dp, 0));
    } else if (ax < 1e21) {
      body = halfEven(ax, Math.min(prec, 100), 'f');
      if (prec > 100) body += '0'.repeat(prec - 100);
    } else {
      body = BigInt(ax).toString() + (prec > 0 ? '.' + '0'.repeat(prec) : '');
    }
  } else if (lv === 'e') {
    const { d, dp } = decimalDigits(ax, prec < 0 ? -1 : prec + 1);
    body = fmtE(d, dp, prec < 0 ? Math.max(d.length - 1, 0) : prec, upper ? 'E' : 'e');
  } else {
    const shortest = prec < 0;
    let p = prec === 0 ? 1 : prec;
    const { d, dp } = decimalDigits(ax, shortest ? -1 : p);
    if (shortest) p = d.length;
    let eprec = p;
    if (eprec > d.length && d.length >= dp) eprec = d.length;
    if (shortest) eprec = 6;
    const exp = dp - 1;
    if (x !== 0 && (exp < -4 || exp >= eprec)) {
      if (p > d.length) p = d.length;
      body = fmtE(d, dp, p - 1, upper ? 'E' : 'e');
    } else {
      if (p > dp) p = d.length;
      body = fmtF(d, dp, Math.max(p - dp, 0));
    }
  }
  return sign + body;
}

/** strconv.Quote. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp < 0x80) {
      const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
      out += named[cp] ?? `\\x${cp.toString(16).padStart(2, '0')}`;
    } else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

function stringerOf(v: unknown): string | undefined {
  if (v instanceof Error) return v.message;
  const k = kindOf(v);
  if (k !== 'struct' && k !== 'map' && k !== 'slice') return undefined;
  const m = methodOf(v, 'String');
  if (m && m.length === 0) return String(m.call(v));
  return undefined;
}

function pad(s: string, f: Flags, allowZero = true): string {
  if (f.width === undefined) return s;
  const n = [...s].length;
  if (n >= f.width) return s;
  const fill = f.width - n;
  if (f.minus) return s + ' '.repeat(fill);
  if (f.zero && allowZero) {
    const m = /^[+\- ]/.exec(s);
    if (m) return m[0] + '0'.repeat(fill) + s.slice(1);
    return '0'.repeat(fill) + s;
  }
  return ' '.repeat(fill) + s;
}

function fmtInteger(n: number | bigint, verb: string, f: Flags): string {
  const big = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  const neg = big < 0n;
  const abs = neg ? -big : big;
  let digits: string;
  switch (verb) {
    case 'd': case 'v': digits = abs.toString(10); break;
    case 'x': digits = abs.toString(16); if (f.sharp) digits = '0x' + digits; break;
    case 'X': digits = abs.toString(16).toUpperCase(); if (f.sharp) digits = '0X' + digits; break;
    case 'o': digits = abs.toString(8); if (f.sharp) digits = '0' + digits; break;
    case 'O': digits = '0o' + abs.toString(8); break;
    case 'b': digits = abs.toString(2); break;
    default: digits = abs.toString(10);
  }
  if (f.prec !== undefined) {
    if (f.prec === 0 && abs === 0n) digits = '';
    while (digits.length < f.prec) digits = '0' + digits;
  }
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + digits, f, f.prec === undefined);
}

function fmtFloatVerb(x: number, verb: string, f: Flags): string {
  const gv = verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb;
  const prec = f.prec ?? (verb === 'v' || verb === 'g' || verb === 'G' ? -1 : 6);
  let s = formatFloat(x, gv as 'g', prec);
  if (!s.startsWith('-') && !s.startsWith('+') && s !== 'NaN') {
    if (f.plus) s = '+' + s;
    else if (f.space) s = ' ' + s;
  } else if (s === '+Inf' && !f.plus) {
    s = f.space ? ' Inf' : '+Inf';
  } else if (s === 'NaN' && (f.plus || f.space)) s = (f.plus ? '+' : ' ') + s;
  const special = s.endsWith('Inf') || s.endsWith('NaN');
  return pad(s, f, !special);
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${printValue(v, 'v', NO_FLAGS, 0)})`;
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v': case 's': {
      const t = f.prec !== undefined ? [...s].slice(0, f.prec).join('') : s;
      return pad(t, f);
    }
    case 'q': return pad(f.sharp && !/[`\n\r]/.test(s) && !/[\x00-\x08\x0b-\x1f\x7f]/.test(s) ? '`' + s + '`' : quote(s), f);
    case 'x': case 'X': {
      let h = Buffer.from(s, 'utf8').toString('hex');
      if (verb === 'X') h = h.toUpperCase();
      return pad(h, f);
    }
    default: return badVerb(verb, s);
  }
}

/** Formats one operand with one verb (fmt's printArg). */
export function printValue(v: unknown, verb: string, f: Flags, depth: number): string {
  if (v === undefined || v === null) {
    if (verb === 'v') return pad('<nil>', f);
    return badVerb(verb, v);
  }
  if (verb === 'T') return pad(goTypeName(v), f);
  if ('vsxXq'.includes(verb)) {
    const str = stringerOf(v);
    if (str !== undefined) return fmtString(str, verb, f);
  }
  const k = kindOf(v);
  switch (k) {
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), f) : badVerb(verb, v);
    case 'int': {
      const n = v as number | bigint;
      if ('vdxXobO'.includes(verb)) return fmtInteger(n, verb, f);
      if (verb === 'c') return pad(String.fromCodePoint(Number(n)), f);
      if (verb === 'q') return pad(quoteRune(Number(n)), f);
      if (verb === 'U') return pad('U+' + Number(n).toString(16).toUpperCase().padStart(4, '0'), f);
      return badVerb(verb, v);
    }
    case 'float': {
      const x = toNumber(v);
      if ('vbeEfFgGxX'.includes(verb)) return fmtFloatVerb(x, verb, f);
      return badVerb(verb, v);
    }
    case 'string': return fmtString(v as string, verb, f);
    case 'slice': {
      const arr = v as unknown[];
      const parts = arr.map((e) => printValue(e, verb, { ...f, width: undefined }, depth + 1));
      return pad(`[${parts.join(' ')}]`, f);
    }
    case 'map': {
      const parts = mapKeys(v).map((key) =>
        `${printValue(key, verb, NO_FLAGS, depth + 1)}:${printValue(mapGet(v, key), verb, NO_FLAGS, depth + 1)}`);
      return pad(`map[${parts.join(' ')}]`, f);
    }
    case 'struct': {
      const o = v as Record<string, unknown>;
      const parts = Object.keys(o).map((key) => {
        const s = printValue(o[key], verb, NO_FLAGS, depth + 1);
        return f.plusV ? `${key}:${s}` : s;
      });
      return pad(`{${parts.join(' ')}}`, f);
    }
    case 'func':
      return pad(verb === 'v' || verb === 'p' ? '0x1' : badVerb(verb, v), f);
    default:
      return badVerb(verb, v);
  }
}

function quoteRune(cp: number): string {
  const s = quote(String.fromCodePoint(cp));
  const inner = s.slice(1, -1).replace(/\\"/g, '"');
  return `'${inner === "'" ? "\\'" : inner}'`;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const isStr = typeof args[i] === 'string';
    if (i > 0 && !isStr && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(args[i], 'v', NO_FLAGS, 0);
  }
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => printValue(a, 'v', NO_FLAGS, 0)).join(' ') + '\n';
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) { out += format.slice(i); break; }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...NO_FLAGS };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '+') f.plus = true;
      else if (c === '-') { f.minus = true; f.zero = false; }
      else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = !f.minus;
      else break;
    }
    const argIndex = (): void => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (m) { argNum = Number(m[1]) - 1; i += m[0].length; reordered = true; }
    };
    argIndex();
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (kindOf(w) === 'int') {
        f.width = Number(w);
        if (f.width < 0) { f.minus = true; f.width = -f.width; f.zero = false; }
      } else out += '%!(BADWIDTH)';
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) { f.width = Number(m[0]); i += m[0].length; }
    }
    if (format[i] === '.') {
      i++;
      argIndex();
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (kindOf(p) === 'int' && Number(p) >= 0) f.prec = Number(p);
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    argIndex();
    if (i >= n) { out += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') { out += '%'; continue; }
    if (argNum >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const arg = args[argNum++];
    if (verb === 'v') {
      if (f.plus) { f.plusV = true; f.plus = false; }
    }
    out += printValue(arg, verb, f, 0);
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) =>
      a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${printValue(a, 'v', NO_FLAGS, 0)}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

export { GoFloat };
