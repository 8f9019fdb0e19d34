import { describe, expect, it } from 'vitest';
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
