import { describe, expect, it } from 'vitest';
import { ShardChangeLog } from './change-log.js';

const sel = (name: string, start: number, end: number, type: '=' | '=~' = '=') => ({ matchers: [{ type, name: '__name__', value: name }], start, end });

describe('ShardChangeLog', () => {
  it('tells a change only for records since the offset that touched a selected name within the selected time', () => {
    const log = new ShardChangeLog(10, 1000);
    log.record(10, 100, 200, new Set(['a']));
    log.record(11, 500, 600, new Set(['b']));
    expect(log.changedSince(10, sel('a', 150, 160))).toBe(true);
    expect(log.changedSince(11, sel('a', 150, 160))).toBe(false); // the record of `a` came before
    expect(log.changedSince(10, sel('a', 300, 400))).toBe(false); // outside its time range
    expect(log.changedSince(10, sel('b', 550, 550))).toBe(true);
    expect(log.changedSince(10, sel('a|b', 590, 700, '=~'))).toBe(true);
    expect(log.changedSince(12, sel('b', 0, 1000))).toBe(false);
  });

  it('counts a record that touched any name (a deletion without a name, retention) against every selection', () => {
    const log = new ShardChangeLog(0, 1000);
    log.record(3, 0, 50, null);
    expect(log.changedSince(0, sel('whatever', 40, 60))).toBe(true);
    expect(log.changedSince(0, sel('whatever', 51, 60))).toBe(false);
  });

  it('answers "changed" for offsets older than what it still keeps once its name bound evicted records', () => {
    const log = new ShardChangeLog(0, 3);
    log.record(0, 0, 10, new Set(['a', 'b']));
    log.record(1, 0, 10, new Set(['c', 'd']));
    expect(log.describedFrom).toBe(1);
    expect(log.changedSince(0, sel('zzz', 0, 10))).toBe(true);
    expect(log.changedSince(1, sel('zzz', 0, 10))).toBe(false);
  });
});
