import { RegexCompileError } from './errors.js';

// Characters JavaScript accepts after a backslash in unicode mode outside a class.
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
const cache = new Map<string, RegExp>();

function hexEscape(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16)}}`;
}

/**
 * Compile a Go RE2 pattern, fully anchored as Alertmanager does (`^(?:re)$`), into a JavaScript
 * RegExp with the `u` flag so `.` matches a code point as Go matches a rune. Handles the RE2
 * syntax JavaScript spells differently: leading `(?flags)`, `(?P<name>`, `\z`, `\A`, `\Q…\E`,
 * `\x{…}`, POSIX classes, and escaped punctuation.
 */
export function compileAnchoredGoRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let flags = 'u';
  let src = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead !== null) {
    if (lead[1]!.includes('i')) flags += 'i';
    if (lead[1]!.includes('s')) flags += 's';
    if (lead[1]!.includes('m')) flags += 'm';
    src = src.slice(lead[0].length);
  }
  let body: string;
  try {
    body = translate(src);
  } catch (err) {
    throw new RegexCompileError(`error parsing regexp: ${(err as Error).message}: \`${pattern}\``, pattern, { cause: err });
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${body})$`, flags);
  } catch (err) {
    throw new RegexCompileError(`error parsing regexp: invalid syntax: \`${pattern}\``, pattern, { cause: err });
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, re);
  return re;
}

function translate(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new Error('trailing backslash at end of expression');
      i++;
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 1);
        const lit = end < 0 ? src.slice(i + 1) : src.slice(i + 1, end);
        for (const ch of lit) out += /[A-Za-z0-9_]/.test(ch) ? ch : hexEscape(ch);
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      if (n === 'z' && !inClass) { out += '(?![\\s\\S])'; continue; }
      if (n === 'A' && !inClass) { out += '(?<![\\s\\S])'; continue; }
      if (n === 'x' && src[i + 1] === '{') {
        const end = src.indexOf('}', i);
        if (end < 0) throw new Error('invalid escape sequence');
        out += `\\u{${src.slice(i + 2, end)}}`;
        i = end;
        continue;
      }
      if (/[A-Za-z0-9]/.test(n)) { out += '\\' + n; continue; }
      out += JS_SYNTAX.has(n) || (inClass && n === '-') ? '\\' + n : hexEscape(n);
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const end = src.indexOf(':]', i + 2);
        if (end > 0) {
          const name = src.slice(i + 2, end);
          const neg = name.startsWith('^');
          const cls = POSIX[neg ? name.slice(1) : name];
          if (cls === undefined) throw new Error(`invalid character class range: \`[:${name}:]\``);
          if (neg) throw new Error('negated POSIX classes are not supported');
          out += cls;
          i = end + 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') { out += '^'; i++; }
      // A `]` right after `[` or `[^` is a literal in RE2.
      if (src[i + 1] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(' && src.startsWith('(?P<', i)) { out += '(?<'; i += 3; continue; }
    if (c === '(' && src[i + 1] === '?' && /[imsU-]/.test(src[i + 2] ?? '')) {
      throw new Error('inline flag groups other than a leading (?flags) are not supported');
    }
    out += c;
  }
  if (inClass) throw new Error('missing closing ]');
  return out;
}
