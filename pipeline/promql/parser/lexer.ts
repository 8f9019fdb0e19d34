import { PromqlParseError } from '../errors.js';

export type TokenKind =
  | 'ident' | 'number' | 'duration' | 'string' | 'op' | 'lparen' | 'rparen' | 'lbrace' | 'rbrace'
  | 'lbracket' | 'rbracket' | 'comma' | 'colon' | 'at' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Numbers: the value; durations: milliseconds; strings: the unescaped text. */
  readonly num?: number;
  readonly str?: string;
}

const UNIT_MS: Record<string, number> = {
  ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000,
};

const DURATION_RE = /^(?:\d+(?:ms|s|m|h|d|w|y))+/;
const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** Parses `1h30m` (units largest to smallest, each once) into milliseconds; null when invalid. */
export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  const re = /(\d+)(ms|s|m|h|d|w|y)/g;
  let ms = 0;
  let pos = 0;
  let last = -1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index !== pos) return null;
    const idx = UNIT_ORDER.indexOf(m[2]);
    if (idx <= last) return null;
    last = idx;
    ms += Number(m[1]) * UNIT_MS[m[2]];
    pos = re.lastIndex;
  }
  return pos === text.length && pos > 0 ? ms : null;
}

// `</` and `>/` are the histogram trimming operators; `/` cannot start an operand, so no query
// that meant `<` or `>` reads differently.
const OPS = ['==', '!=', '>=', '<=', '</', '>/', '=~', '!~', '+', '-', '*', '/', '%', '^', '>', '<', '='];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === ':';
}
function isWordChar(c: string): boolean {
  return c !== ':' && isIdentPart(c);
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

/** Splits a query into tokens; comments (`# ...`) are skipped. */
export function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let bracketDepth = 0;
  const n = q.length;
  while (i < n) {
    const c = q[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < n && q[i] !== '\n') i++; continue; }
    const start = i;
    if (c === '(') { out.push({ kind: 'lparen', text: c, start, end: ++i }); continue; }
    if (c === ')') { out.push({ kind: 'rparen', text: c, start, end: ++i }); continue; }
    if (c === '{') { out.push({ kind: 'lbrace', text: c, start, end: ++i }); continue; }
    if (c === '}') { out.push({ kind: 'rbrace', text: c, start, end: ++i }); continue; }
    if (c === '[') { bracketDepth++; out.push({ kind: 'lbracket', text: c, start, end: ++i }); continue; }
    if (c === ']') { bracketDepth--; out.push({ kind: 'rbracket', text: c, start, end: ++i }); continue; }
    if (c === ',') { out.push({ kind: 'comma', text: c, start, end: ++i }); continue; }
    if (c === ':' && bracketDepth > 0) {
      // Inside brackets a colon separates a subquery's range and step; elsewhere it is part of a name.
      out.push({ kind: 'colon', text: c, start, end: ++i });
      continue;
    }
    if (c === '@') { out.push({ kind: 'at', text: c, start, end: ++i }); continue; }
    if (c === '"' || c === "'" || c === '`') {
      const { value, end } = readString(q, i);
      out.push({ kind: 'string', text: q.slice(start, end), start, end, str: value });
      i = end;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && q[i + 1] >= '0' && q[i + 1] <= '9')) {
      const rest = q.slice(i);
      const d = DURATION_RE.exec(rest);
      if (d && !isWordChar(rest[d[0].length] ?? ' ')) {
        const ms = parseDuration(d[0]);
        if (ms === null) throw new PromqlParseError(q, { start, end: start + d[0].length }, `unexpected character in duration expression: "${d[0]}"`);
        out.push({ kind: 'duration', text: d[0], start, end: i + d[0].length, num: ms });
        i += d[0].length;
        continue;
      }
      const m = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(rest)!;
      const text = m[0];
      if (isWordChar(rest[text.length] ?? ' ')) {
        throw new PromqlParseError(q, { start, end: start + text.length + 1 }, `bad number or duration syntax: "${rest.slice(0, text.length + 1)}"`);
      }
      out.push({ kind: 'number', text, start, end: i + text.length, num: Number(text) });
      i += text.length;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(q[j])) j++;
      const text = q.slice(i, j);
      const lower = text.toLowerCase();
      if (lower === 'inf' || lower === 'nan') {
        out.push({ kind: 'number', text, start, end: j, num: lower === 'inf' ? Infinity : NaN });
      } else {
        out.push({ kind: 'ident', text, start, end: j });
      }
      i = j;
      continue;
    }
    let matched = false;
    for (const op of OPS) {
      if (q.startsWith(op, i)) {
        out.push({ kind: 'op', text: op, start, end: i + op.length });
        i += op.length;
        matched = true;
        break;
      }
    }
    if (!matched) {
      if (c === '!') throw new PromqlParseError(q, { start, end: start + 1 }, 'unexpected character after \'!\': ' + JSON.stringify(q[i + 1] ?? ''));
      throw new PromqlParseError(q, { start, end: start + 1 }, `unexpected character: ${quoteChar(c)}`);
    }
  }
  out.push({ kind: 'eof', text: '', start: n, end: n });
  return out;
}

function quoteChar(c: string): string {
  return `'${c}'`;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'",
};

/** Reads a Go-style quoted string starting at `i` (the quote). Raw strings (backquotes) have no escapes. */
export function readString(q: string, i: number): { value: string; end: number } {
  const quote = q[i];
  let j = i + 1;
  let value = '';
  // Byte escapes (\xNN, \NNN) in a row make one UTF-8 sequence, as in Go.
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) value += decodeBytes(bytes);
    bytes = [];
  };
  while (true) {
    if (j >= q.length) throw new PromqlParseError(q, { start: i, end: j }, 'unterminated quoted string');
    const c = q[j];
    const isByteEscape = c === '\\' && quote !== '`' && (q[j + 1] === 'x' || (q[j + 1] >= '0' && q[j + 1] <= '7'));
    if (!isByteEscape) flush();
    if (c === quote) return { value, end: j + 1 };
    if (c === '\n' && quote !== '`') throw new PromqlParseError(q, { start: i, end: j }, 'unterminated quoted string');
    if (c === '\\' && quote !== '`') {
      const e = q[j + 1];
      if (e in SIMPLE_ESCAPES) { value += SIMPLE_ESCAPES[e]; j += 2; continue; }
      if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = q.slice(j + 2, j + 2 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new PromqlParseError(q, { start: j, end: j + 2 }, 'invalid escape sequence');
        if (e === 'x') bytes.push(parseInt(hex, 16));
        else value += String.fromCodePoint(parseInt(hex, 16));
        j += 2 + len;
        continue;
      }
      if (e >= '0' && e <= '7') {
        const oct = q.slice(j + 1, j + 4);
        if (!/^[0-7]{3}$/.test(oct)) throw new PromqlParseError(q, { start: j, end: j + 2 }, 'invalid escape sequence');
        bytes.push(parseInt(oct, 8));
        j += 4;
        continue;
      }
      throw new PromqlParseError(q, { start: j, end: j + 2 }, 'unknown escape sequence ' + JSON.stringify(e ?? ''));
    }
    value += c;
    j++;
  }
}

/**
 * Decodes bytes as UTF-8. A byte that is no part of a valid sequence stays distinguishable: it
 * becomes the lone surrogate U+DC00+byte (as Python's surrogateescape does), which no valid
 * name matches and error messages print back as `\xNN`, as Go prints its invalid UTF-8.
 */
function decodeBytes(bytes: readonly number[]): string {
  let out = '';
  let k = 0;
  while (k < bytes.length) {
    const b = bytes[k];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && k + len <= bytes.length) {
      const raw = Buffer.from(bytes.slice(k, k + len));
      const seq = raw.toString('utf8');
      if (Buffer.from(seq, 'utf8').equals(raw)) {
        out += seq;
        k += len;
        continue;
      }
    }
    out += String.fromCharCode(0xdc00 + b);
    k++;
  }
  return out;
}
