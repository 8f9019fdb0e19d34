import { describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/index.js';
import { compileRule } from './compiled-rule.js';
import { aggregatesConfigSchema } from './config.js';
import { RuleMatchIndex } from './rule-match-index.js';

const rules = aggregatesConfigSchema.parse([
  { match: 'cpu_seconds_total', interval: '1m', outputs: ['total'] },
  { match: '{__name__=~"mem_.+"}', interval: '1m', outputs: ['max'] },
  { match: '{job="node"}', interval: '5m', outputs: ['count_series'] },
  { match: ['{team!="core", zone=~".+"}', 'disk_bytes'], interval: '1m', outputs: ['last'] },
]).map((r, i) => compileRule(r, i));

describe('rule match index', () => {
  it('gives the rules each series matches, as their predicates do, for series met again and anew', () => {
    const index = new RuleMatchIndex(rules);
    const series: Labels[] = [
      { __name__: 'cpu_seconds_total', job: 'node', cpu: '0', team: 'core' },
      { __name__: 'cpu_seconds_total', job: 'node', cpu: '1', team: 'core' },
      { __name__: 'cpu_seconds_total', job: 'api', team: 'core' },
      { __name__: 'mem_free', job: 'node' },
      { __name__: 'mem_free', job: '' },
      { __name__: 'disk_bytes', team: 'core' },
      { __name__: 'other', team: 'core' },
      { __name__: 'other', team: 'web', zone: 'z1' },
      { __name__: 'other', zone: 'z1' },
      { job: 'node' },
    ];
    for (const pass of [1, 2]) {
      for (const s of series) expect(index.matching(s), `${JSON.stringify(s)}, pass ${pass}`).toEqual(rules.flatMap((r, i) => (r.matches(s) ? [i] : [])));
    }
    expect(index.matching(series[0]!)).toEqual([0, 2]);
    expect(index.matching(series[6]!)).toEqual([]);
  });

  it('reads a missing label as the empty string, as matchers do', () => {
    const index = new RuleMatchIndex(rules);
    expect(index.matching({ __name__: 'mem_free', team: '', zone: 'z' })).toEqual([1, 3]);
    expect(index.matching({ __name__: 'mem_free', zone: 'z' })).toEqual([1, 3]);
    expect(index.matching({ __name__: 'mem_free', zone: '' })).toEqual([1]);
    expect(index.matching({ __name__: 'mem_free' })).toEqual([1]);
  });

  it('lists the label names each rule reads', () => {
    expect(rules.map((r) => r.matchLabels)).toEqual([['__name__'], ['__name__'], ['job'], ['team', 'zone', '__name__']]);
  });
});
