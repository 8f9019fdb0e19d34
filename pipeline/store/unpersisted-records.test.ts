import { describe, expect, it } from 'vitest';
import type { MaybeColumnar } from '../../schemas/float-columns.js';
import type { SampleBatch } from '../../schemas/sample.js';
import { UnpersistedRecords } from './unpersisted-records.js';

const H = 3600_000;
const at = (...ts: number[]): SampleBatch => ({ series: [{ labels: { __name__: 'up' }, timestamps: ts, values: ts.map(() => 1), stale: [] }] });

describe('unpersisted records', () => {
  it('name the first record with a sample newer than what blocks hold as the durable offset', () => {
    const u = new UnpersistedRecords(2 * H);
    u.note(10, at(0, H));
    u.note(11, at(H + 1000));
    u.note(12, at(2 * H + 5));
    u.note(13, at(3 * H));
    expect(u.durableOffset(Number.NEGATIVE_INFINITY, 14)).toBe(10);
    // Blocks hold [0, 2h): records 10 and 11 are persisted, 12 is not.
    expect(u.durableOffset(2 * H, 14)).toBe(12);
    expect(u.durableOffset(4 * H, 14)).toBe(14);
  });

  it('read a record of float columns by its newest sample, whichever series holds it, without building its series', () => {
    const u = new UnpersistedRecords(2 * H);
    const columnar = (...ts: number[]): SampleBatch & MaybeColumnar => ({
      floatColumns: { labels: [{ __name__: 'a' }, { __name__: 'b' }], offsets: [0, ts.length - 1, ts.length], timestamps: ts, values: ts.map(() => 1) },
      get series(): SampleBatch['series'] {
        throw new Error('the series of a columnar record were built');
      },
    });
    u.note(10, columnar(2 * H + 5, 0));
    u.note(11, columnar(0, 4 * H));
    expect(u.durableOffset(2 * H, 12)).toBe(10);
    expect(u.durableOffset(4 * H, 12)).toBe(11);
    expect(u.durableOffset(6 * H, 12)).toBe(12);
  });

  it('keep a record of older samples, arriving after newer ones were persisted, until blocks hold it', () => {
    const u = new UnpersistedRecords(2 * H);
    u.note(0, at(3 * H));
    expect(u.durableOffset(4 * H, 1)).toBe(1);
    // An out-of-order sample older than the blocks lowers what they cover.
    u.note(1, at(H));
    expect(u.durableOffset(H, 2)).toBe(1);
    expect(u.durableOffset(2 * H, 2)).toBe(2);
  });

  it('pass over records without samples', () => {
    const u = new UnpersistedRecords(2 * H);
    u.note(0, { series: [] });
    u.note(1, at(5));
    expect(u.durableOffset(Number.NEGATIVE_INFINITY, 2)).toBe(1);
    expect(u.size).toBe(1);
  });

  it('keep one entry per block range while samples arrive in time order', () => {
    const u = new UnpersistedRecords(2 * H);
    for (let i = 0; i < 1000; i++) u.note(i, at(i * 15_000));
    // 1000 scrapes 15 s apart span a little over two block ranges.
    expect(u.size).toBe(3);
  });
});
