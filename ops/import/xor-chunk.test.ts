import { describe, expect, it } from 'vitest';
import { XorChunk } from '../../pipeline/tsdb/chunks/xor-chunk.js';
import { ChunkDecodeError, decodeXorChunk } from './xor-chunk.js';

/** Timestamps with every delta-of-delta width (0, 14, 17, 20 and 64 bits) and values with every XOR case. */
function samples(): { ts: number[]; vs: number[]; stale: number[] } {
  const ts: number[] = [];
  const vs: number[] = [];
  const stale: number[] = [];
  const steps = [15_000, 15_000, 15_001, 15_000, 20_000, 100_000, 700_000, 15_000, 2 ** 40, 15_000, 1, 15_000];
  const values = [0, 0, 1.5, -1.5, 1e300, 5e-324, Infinity, -Infinity, NaN, 42, 42, 0.1 + 0.2, 2 ** 53, -0, 123456.789];
  let t = -86_400_000;
  for (let i = 0; i < 120; i++) {
    ts.push(t);
    vs.push(values[i % values.length] * (i % 7 === 6 ? 3 : 1));
    stale.push(i % 11 === 10 ? 1 : 0);
    t += steps[i % steps.length];
  }
  return { ts, vs, stale };
}

describe('decodeXorChunk', () => {
  it('reads the samples the TSDB encoder wrote, leaving staleness markers out', () => {
    const { ts, vs, stale } = samples();
    const chunk = XorChunk.encode(ts, vs, stale);
    const timestamps: number[] = [];
    const values: number[] = [];
    const kept = [...ts.keys()].filter((i) => stale[i] === 0);
    expect(decodeXorChunk(chunk.bytes, timestamps, values)).toBe(kept.length);
    expect(timestamps).toEqual(kept.map((i) => ts[i]));
    // Object.is: -0 and NaN compare as themselves.
    expect(values.map((v, k) => Object.is(v, vs[kept[k]]))).toEqual(kept.map(() => true));
  });

  it('appends to what the arrays hold', () => {
    const chunk = XorChunk.encode([1000, 2000], [1, 2], null);
    const timestamps = [5];
    const values = [9];
    decodeXorChunk(chunk.bytes, timestamps, values);
    expect(timestamps).toEqual([5, 1000, 2000]);
    expect(values).toEqual([9, 1, 2]);
  });

  it('refuses a chunk cut short instead of reading past its end', () => {
    const { ts, vs } = samples();
    const bytes = XorChunk.encode(ts, vs, null).bytes;
    for (const cut of [1, 5, Math.floor(bytes.length / 2), bytes.length - 2]) {
      expect(() => decodeXorChunk(bytes.subarray(0, cut), [], []), `cut at ${cut}`).toThrow(ChunkDecodeError);
    }
  });
});
