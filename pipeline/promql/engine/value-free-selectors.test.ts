import { describe, expect, it } from 'vitest';
import type { VectorSelector } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { walk } from '../parser/walk.js';
import { valueFreeSelectors } from './value-free-selectors.js';

/** The metric names of the selectors `valueFreeSelectors` picks in `q`. */
function picked(q: string): string[] {
  const e = parseExpr(q);
  const free = valueFreeSelectors(e);
  const names: string[] = [];
  walk(e, (x) => {
    if (x.type === 'vector_selector' && free.has(x as VectorSelector)) names.push((x as VectorSelector).name ?? '');
  });
  return names;
}

describe('valueFreeSelectors', () => {
  it('picks the selectors that count, group, count_over_time and present_over_time read', () => {
    expect(picked('count by (job) ({job=~"n.*|a.*"})')).toEqual(['']);
    expect(picked('group((up))')).toEqual(['up']);
    expect(picked('count_over_time(up[5m]) + present_over_time(x[1m])')).toEqual(['up', 'x']);
    expect(picked('sum(rate(a[5m])) / count(b)')).toEqual(['b']);
  });

  it('leaves every selector whose values an operator reads', () => {
    expect(picked('sum(up)')).toEqual([]);
    expect(picked('count(up > 0)')).toEqual([]);
    expect(picked('count(rate(x[5m]))')).toEqual([]);
    expect(picked('count_values("v", up)')).toEqual([]);
    expect(picked('up + count(up)')).toEqual(['up']);
  });
});
