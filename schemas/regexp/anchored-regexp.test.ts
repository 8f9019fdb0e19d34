import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileAnchoredRegexp, compileSelectorRegexp } from './anchored-regexp.js';
import { RegexpSyntaxError } from './regexp-syntax-error.js';

// Expressions of the shapes the fast paths read, and some they must leave to the engine.
const atom = fc.constantFrom('a', 'b', 'ab', 'k', 's', 'K', 'é', '\\.', '.', '-', '😀');
const literal = fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join(''));
const any = fc.constantFrom('.*', '.+');
const alternation = fc.array(literal, { minLength: 1, maxLength: 3 }).map((a) => a.join('|'));
const piece = fc.oneof(literal, any, alternation.map((a) => `(${a})`), alternation.map((a) => `(?:${a})`), literal.map((l) => `((?i)${l})`));
const expression = fc.tuple(
  fc.constantFrom('', '(?i)'),
  fc.array(fc.array(piece, { maxLength: 3 }).map((p) => p.join('')), { minLength: 1, maxLength: 3 }),
).map(([flag, seqs]) => flag + seqs.join('|'));
const captured = fc.oneof(expression, expression.map((e) => `(${e})`), fc.tuple(piece, piece).map(([a, b]) => `(${a})-(?P<n>${b})?`));
const value = fc.array(fc.constantFrom('a', 'b', 'A', 'B', 'k', 'K', '\u212a', 's', '\u017f', 'é', '.', '-', '\n', '😀'), { maxLength: 7 }).map((a) => a.join(''));

describe('anchored RE2 regexps', () => {
  it('answer every value as the RE2 engine does, with or without a fast path', () => {
    fc.assert(
      fc.property(expression, fc.array(value, { minLength: 1, maxLength: 20 }), (re, values) => {
        const selector = compileSelectorRegexp(re);
        const alertmanager = compileAnchoredRegexp(re, { dotMatchesNewline: false });
        const withNL = RE2JS.compile(`^(?s:${re})$`);
        const withoutNL = RE2JS.compile(`^(?:${re})$`);
        for (const v of values) {
          expect(selector.test(v), `${re} on ${JSON.stringify(v)}`).toBe(withNL.testExact(v));
          expect(alertmanager.test(v), `${re} on ${JSON.stringify(v)} without (?s)`).toBe(withoutNL.testExact(v));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('capture the groups Go captures, with or without a fast path', () => {
    fc.assert(
      fc.property(captured, fc.array(value, { minLength: 1, maxLength: 20 }), (re, values) => {
        const ours = compileAnchoredRegexp(re, { dotMatchesNewline: true });
        const engine = RE2JS.compile(`^(?s:${re})$`);
        for (const v of values) {
          const m = engine.matcher(v);
          const want = m.find() ? Array.from({ length: engine.groupCount() + 1 }, (_, g) => m.group(g) ?? undefined) : null;
          expect(ours.exec(v)?.values ?? null, `${re} on ${JSON.stringify(v)}`).toEqual(want);
        }
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['foo'], ['foo|bar|baz'], ['(?i)foo'], ['(?i)foo|bar'], ['.*'], ['.+'], ['foo.*'], ['.*foo'], ['.*foo.*'], ['.+foo.+'],
    ['foo.*bar'], ['n.*|a.*'], ['((?i)PRO).*'], ['(?i).*tail.*'], ['api-(eu|us)'], ['(foo|bar).*'], [''], ['a|'],
  ])('answers %s without the engine', (re) => {
    expect(compileSelectorRegexp(re).optimized).toBe(true);
  });

  it('lists the values of a literal alternation, which an index can look up', () => {
    expect(compileSelectorRegexp('foo|bar|').setMatches).toEqual(['foo', 'bar', '']);
    expect(compileSelectorRegexp('api-(eu|us)').setMatches).toEqual(['api-eu', 'api-us']);
    expect(compileSelectorRegexp('x\\.y').setMatches).toEqual(['x.y']);
    expect(compileSelectorRegexp('(?i)foo|bar').setMatches).toBeUndefined();
    expect(compileSelectorRegexp('foo.*|bar').setMatches).toBeUndefined();
    const many = Array.from({ length: 1000 }, (_, i) => `v${i}`);
    expect(compileSelectorRegexp(many.join('|')).setMatches).toEqual(many);
  });

  it.each([['a+'], ['[ab]'], ['\\d'], ['(?s)foo'], ['(a.*|b)c'], ['.*a.*b.*'], ['fo{2}']])('leaves %s to the engine', (re) => {
    expect(compileSelectorRegexp(re).optimized).toBe(false);
  });

  it('lets the dot match a newline in selectors and relabel regexes, not in Alertmanager matchers', () => {
    expect(compileSelectorRegexp('a.*').test('a\nb')).toBe(true);
    expect(compileAnchoredRegexp('a.*', { dotMatchesNewline: true }).test('a\nb')).toBe(true);
    expect(compileAnchoredRegexp('a.*', { dotMatchesNewline: false }).test('a\nb')).toBe(false);
  });

  it('parses a selector regex on its own but wraps a relabel regex first, as Prometheus does', () => {
    expect(() => compileSelectorRegexp('a)|(b')).toThrow(RegexpSyntaxError);
    // `^(?s:a)|(b)$`: Go searches it, so any value starting with a or ending with b matches.
    const early = compileAnchoredRegexp('a)|(b', { dotMatchesNewline: true });
    expect([early.test('ax'), early.test('xb'), early.test('xa')]).toEqual([true, true, false]);
    expect(early.exec('xb')!.values).toEqual(['b', 'b']);
    expect(compileAnchoredRegexp('a)(b', { dotMatchesNewline: true }).test('ab')).toBe(true);
  });

  it('reports the expression as written, with Go\'s message', () => {
    const err = (() => {
      try {
        compileSelectorRegexp('x(?=y)');
      } catch (e) {
        return e as RegexpSyntaxError;
      }
      throw new Error('compiled');
    })();
    expect(err).toBeInstanceOf(RegexpSyntaxError);
    expect(err.message).toBe('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    expect(err.pattern).toBe('x(?=y)');
  });

  it('accepts a capture name used twice, as Go does, knowing every group it names', () => {
    const m = compileAnchoredRegexp('(?P<n>a)-(x)?(?P<n>b)\\Q(?P<n>\\E[(?P<n>]*', { dotMatchesNewline: true }).exec('a-b(?P<n>')!;
    expect(m.values).toEqual(['a-b(?P<n>', 'a', undefined, 'b']);
    expect(m.names).toEqual({ n: [1, 3] });
  });

  it('gives the groups of a whole-value match, ungreedy under (?U)', () => {
    const m = compileAnchoredRegexp('(?P<host>[^:]+):(\\d+)?(x)?', { dotMatchesNewline: true }).exec('db-1:')!;
    expect(m.values).toEqual(['db-1:', 'db-1', undefined, undefined]);
    expect(m.names).toEqual({ host: [1] });
    expect(compileAnchoredRegexp('(?U)(a+)(a*)', { dotMatchesNewline: true }).exec('aaa')!.values).toEqual(['aaa', 'a', 'aa']);
    expect(compileAnchoredRegexp('a', { dotMatchesNewline: true }).exec('ab')).toBeNull();
  });
});
