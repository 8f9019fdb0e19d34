import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { SampleBuffer } from './sample-buffer.js';
import { decodeWithStartsInto, encodeWithStarts } from './start-timestamp-chunk.js';

const T = 1_700_000_000_000;

function roundTrip(ts: number[], vs: number[], sts: number[], stale: number[] | null = null, mint = -Infinity, maxt = Infinity) {
  const bytes = encodeWithStarts(ts, vs, stale, sts);
  const buf = new SampleBuffer();
  decodeWithStartsInto(bytes, buf, mint, maxt);
  const c = buf.columns();
  return { bytes, t: Array.from(c.timestamps), v: Array.from(c.values), st: c.startTimestamps === undefined ? null : Array.from(c.startTimestamps), stale: c.stale === null ? null : Array.from(c.stale) };
}

describe('float chunks with start timestamps', () => {
  it('gives back the samples with the start timestamps of cumulative, delta and unknown-start runs', () => {
    const ts = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => T + i * 15_000);
    const sts = [0, 0, T - 5, T - 5, T - 5, ts[4], ts[5], ts[6]];
    const got = roundTrip(ts, [1, 2, 3, 4, 5, 6, 7, 8], sts);
    expect(got.t).toEqual(ts);
    expect(got.v).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(got.st).toEqual(sts);
  });

  it('keeps staleness markers and start timestamps after their samples, and only the asked range', () => {
    const ts = [T, T + 1000, T + 2000];
    const got = roundTrip(ts, [1, Number.NaN, 3], [T - 1, 0, T + 2001], [0, 1, 0], T + 500, T + 2000);
    expect(got.t).toEqual([T + 1000, T + 2000]);
    expect(got.stale).toEqual([1, 0]);
    expect(got.st).toEqual([0, T + 2001]);
  });

  it('costs a few bytes more than the samples alone for a counter whose start does not change', () => {
    const n = 2000;
    const ts = Array.from({ length: n }, (_, i) => T + i * 15_000);
    const vs = ts.map((_, i) => i * 3);
    const sts = ts.map(() => T - 86_400_000);
    const deltas = ts.map((t) => t - 15_000);
    const plain = roundTrip(ts, vs, ts.map(() => 0)).bytes.length;
    expect(roundTrip(ts, vs, sts).bytes.length).toBeLessThan(plain + 16);
    expect(roundTrip(ts, vs, deltas).bytes.length).toBeLessThan(plain + 16);
  });

  it('reports a run past the samples as corruption instead of inventing start timestamps', () => {
    const bytes = encodeWithStarts([T, T + 1], [1, 2], null, [T - 1, T - 1]);
    const bad = bytes.slice();
    bad[bad.length - 7] = 9; // the kind byte of the only run (before its 6-byte varint): no such kind
    expect(() => decodeWithStartsInto(bad, new SampleBuffer(), -Infinity, Infinity)).toThrow(CorruptionError);
  });
});
