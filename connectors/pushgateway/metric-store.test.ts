import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../schemas/exposition/index.js';
import { InconsistentPushError } from './errors.js';
import { LabelRules } from './label-rules.js';
import { MetricStore } from './metric-store.js';
import { gatherFamilies, writePushgatewayText } from './pushgateway-exposition.js';
import { convertPush } from './pushed-family.js';

function push(store: MetricStore, grouping: Record<string, string>, text: string, replace = true, nowMs = 1000) {
  const c = convertPush(parseExposition(text), grouping);
  return store.push({ grouping, families: c.families, replace, hasTimestamps: c.hasTimestamps, nowMs });
}

describe('MetricStore', () => {
  it('replaces the whole group on PUT and only the pushed families on POST', () => {
    const s = new MetricStore();
    push(s, { job: 'j' }, 'a 1\nb 2\n');
    push(s, { job: 'j' }, 'b 3\n', false);
    expect([...(s.get({ job: 'j' })?.families.keys() ?? [])]).toEqual(['a', 'b']);
    push(s, { job: 'j' }, 'b 4\n', true);
    expect([...(s.get({ job: 'j' })?.families.keys() ?? [])]).toEqual(['b']);
  });

  it('rejects a type clash across groups and records the failure time on the pushed group', () => {
    const s = new MetricStore();
    push(s, { job: 'a' }, '# TYPE m counter\nm 1\n');
    expect(() => push(s, { job: 'b' }, '# TYPE m gauge\nm 1\n', true, 5000)).toThrow(InconsistentPushError);
    const b = s.get({ job: 'b' });
    expect(b?.lastFailureMs).toBe(5000);
    expect(b?.lastPushMs).toBe(0);
    expect(b?.families.size).toBe(0);
  });

  it('accepts the clash when the consistency check is off', () => {
    const s = new MetricStore(false);
    push(s, { job: 'a' }, '# TYPE m counter\nm 1\n');
    expect(() => push(s, { job: 'b' }, '# TYPE m gauge\nm 1\n')).not.toThrow();
  });

  it('rejects pushed timestamps even without the consistency check', () => {
    const s = new MetricStore(false);
    expect(() => push(s, { job: 'a' }, 'm 1 1000\n')).toThrow('pushed metrics must not have timestamps');
  });

  it('exposes groups sorted as client_golang does: by label count, then by label values', () => {
    const s = new MetricStore();
    push(s, { job: 'z' }, 'm 1\n');
    push(s, { job: 'a', x: '1' }, 'm 2\n');
    push(s, { job: 'b' }, 'm 3\n');
    const text = writePushgatewayText(gatherFamilies(s.all()));
    expect(text.split('\n').filter((l) => l.startsWith('m{'))).toEqual([
      'm{instance="",job="b"} 3',
      'm{instance="",job="z"} 1',
      'm{instance="",job="a",x="1"} 2',
    ]);
  });
});

describe('LabelRules', () => {
  it('drops and rewrites labels per target, never removing job from a grouping key', () => {
    const r = new LabelRules([
      { action: 'replace', label: 'job', regex: '(.+)-[0-9a-f]{32}', replacement: '$1', apply_to: ['grouping_key'] },
      { action: 'replace', label: 'job', regex: 'x', replacement: '', apply_to: ['grouping_key'] },
      { action: 'drop', labels: ['tm_id'], apply_to: ['series'] },
    ]);
    expect(r.groupingKey({ job: `flink-${'ab'.repeat(16)}`, tm_id: 't' })).toEqual({ job: 'flink', tm_id: 't' });
    expect(r.groupingKey({ job: 'x' })).toEqual({ job: 'x' });
    expect(r.series({ __name__: 'm', tm_id: 't', job: 'j' })).toEqual({ __name__: 'm', job: 'j' });
  });

  it('matches RE2 and expands named groups as relabel configs do', () => {
    const r = new LabelRules([
      { action: 'replace', label: 'job', regex: '(?i)(?P<name>[[:alpha:]]+)-\\d+', replacement: '${name}', apply_to: ['series'] },
    ]);
    expect(r.series({ job: 'Flink-42' })).toEqual({ job: 'Flink' });
    expect(r.series({ job: 'flink-x' })).toEqual({ job: 'flink-x' });
  });
});
