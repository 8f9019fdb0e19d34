import { describe, expect, it } from 'vitest';
import { compileMatcher, compileMatchers } from './label-match.js';

describe('rule selector matchers', () => {
  it('match RE2 syntax beyond a leading (?i): inline groups, POSIX and Unicode classes', () => {
    expect(compileMatcher({ type: '=~', name: 'group', value: '((?i)PRO).*' })('production')).toBe(true);
    expect(compileMatcher({ type: '!~', name: 'route', value: '(?i).*tail.*' })('/api/Tail')).toBe(false);
    expect(compileMatcher({ type: '=~', name: 'x', value: '[[:^digit:]]+' })('a1')).toBe(false);
    expect(compileMatcher({ type: '=~', name: 'x', value: '\\pL+' })('héllo')).toBe(true);
  });

  it('anchor fully and let `.` match a newline and a whole astral character, as Prometheus', () => {
    expect(compileMatcher({ type: '=~', name: 'x', value: 'a.b' })('a\nb')).toBe(true);
    expect(compileMatcher({ type: '=~', name: 'x', value: 'a.b' })('a😀b')).toBe(true);
    expect(compileMatcher({ type: '=~', name: 'x', value: 'b' })('abc')).toBe(false);
  });

  it('treat a missing label as the empty string', () => {
    const p = compileMatchers([{ type: '=~', name: 'x', value: 'a|' }, { type: '=', name: '__name__', value: 'm' }]);
    expect(p({ __name__: 'm' })).toBe(true);
    expect(p({ __name__: 'm', x: 'b' })).toBe(false);
  });

  it('reject an invalid regex with Go\'s message', () => {
    expect(() => compileMatcher({ type: '=~', name: 'x', value: '(?=a)' })).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
  });
});
