import { describe, expect, it } from 'vitest';
import { GoRegexp } from './go-regexp.js';
import { RegexpSyntaxError } from './regexp-syntax-error.js';
import { expandTemplate } from './submatches.js';

describe('Go regexp, unanchored', () => {
  it('matches anywhere in the text, as MatchString', () => {
    expect(GoRegexp.compile('b').test('abc')).toBe(true);
    expect(GoRegexp.compile('^b').test('abc')).toBe(false);
    expect(GoRegexp.compile('(?i)ERROR').test('an error here')).toBe(true);
    expect(GoRegexp.compile('a.c').test('a\nc')).toBe(false);
  });

  it('replaces all matches with $1, ${name}, $name and $$ expanded, as ReplaceAllString', () => {
    const re = GoRegexp.compile('(?P<user>\\w+)@(\\w+)');
    expect(re.replaceAll('me@host, you@there', '${2}:$user/$1x/$$')).toBe('host:me//$, there:you//$');
  });

  it('skips an empty match right after a match and moves on by a whole character, as Go does', () => {
    expect(GoRegexp.compile('a*').replaceAll('baaac', 'X')).toBe('XbXcX');
    expect(GoRegexp.compile('').replaceAll('😀b', '-')).toBe('-😀-b-');
    expect(GoRegexp.compile('x*').replaceAll('', 'Y')).toBe('Y');
  });

  it('expands a name used twice to the group of that name that matched, as Go', () => {
    expect(GoRegexp.compile('(?P<n>a)|(?P<n>b)').replaceAll('ab', '[$n]')).toBe('[a][b]');
  });

  it('rejects what Go rejects, with its message', () => {
    expect(() => GoRegexp.compile('(?=x)')).toThrow(RegexpSyntaxError);
    expect(() => GoRegexp.compile('(?=x)')).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
  });
});

describe('Go template expansion', () => {
  const m = { values: ['ab', 'a', undefined, 'b'], names: { first: [1], last: [3], twice: [2, 3] } };

  it.each([
    ['$1-${3}', 'a-b'],
    ['${first}${last}', 'ab'],
    ['$1x', ''], // names the group "1x"
    ['${1}x', 'ax'],
    ['$2|$9|$nope', '||'], // unmatched, out of range, unknown
    ['$$1', '$1'],
    ['cost: $', 'cost: $'], // a malformed $ stays
    ['${1', '${1'],
    ['$01', ''], // leading zero: a name, not a number
    ['$0', 'ab'],
    ['${twice}', 'b'], // the first group of that name that matched, as Go
  ])('expands %s to %s', (template, want) => {
    expect(expandTemplate(template, m)).toBe(want);
  });
});
