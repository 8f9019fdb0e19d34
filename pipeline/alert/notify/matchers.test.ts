import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MatcherParseError } from './errors.js';
import { parseMatcher, parseMatchers } from './matcher-parse.js';
import { formatMatchers, matchesAll, Matcher, sortMatchers } from './matchers.js';

describe('matcher parsing (fallback: UTF-8 grammar, then classic)', () => {
  it('parses braces, all operators and trailing commas', () => {
    const ms = parseMatchers('{a="1", b!="2", c=~"x.*", d!~"y",}');
    expect(ms.map(String)).toEqual(['a="1"', 'b!="2"', 'c=~"x.*"', 'd!~"y"']);
  });

  it('parses unquoted values and quoted UTF-8 label names', () => {
    expect(parseMatcher('foo=bar').toString()).toBe('foo="bar"');
    const m = parseMatcher('"service name"="db 🚀"');
    expect(m.name).toBe('service name');
    expect(m.value).toBe('db 🚀');
    expect(m.toString()).toBe('"service name"="db 🚀"');
  });

  it('falls back to the classic grammar for values with spaces', () => {
    expect(parseMatcher('foo=bar baz').value).toBe('bar baz');
    expect(parseMatcher('foo=').value).toBe('');
  });

  it('unescapes quoted values', () => {
    expect(parseMatcher('a="x\\"y\\\\z\\n"').value).toBe('x"y\\z\n');
  });

  it('rejects garbage and invalid regexes with a MatcherParseError', () => {
    expect(() => parseMatchers('foo')).toThrow(MatcherParseError);
    expect(() => parseMatchers('a=~"("')).toThrow(MatcherParseError);
    expect(() => parseMatchers('{a="b"}}')).toThrow(MatcherParseError);
  });

  it('round-trips any printed matcher (property)', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
    fc.assert(fc.property(name, fc.string(), fc.constantFrom('=', '!=' as const), (n, v, op) => {
      const m = new Matcher(op, n, v);
      const back = parseMatcher(m.toString());
      expect([back.name, back.type, back.value]).toEqual([n, op, v]);
    }));
  });
});

describe('matching', () => {
  it('anchors regexes fully and treats absent labels as empty', () => {
    const re = new Matcher('=~', 'env', 'prod');
    expect(re.matches('prod')).toBe(true);
    expect(re.matches('production')).toBe(false);
    expect(new Matcher('!=', 'level', 'critical').matches('')).toBe(true);
    expect(matchesAll([new Matcher('=', 'a', '')], {})).toBe(true);
    expect(matchesAll([new Matcher('=', 'a', 'x')], { a: 'y' })).toBe(false);
  });

  it('matches RE2 (Go) syntax: case-insensitive flag, named groups, \\z and escaped punctuation', () => {
    expect(new Matcher('=~', 'a', '(?i)ERROR').matches('error')).toBe(true);
    expect(new Matcher('=~', 'a', '(?P<x>ab)c').matches('abc')).toBe(true);
    expect(new Matcher('=~', 'a', 'a\\-b').matches('a-b')).toBe(true);
    expect(new Matcher('=~', 'a', '[[:digit:]]+').matches('123')).toBe(true);
    expect(new Matcher('=~', 'a', '.').matches('🚀')).toBe(true);
    expect(new Matcher('=~', 'a', '.*((?i)TAIL).*').matches('a-tail-b')).toBe(true);
    expect(new Matcher('=~', 'a', '[[:^digit:]]+').matches('a1')).toBe(false);
    expect(new Matcher('=~', 'a', '\\p{Greek}+').matches('αβ')).toBe(true);
  });

  it('keeps `.` from matching a newline, as Alertmanager compiles ^(?:re)$', () => {
    expect(new Matcher('=~', 'a', 'a.b').matches('a\nb')).toBe(false);
    expect(new Matcher('=~', 'a', '(?s)a.b').matches('a\nb')).toBe(true);
  });

  it('rejects lookarounds and backreferences with Go\'s message', () => {
    expect(() => new Matcher('=~', 'a', '(?=x)')).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    expect(() => parseMatcher('a=~"(x)\\\\1"')).toThrow('invalid escape sequence: `\\1`');
  });

  it('sorts by name, value, then type and prints route-key style', () => {
    const ms = sortMatchers([new Matcher('=~', 'b', 'x'), new Matcher('!=', 'a', 'z'), new Matcher('=', 'b', 'x')]);
    expect(formatMatchers(ms)).toBe('{a!="z",b="x",b=~"x"}');
  });
});
