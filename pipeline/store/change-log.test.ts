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

  it('names the oldest selected time a change since the offset touched, the range start when a record began before it', () => {
    const log = new ShardChangeLog(5, 1000);
    log.record(5, 100, 200, new Set(['a']));
    log.record(6, 400, 450, new Set(['a', 'b']));
    log.record(7, 300, 320, new Set(['b']));
    log.record(8, 250, 260, new Set(['c']));
    expect(log.earliestChange(5, sel('a', 0, 1000))).toBe(100);
    expect(log.earliestChange(6, sel('a', 0, 1000))).toBe(400);
    expect(log.earliestChange(6, sel('b', 0, 1000))).toBe(300); // the later record is the older in time
    expect(log.earliestChange(5, sel('a', 150, 1000))).toBe(150); // clipped to the selection
    expect(log.earliestChange(7, sel('a', 0, 1000))).toBe(Infinity);
    expect(log.earliestChange(4, sel('a', 0, 1000))).toBe(-Infinity); // before what the log describes
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

  it('keeps answering exactly across thousands of records that share name sets and outgrow its columns', () => {
    const log = new ShardChangeLog(0, 1_000_000);
    for (let i = 0; i < 5000; i++) log.record(i, i * 10, i * 10 + 5, new Set(i % 2 === 0 ? ['even', 'all'] : ['odd', 'all']));
    expect(log.size).toBe(5000);
    expect(log.changedSince(4999, sel('odd', 0, 1e9))).toBe(true);
    expect(log.changedSince(4999, sel('even', 0, 1e9))).toBe(false);
    expect(log.changedSince(2500, sel('even', 49_990, 1e9))).toBe(false); // only odd records that late
    expect(log.changedSince(2500, sel('even', 49_980, 49_985))).toBe(true); // record 4998
    expect(log.changedSince(0, sel('all', 5, 5))).toBe(true);
    expect(log.changedSince(0, sel('none', 0, 1e9))).toBe(false);
  });

  it('tells name sets apart whatever characters the names hold', () => {
    const log = new ShardChangeLog(0, 1000);
    log.record(0, 0, 10, new Set(['a\nb']));
    log.record(1, 0, 10, new Set(['a', 'b']));
    expect(log.changedSince(1, sel('a\nb', 0, 10))).toBe(false);
    expect(log.changedSince(0, sel('a\nb', 0, 10))).toBe(true);
    expect(log.changedSince(1, sel('b', 0, 10))).toBe(true);
  });

  it('forgets the oldest records under its name bound while it keeps many', () => {
    const log = new ShardChangeLog(0, 3000);
    for (let i = 0; i < 5000; i++) log.record(i, 0, 10, new Set(['x']));
    expect(log.size).toBe(3000);
    expect(log.describedFrom).toBe(2000);
    expect(log.changedSince(1999, sel('x', 0, 10))).toBe(true);
    expect(log.changedSince(5000, sel('x', 0, 10))).toBe(false);
  });
});
