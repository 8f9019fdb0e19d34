import { MatcherParseError, RegexCompileError } from './errors.js';
import { Matcher, type MatchType } from './matchers.js';

/**
 * Parse a matcher expression as Alertmanager's compat layer does in its default "fallback" mode:
 * the UTF-8 matcher grammar (`matcher/parse`) first and, if that fails, the classic
 * `pkg/labels.ParseMatchers` grammar. Accepts `{a="b", c=~"d"}`, `a=b`, `"my label"="x"`.
 */
export function parseMatchers(input: string): Matcher[] {
  try {
    return parseUtf8Matchers(input);
  } catch (utf8Err) {
    try {
      return parseClassicMatchers(input);
    } catch {
      throw utf8Err;
    }
  }
}

/** Parse exactly one matcher (for `amtool`-style single matcher arguments and silences). */
export function parseMatcher(input: string): Matcher {
  const ms = parseMatchers(input);
  if (ms.length !== 1) throw new MatcherParseError(`expected 1 matcher, found ${ms.length}: ${input}`, input);
  return ms[0]!;
}

function build(type: MatchType, name: string, value: string, input: string): Matcher {
  try {
    return new Matcher(type, name, value);
  } catch (err) {
    if (err instanceof RegexCompileError) throw new MatcherParseError(`${input}: invalid regular expression: ${err.message}`, input, undefined, { cause: err });
    throw err;
  }
}

// ---- UTF-8 grammar (matcher/parse) ----

type Tok = { kind: '{' | '}' | ',' | 'op' | 'quoted' | 'unquoted'; text: string; pos: number };

function isReserved(ch: string): boolean {
  return /\s/u.test(ch) || '{}!=~,\\"\'`'.includes(ch);
}

function lex(input: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/u.test(c)) { i++; continue; }
    if (c === '{' || c === '}' || c === ',') { toks.push({ kind: c, text: c, pos: i }); i++; continue; }
    if (c === '=' || c === '!') {
      const two = input.slice(i, i + 2);
      if (two === '=~' || two === '!=' || two === '!~') { toks.push({ kind: 'op', text: two, pos: i }); i += 2; continue; }
      if (c === '=') { toks.push({ kind: 'op', text: '=', pos: i }); i++; continue; }
      throw new MatcherParseError(`${i}:${i + 1}: unexpected end of input, expected one of '=~'`, input, i);
    }
    if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
      if (j >= input.length) throw new MatcherParseError(`${i}:${input.length}: ${input.slice(i)}: missing end "`, input, i);
      toks.push({ kind: 'quoted', text: unquoteGo(input.slice(i, j + 1), input, i), pos: i });
      i = j + 1;
      continue;
    }
    if (isReserved(c)) throw new MatcherParseError(`${i}:${i + 1}: ${c}: invalid input`, input, i);
    let j = i;
    for (const ch of input.slice(i)) {
      if (isReserved(ch)) break;
      j += ch.length;
    }
    toks.push({ kind: 'unquoted', text: input.slice(i, j), pos: i });
    i = j;
  }
  return toks;
}

/** Go `strconv.Unquote` for a double-quoted literal. */
function unquoteGo(lit: string, input: string, pos: number): string {
  const body = lit.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      if (c === '\n') throw new MatcherParseError(`${pos}: invalid newline in quoted string`, input, pos);
      out += c;
      continue;
    }
    const n = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };
    if (n !== undefined && simple[n] !== undefined) { out += simple[n]; continue; }
    const hex = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (hex > 0 && /^[0-9a-fA-F]+$/.test(body.slice(i + 1, i + 1 + hex)) && body.length >= i + 1 + hex) {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 1 + hex), 16));
      i += hex;
      continue;
    }
    if (n !== undefined && /[0-7]/.test(n) && /^[0-7]{3}$/.test(body.slice(i, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
      continue;
    }
    throw new MatcherParseError(`${pos}: invalid escape sequence in ${lit}`, input, pos);
  }
  return out;
}

function parseUtf8Matchers(input: string): Matcher[] {
  const toks = lex(input);
  let i = 0;
  const out: Matcher[] = [];
  const braces = toks[0]?.kind === '{';
  if (braces) i++;
  const fail = (msg: string, t?: Tok): never => {
    throw new MatcherParseError(t === undefined ? `0:${input.length}: unexpected end of input, ${msg}` : `${t.pos}:${t.pos + t.text.length}: unexpected ${t.text}: ${msg}`, input, t?.pos);
  };
  while (i < toks.length) {
    const t = toks[i]!;
    if (t.kind === '}') break;
    if (t.kind !== 'quoted' && t.kind !== 'unquoted') fail('expected label name', t);
    const op = toks[i + 1];
    if (op === undefined || op.kind !== 'op') fail('expected an operator such as \'=\', \'!=\', \'=~\' or \'!~\'', op);
    const v = toks[i + 2];
    let value = '';
    if (v !== undefined && (v.kind === 'quoted' || v.kind === 'unquoted')) {
      value = v.text;
      i += 3;
    } else {
      fail('expected label value', v);
    }
    out.push(build(op!.text as MatchType, t.text, value, input));
    const sep = toks[i];
    if (sep === undefined) break;
    if (sep.kind === ',') { i++; continue; }
    if (sep.kind === '}') break;
    fail('expected a comma or close brace', sep);
  }
  if (braces) {
    if (toks[i]?.kind !== '}') fail('expected close brace', toks[i]);
    i++;
  } else if (toks[i]?.kind === '}') {
    fail('expected opening brace', toks[i]);
  }
  if (i < toks.length) fail('expected end of input', toks[i]);
  return out;
}

// ---- classic grammar (pkg/labels/parse.go) ----

const CLASSIC_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

function parseClassicMatchers(input: string): Matcher[] {
  let s = input;
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let inside = false;
  let escaped = false;
  let token = '';
  for (const r of s) {
    if (r === ',' && !inside) { tokens.push(token); token = ''; continue; }
    if (r === '"') { if (!escaped) inside = !inside; else escaped = false; }
    else if (r === '\\') escaped = !escaped;
    else escaped = false;
    token += r;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map((t) => parseClassicMatcher(t, input));
}

function parseClassicMatcher(s: string, input: string): Matcher {
  const ms = CLASSIC_RE.exec(s);
  if (ms === null) throw new MatcherParseError(`bad matcher format: ${s}`, input);
  let raw = ms[3]!;
  let expectQuote = false;
  if (raw.startsWith('"')) { raw = raw.slice(1); expectQuote = true; }
  let value = '';
  let escaped = false;
  const chars = Array.from(raw);
  for (let i = 0; i < chars.length; i++) {
    const r = chars[i]!;
    if (escaped) {
      escaped = false;
      value += r === 'n' ? '\n' : r === '"' || r === '\\' ? r : '\\' + r;
      continue;
    }
    if (r === '\\') {
      if (i < chars.length - 1) { escaped = true; continue; }
      value += '\\';
    } else if (r === '"') {
      if (!expectQuote || i < chars.length - 1) throw new MatcherParseError(`matcher value contains unescaped double quote: ${ms[3]}`, input);
      expectQuote = false;
    } else {
      value += r;
    }
  }
  if (expectQuote) throw new MatcherParseError(`matcher value contains unescaped double quote: ${ms[3]}`, input);
  return build(ms[2] as MatchType, ms[1]!, value, input);
}
