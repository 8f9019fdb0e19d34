import { describe, expect, it } from 'vitest';
import { RecentRecords, recentBytesPerPartition } from './recent-records.js';

const produced = (values: string[]) => values.map((v) => ({ partition: 0, value: Buffer.from(v) }));

describe('RecentRecords', () => {
  it('hands over kept records from an offset on, at least one, stopping once the byte budget of the read is reached', () => {
    const recent = new RecentRecords('t', 3, 1 << 20);
    recent.add(10, produced(['aaaa', 'bbbb', 'cccc']), [1, 2, 3]);
    expect(recent.from(11, 1 << 20)?.map((r) => [r.offset, r.value.toString(), r.timestampMs, r.partition, r.topic])).toEqual([
      [11, 'bbbb', 2, 3, 't'],
      [12, 'cccc', 3, 3, 't'],
    ]);
    expect(recent.from(10, 5)?.map((r) => r.offset)).toEqual([10, 11]);
    expect(recent.from(10, 1)?.map((r) => r.offset)).toEqual([10]);
  });

  it('knows nothing of offsets before what it keeps or past its end', () => {
    const recent = new RecentRecords('t', 0, 1 << 20);
    expect(recent.from(0, 100)).toBeUndefined();
    recent.add(10, produced(['a', 'b']), [1, 2]);
    expect(recent.from(9, 100)).toBeUndefined();
    expect(recent.from(12, 100)).toBeUndefined();
  });

  it('drops its oldest records past its byte budget', () => {
    const recent = new RecentRecords('t', 0, 10);
    recent.add(0, produced(['12345', '12345']), [1, 1]);
    recent.add(2, produced(['12345']), [1]);
    expect(recent.from(0, 100)).toBeUndefined();
    expect(recent.from(1, 100)?.map((r) => r.offset)).toEqual([1, 2]);
  });

  it('starts over when records do not follow the last kept one', () => {
    const recent = new RecentRecords('t', 0, 1 << 20);
    recent.add(0, produced(['a', 'b']), [1, 1]);
    recent.add(5, produced(['f']), [1]);
    expect(recent.from(1, 100)).toBeUndefined();
    expect(recent.from(5, 100)?.map((r) => r.value.toString())).toEqual(['f']);
  });

  it('hands readers the produced buffers themselves, without copying them', () => {
    const recent = new RecentRecords('t', 0, 1 << 20);
    const value = Buffer.from('original');
    const key = Buffer.from('key');
    const header = Buffer.from('h');
    recent.add(0, [{ partition: 0, value, key, headers: { kind: header } }], [7]);
    const [r] = recent.from(0, 100)!;
    expect(r.value).toBe(value);
    expect(r.key).toBe(key);
    expect(r.headers.kind).toBe(header);
    expect(r.timestampMs).toBe(7);
  });

  it('lets records go once every reader passed them, keeping those a reader behind has yet to take', () => {
    const recent = new RecentRecords('t', 0, 1 << 20);
    recent.add(0, produced(['a', 'b', 'c']), [1, 1, 1]);
    recent.passed('rules', 1);
    recent.passed('store', 3);
    expect(recent.from(1, 100)?.map((r) => r.offset)).toEqual([1, 2]);
    expect(recent.from(0, 100)).toBeUndefined();
    recent.passed('rules', 3);
    expect(recent.from(2, 100)).toBeUndefined();
    recent.add(3, produced(['d']), [1]); // still contiguous after everything was let go
    expect(recent.from(3, 100)?.map((r) => r.value.toString())).toEqual(['d']);
  });

  it('keeps what a reader going back rereads from the files, and no longer waits for a forgotten reader', () => {
    const recent = new RecentRecords('t', 0, 1 << 20);
    recent.add(0, produced(['a', 'b', 'c']), [1, 1, 1]);
    recent.passed('store', 2);
    recent.passed('store', 0); // a redelivery: what was let go stays gone
    expect(recent.from(2, 100)?.map((r) => r.offset)).toEqual([2]);
    recent.add(3, produced(['d']), [1]);
    recent.passed('rules', 3);
    recent.forget('store');
    recent.passed('rules', 3);
    expect(recent.from(3, 100)?.map((r) => r.offset)).toEqual([3]);
    expect(recent.from(2, 100)).toBeUndefined();
  });

  it('keeps nothing with a budget of 0', () => {
    const recent = new RecentRecords('t', 0, 0);
    recent.add(0, produced(['a']), [1]);
    expect(recent.from(0, 100)).toBeUndefined();
  });

  it('shares 64 MiB among a topic\'s partitions, between 16 KiB and 4 MiB each', () => {
    expect(recentBytesPerPartition(8)).toBe(4 << 20);
    expect(recentBytesPerPartition(64)).toBe(1 << 20);
    expect(recentBytesPerPartition(4096)).toBe(16 << 10);
  });
});
