import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { SeriesSet } from '../tsdb/index.js';
import { SelectSlabPool, SLAB_BYTES } from '../tsdb/shared-memory/index.js';
import { decodeSeriesColumns, encodeSeriesColumns, SeriesColumnsReader } from './series-columns-wire.js';

/** A copy of the answer as a client receives it (a test may then change its bytes). */
const received = (b: Buffer): Uint8Array => new Uint8Array(b);

const plain = (set: SeriesSet) =>
  set.series.map((s) => ({ labels: s.labels, t: Array.from(s.timestamps), v: Array.from(s.values), stale: s.stale && Array.from(s.stale) }));

describe('series columns wire encoding', () => {
  it('round-trips timestamps, special float values and staleness markers exactly, and says what the store loaded', () => {
    const set: SeriesSet = {
      series: [
        { labels: { __name__: 'a', x: 'é' }, timestamps: [1, 2, 3, 2 ** 52], values: Float64Array.of(0.1, Infinity, -Infinity, -0), stale: null },
        { labels: { __name__: 'b' }, timestamps: Float64Array.of(10, 20), values: [Number.NaN, 5e-324], stale: [1, 0] },
        { labels: { __name__: 'c' }, timestamps: [], values: [], stale: null },
      ],
      warnings: ['shard 3 unreachable'],
    };
    const back = decodeSeriesColumns(received(encodeSeriesColumns(set, false, 6)), undefined);
    expect(back.warnings).toEqual(['shard 3 unreachable']);
    expect(back.loaded).toBe(6);
    expect(plain(back)).toEqual([
      { labels: { __name__: 'a', x: 'é' }, t: [1, 2, 3, 2 ** 52], v: [0.1, Infinity, -Infinity, -0], stale: null },
      { labels: { __name__: 'b' }, t: [10, 20], v: [Number.NaN, 5e-324], stale: [1, 0] },
      { labels: { __name__: 'c' }, t: [], v: [], stale: null },
    ]);
    expect(Object.is(back.series[0].values[3], -0)).toBe(true);
  });

  it('leaves the values out for a reader of timestamps only, except beside histograms', () => {
    const h = new FloatHistogram({ schema: 0, count: 2, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [2] });
    const floats: SeriesSet = { series: [{ labels: { __name__: 'a' }, timestamps: [1, 2], values: [5, 6], stale: null }], warnings: [] };
    const withValues = encodeSeriesColumns(floats, false);
    const without = encodeSeriesColumns(floats, true);
    const columnBytes = (b: Buffer) => b.length - ((8 + b.readUInt32LE(4) + 7) & ~7);
    expect(columnBytes(withValues)).toBe(32);
    expect(columnBytes(without)).toBe(16);
    const back = decodeSeriesColumns(received(without), undefined).series[0];
    expect(Array.from(back.timestamps)).toEqual([1, 2]);
    expect(back.values).toBe(back.timestamps);

    const mixed: SeriesSet = {
      series: [
        { labels: { __name__: 'a' }, timestamps: [1, 2], values: [5, 6], stale: null },
        { labels: { __name__: 'h' }, timestamps: [1, 2], values: [7, 0], stale: null, histograms: [null, h] },
      ],
      warnings: [],
    };
    const [a, hs] = decodeSeriesColumns(received(encodeSeriesColumns(mixed, true)), undefined).series;
    expect(a.values).toBe(a.timestamps);
    expect(hs.values[0]).toBe(7);
    expect(hs.histograms![0]).toBeNull();
    expect(hs.histograms![1]!.equals(h)).toBe(true);
  });

  it('round-trips start timestamps beside the samples of the series that have them', () => {
    const set: SeriesSet = {
      series: [
        { labels: { __name__: 'c' }, timestamps: [1000, 2000], values: [1, 2], stale: null, startTimestamps: [0, 1500] },
        { labels: { __name__: 'd' }, timestamps: [1000], values: [1], stale: null },
      ],
      warnings: [],
    };
    const [c, d] = decodeSeriesColumns(received(encodeSeriesColumns(set, false)), undefined).series;
    expect(Array.from(c.startTimestamps!)).toEqual([0, 1500]);
    expect(Array.from(c.values)).toEqual([1, 2]);
    expect(d.startTimestamps).toBeUndefined();
  });

  it("puts the columns in shared memory, the query's pooled slabs first", () => {
    const pool = new SelectSlabPool(4 * 2 ** 20);
    const lease = pool.lease();
    const set: SeriesSet = { series: [{ labels: { __name__: 'a' }, timestamps: [1, 2, 3], values: [4, 5, 6], stale: null }], warnings: [] };
    const s = decodeSeriesColumns(received(encodeSeriesColumns(set, false)), lease).series[0];
    expect(s.timestamps).toBeInstanceOf(Float64Array);
    expect((s.timestamps as Float64Array).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect((s.values as Float64Array).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(pool.stats.freeBytes).toBe(0);
    expect(Array.from(s.values)).toEqual([4, 5, 6]);
    lease.release();
    expect(pool.stats.freeBytes).toBe(2 * SLAB_BYTES);
    // Without values, one slab: the timestamps' alone.
    const timestampsOnly = pool.lease();
    const t = decodeSeriesColumns(received(encodeSeriesColumns(set, true)), timestampsOnly).series[0];
    expect(t.values).toBe(t.timestamps);
    expect(pool.stats.freeBytes).toBe(SLAB_BYTES);
    timestampsOnly.release();
  });

  it('reads an answer arriving in pieces of any size as it reads it whole', () => {
    const set: SeriesSet = {
      series: [
        { labels: { __name__: 'a' }, timestamps: [1, 2, 3], values: [4, 5, 6], stale: [0, 1, 0], startTimestamps: [0, 1, 1] },
        { labels: { __name__: 'b' }, timestamps: [], values: [], stale: null },
        { labels: { __name__: 'c' }, timestamps: [7], values: [Number.NaN], stale: null },
      ],
      warnings: ['w'],
    };
    const bytes = encodeSeriesColumns(set, false, 4);
    const whole = decodeSeriesColumns(received(bytes), undefined);
    for (const size of [1, 3, 8, 13, bytes.length]) {
      const reader = new SeriesColumnsReader(undefined);
      for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
      const back = reader.finish();
      expect(plain(back)).toEqual(plain(whole));
      expect(Array.from(back.series[0].startTimestamps!)).toEqual([0, 1, 1]);
      expect(back.loaded).toBe(4);
      expect(back.warnings).toEqual(['w']);
    }
  });

  it('refuses a malformed answer, saying what is wrong', () => {
    const good = encodeSeriesColumns({ series: [{ labels: { __name__: 'a' }, timestamps: [1], values: [2], stale: null }], warnings: [] }, false);
    expect(() => decodeSeriesColumns(received(Buffer.from('{"status":"success"}')), undefined)).toThrow(/does not start with TMC1/);
    expect(() => decodeSeriesColumns(received(good.subarray(0, good.length - 8)), undefined)).toThrow(/ended in column 1 of the 2/);
    expect(() => decodeSeriesColumns(received(Buffer.concat([good, Buffer.alloc(8)])), undefined)).toThrow(/runs past the 2 columns/);
    expect(() => decodeSeriesColumns(received(good.subarray(0, 6)), undefined)).toThrow(/ended in its preamble/);
    expect(() => decodeSeriesColumns(received(good.subarray(0, 12)), undefined)).toThrow(/ended in its header/);
    const badHeader = received(good);
    badHeader[8] = 0x7b + 1; // the header's opening brace
    expect(() => decodeSeriesColumns(badHeader, undefined)).toThrow(/header is not JSON/);
  });
});
