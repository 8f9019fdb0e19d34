import { describe, expect, it } from 'vitest';
import { relabelConfigSchema, type RelabelConfigInput } from './relabel-config.js';
import { compileRelabelRules, relabel } from './relabel.js';

function run(labels: Record<string, string>, ...cfgs: RelabelConfigInput[]) {
  return relabel(labels, compileRelabelRules(cfgs.map((c) => relabelConfigSchema.parse(c))));
}

describe('relabel (Prometheus relabel_config semantics)', () => {
  it('replaces with the default regex (.*) and replacement $1, joining sources with ";"', () => {
    expect(run({ a: 'x', b: 'y' }, { source_labels: ['a', 'b'], target_label: 'c' })).toEqual({ a: 'x', b: 'y', c: 'x;y' });
  });
  it('anchors the regex at both ends', () => {
    expect(run({ a: 'foobar' }, { source_labels: ['a'], regex: 'foo', target_label: 'b', replacement: 'hit' })).toEqual({ a: 'foobar' });
    expect(run({ a: 'foo' }, { source_labels: ['a'], regex: 'foo', target_label: 'b', replacement: 'hit' })).toEqual({ a: 'foo', b: 'hit' });
  });
  it('expands named groups and ${1} in target label and replacement', () => {
    expect(run({ a: 'k=v' }, { source_labels: ['a'], regex: '(?P<key>\\w+)=(\\w+)', target_label: '${key}_x', replacement: '${2}z' })).toEqual({ a: 'k=v', k_x: 'vz' });
  });
  it('deletes the target label when the replacement expands to empty', () => {
    expect(run({ a: '', b: 'old' }, { source_labels: ['a'], target_label: 'b' })).toEqual({ a: '' });
  });
  it('leaves the labels alone when the target label expands to an invalid name', () => {
    expect(run({ a: '1x' }, { source_labels: ['a'], regex: '(.*)', target_label: '$1', replacement: 'v' })).toEqual({ a: '1x' });
  });
  it('keeps and drops by regex', () => {
    expect(run({ a: 'x' }, { source_labels: ['a'], regex: 'x|y', action: 'keep' })).toEqual({ a: 'x' });
    expect(run({ a: 'z' }, { source_labels: ['a'], regex: 'x|y', action: 'keep' })).toBeUndefined();
    expect(run({ a: 'x' }, { source_labels: ['a'], regex: 'x', action: 'drop' })).toBeUndefined();
    expect(run({ a: 'x' }, { source_labels: ['a'], regex: 'y', action: 'DROP' })).toEqual({ a: 'x' });
  });
  it('keepequal/dropequal compare the joined sources with the target label', () => {
    expect(run({ a: '1', b: '1' }, { source_labels: ['a'], target_label: 'b', action: 'keepequal' })).toEqual({ a: '1', b: '1' });
    expect(run({ a: '1', b: '2' }, { source_labels: ['a'], target_label: 'b', action: 'keepequal' })).toBeUndefined();
    expect(run({ a: '1', b: '1' }, { source_labels: ['a'], target_label: 'b', action: 'dropequal' })).toBeUndefined();
  });
  it('hashmod gives the values of Prometheus relabel_test.go ("baz" -> 976, "foo\\nbar" -> 734 mod 1000)', () => {
    expect(run({ c: 'baz' }, { source_labels: ['c'], target_label: 'd', modulus: 1000, action: 'hashmod' })).toEqual({ c: 'baz', d: '976' });
    expect(run({ a: 'foo\nbar' }, { source_labels: ['a'], target_label: 'b', modulus: 1000, action: 'hashmod' })).toEqual({ a: 'foo\nbar', b: '734' });
  });
  it('labelmap copies matching label names through the replacement', () => {
    expect(run({ __meta_x_team: 'a', __meta_x_env: 'p', y: '1' }, { regex: '__meta_x_(.+)', action: 'labelmap' })).toEqual({
      __meta_x_team: 'a', __meta_x_env: 'p', y: '1', team: 'a', env: 'p',
    });
  });
  it('labeldrop and labelkeep act on label names', () => {
    expect(run({ a: '1', b: '2', bb: '3' }, { regex: 'b.*', action: 'labeldrop' })).toEqual({ a: '1' });
    expect(run({ a: '1', b: '2', bb: '3' }, { regex: 'b.*', action: 'labelkeep' })).toEqual({ b: '2', bb: '3' });
  });
  it('lowercase and uppercase write the joined sources', () => {
    expect(run({ a: 'MiXed' }, { source_labels: ['a'], target_label: 'l', action: 'lowercase' })).toEqual({ a: 'MiXed', l: 'mixed' });
    expect(run({ a: 'MiXed' }, { source_labels: ['a'], target_label: 'u', action: 'uppercase' })).toEqual({ a: 'MiXed', u: 'MIXED' });
  });
  it('matches RE2 (Go) syntax and semantics: (?i), POSIX classes, Unicode classes, newlines and astral characters', () => {
    const keep = (value: string, regex: string) => run({ a: value }, { source_labels: ['a'], regex, action: 'keep' }) !== undefined;
    expect(keep('FOO', '(?i)foo')).toBe(true);
    expect(keep('ab', '[[:^digit:]]+')).toBe(true);
    expect(keep('a1', '[[:^digit:]]+')).toBe(false);
    expect(keep('héllo', '\\pL+')).toBe(true);
    expect(keep('a\nb', 'a.b')).toBe(true); // Prometheus compiles ^(?s:re)$
    expect(keep('😀', '.')).toBe(true);
    expect(keep('a.b', '\\Qa.b\\E')).toBe(true);
  });
  it('captures ungreedily under (?U), as Go', () => {
    expect(run({ a: 'aaa' }, { source_labels: ['a'], regex: '(?U)(a+)(a*)', target_label: 'b', replacement: '$1|$2' })).toEqual({ a: 'aaa', b: 'a|aa' });
  });
});

describe('relabel_config validation (Prometheus messages)', () => {
  const err = (c: RelabelConfigInput) => relabelConfigSchema.safeParse(c).error?.issues.map((i) => i.message).join('; ');
  it('rejects an unknown action', () => expect(err({ action: 'explode' })).toContain('unknown relabel action "explode"'));
  it('requires a target label for replace', () => expect(err({ source_labels: ['a'] })).toContain("requires 'target_label' value"));
  it('requires a non-zero modulus for hashmod', () => expect(err({ action: 'hashmod', target_label: 'h' })).toContain('non-zero modulus'));
  it('rejects other fields on labeldrop', () => expect(err({ action: 'labeldrop', regex: 'a', source_labels: ['x'] })).toContain("requires only 'regex'"));
  it('rejects a regex on keepequal', () => expect(err({ action: 'keepequal', target_label: 'a', regex: 'x' })).toContain('no other fields'));
  it('rejects a replacement on lowercase', () => expect(err({ action: 'lowercase', target_label: 'a', replacement: 'x' })).toContain("'replacement' can not be set"));
  it('rejects an invalid regex with Go\'s message for the anchored expression', () => {
    expect(err({ source_labels: ['a'], target_label: 'b', regex: '(' })).toBe('error parsing regexp: missing closing ): `^(?s:()$`');
    expect(err({ source_labels: ['a'], target_label: 'b', regex: 'x(?=y)' })).toBe('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    expect(err({ source_labels: ['a'], target_label: 'b', regex: '(a)\\1' })).toBe('error parsing regexp: invalid escape sequence: `\\1`');
  });
});
