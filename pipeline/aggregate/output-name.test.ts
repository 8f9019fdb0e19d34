import { describe, expect, it } from 'vitest';
import { canonicalLabels, type Labels } from '../../schemas/index.js';
import { compileGrouping, outputNameInfix } from './output-name.js';

describe('aggregation output grouping', () => {
  const s1 = { __name__: 'x', job: 'j', instance: 'a', mode: 'idle' };
  const s2 = { __name__: 'x', job: 'j', instance: 'b', mode: 'idle' };
  const s3 = { __name__: 'x', job: 'j', instance: 'a', mode: 'user' };

  it('gives an input series and its group\'s labels the same key, with by and with without', () => {
    for (const g of [compileGrouping({ by: ['mode', 'job'] }), compileGrouping({ without: ['instance'] })]) {
      for (const s of [s1, s2, s3]) {
        expect(g.keyOf(g.groupOf(s))).toBe(g.keyOf(s));
        expect(g.keyOfGroup(g.groupOf(s))).toBe(g.keyOf(s));
      }
      expect(g.keyOf(s1)).toBe(g.keyOf(s2));
      expect(g.keyOf(s1)).not.toBe(g.keyOf(s3));
    }
  });

  it('reads a series\' group key off its canonical key as keyOf builds it from its labels', () => {
    const odd = { __name__: 'x', a: '', instance: 'instance', job: 'instance', zone: 'z' };
    const groupings = [
      compileGrouping({ by: ['mode', 'job'] }), compileGrouping({ without: ['instance'] }), compileGrouping({ without: ['instance', 'mode', '__name__'] }),
      compileGrouping({ without: ['absent'] }), compileGrouping({}),
    ];
    for (const g of groupings) for (const s of [s1, s2, s3, odd, { __name__: 'y' }, { instance: 'i' }] as Labels[]) expect(g.keyOfSeries(canonicalLabels(s), s)).toBe(g.keyOf(s));
    const without = compileGrouping({ without: ['instance'] });
    // A value equal to a dropped label's name is kept: only the name's own part is cut.
    expect(without.groupOf(odd)).toEqual({ __name__: 'x', a: '', job: 'instance', zone: 'z' });
    expect(without.keyOfSeries(canonicalLabels(odd), odd)).toBe(canonicalLabels({ __name__: 'x', a: '', job: 'instance', zone: 'z' }));
  });

  it('puts a series without a by label and one with it empty in one group, apart from one that has it', () => {
    const g = compileGrouping({ by: ['team'] });
    expect(g.groupOf({ __name__: 'x', team: '' })).toEqual({ __name__: 'x' });
    expect(g.keyOf({ __name__: 'x', team: '' })).toBe(g.keyOf({ __name__: 'x' }));
    expect(g.keyOf({ __name__: 'x', team: 'core' })).not.toBe(g.keyOf({ __name__: 'x' }));
    expect(g.keyOf({ __name__: 'y' })).not.toBe(g.keyOf({ __name__: 'x' }));
  });

  it('names outputs as vmagent does', () => {
    expect(outputNameInfix('1m', { by: ['mode', '__name__', 'job'] })).toBe(':1m_by_job_mode');
    expect(outputNameInfix('5m', { without: ['instance'] })).toBe(':5m_without_instance');
  });
});
