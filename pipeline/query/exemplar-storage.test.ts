import { describe, expect, it } from 'vitest';
import { CircularExemplarStorage } from './exemplar-storage.js';

const a = { __name__: 'req_bucket', le: '1' };
const b = { __name__: 'req_bucket', le: '+Inf' };
const ex = (series: Record<string, string>, t: number, trace = `t${t}`) => ({ series, labels: { trace_id: trace }, value: t / 10, timestampMs: t });
const all = [[{ type: '=' as const, name: '__name__', value: 'req_bucket' }]];

describe('circular exemplar storage', () => {
  it('keeps the newest max exemplars over all series, each series oldest first', () => {
    const s = new CircularExemplarStorage(3);
    expect(s.add([ex(a, 1), ex(b, 2), ex(a, 3), ex(b, 4)])).toBe(4);
    expect(s.select(0, 100, all)).toEqual([
      { seriesLabels: a, exemplars: [{ labels: { trace_id: 't3' }, value: 0.3, timestampMs: 3 }] },
      { seriesLabels: b, exemplars: [{ labels: { trace_id: 't2' }, value: 0.2, timestampMs: 2 }, { labels: { trace_id: 't4' }, value: 0.4, timestampMs: 4 }] },
    ]);
    expect(s.add([ex(b, 5), ex(b, 6)])).toBe(2);
    expect(s.select(0, 100, all).map((r) => [r.seriesLabels.le, r.exemplars.map((e) => e.timestampMs)])).toEqual([['+Inf', [4, 5, 6]]]);
  });

  it('skips a repeat of a series\' newest exemplar and one older than it, as Prometheus does', () => {
    const s = new CircularExemplarStorage(10);
    expect(s.add([ex(a, 5), ex(a, 5), ex(a, 4), ex(a, 5, 'other')])).toBe(2);
    expect(s.select(0, 100, all)[0].exemplars.map((e) => e.labels.trace_id)).toEqual(['t5', 'other']);
  });

  it('selects by any of the selectors and by time range', () => {
    const s = new CircularExemplarStorage(10);
    s.add([ex(a, 1), ex(a, 2), ex(b, 3)]);
    expect(s.select(2, 3, [[{ type: '=', name: 'le', value: '1' }]])).toEqual([{ seriesLabels: a, exemplars: [{ labels: { trace_id: 't2' }, value: 0.2, timestampMs: 2 }] }]);
    expect(s.select(0, 100, [[{ type: '=~', name: 'le', value: 'x|1' }], [{ type: '!=', name: 'le', value: '1' }]])).toHaveLength(2);
    expect(s.select(4, 100, all)).toEqual([]);
  });

  it('keeps nothing with room for none', () => {
    const s = new CircularExemplarStorage(0);
    expect(s.add([ex(a, 1)])).toBe(0);
    expect(s.select(0, 100, all)).toEqual([]);
  });
});
