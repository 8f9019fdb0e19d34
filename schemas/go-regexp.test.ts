import { describe, expect, it } from 'vitest';
import { compileAnchored, expandTemplate } from './go-regexp.js';

describe('Go regular expressions', () => {
  it('anchors fully and lets the dot match newlines', () => {
    expect(compileAnchored('a.c').test('a\nc')).toBe(true);
    expect(compileAnchored('b').test('abc')).toBe(false);
  });

  it('supports inline case-insensitive groups that Node lacks', () => {
    expect(compileAnchored('(?i:PRO).*').test('production')).toBe(true);
    expect(compileAnchored('.*((?i)DUC).*').test('proDuction')).toBe(true);
    expect(compileAnchored('(?i:pro)X').test('PROx')).toBe(false);
  });

  it('expands $1, ${1} and named groups as Go does', () => {
    const m = compileAnchored('(?P<a>x)(y)').exec('xy')!;
    expect(expandTemplate('$1-${2}-$a-$$-$1x', m)).toBe('x-y-x-$-');
  });
});
