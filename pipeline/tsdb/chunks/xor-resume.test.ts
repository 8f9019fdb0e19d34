import { describe, expect, it } from 'vitest';
import { SampleBuffer } from './sample-buffer.js';
import { STALE_HI, STALE_LO, joinFloat } from './float-bits.js';
import { XorAppender } from './xor-chunk.js';
import { decodeXorFrom, decodeXorInto } from './xor-decode.js';
import { RESUME_EVERY, RESUME_SIZE } from './xor-resume.js';

const STALE_NAN = joinFloat(STALE_HI, STALE_LO);

/**
 * 120 samples that take every path of the encoding: regular and irregular intervals (each
 * delta-of-delta bucket, the 64-bit one included), repeated values, values whose XOR windows
 * widen and narrow, staleness markers, and a run of equal values before any window is written.
 */
function varied(): { ts: number[]; vs: number[]; stale: number[] } {
  const ts: number[] = [];
  const vs: number[] = [];
  const stale: number[] = [];
  let t = 1_700_000_000_000;
  const jumps = [0, 1, -3, 5_000, -7_000, 60_000, -60_000, 500_000, 3e9];
  for (let i = 0; i < 120; i++) {
    t += 15_000 + (i % 11 === 0 ? jumps[(i / 11) % jumps.length] : 0) + (i > 60 ? 1_000 : 0);
    ts.push(t);
    const isStale = i === 45 || i === 97;
    stale.push(isStale ? 1 : 0);
    vs.push(isStale ? STALE_NAN : i < 40 ? 7 : i % 3 === 0 ? i * 1.5 : i % 5 === 0 ? -1e300 / i : Math.sqrt(i) * 1e6);
  }
  return { ts, vs, stale };
}

function appended(ts: number[], vs: number[], stale: number[], count = ts.length): XorAppender {
  const a = new XorAppender(16);
  a.appendRun(ts, vs, 0, count, stale);
  return a;
}

function read(from: (buf: SampleBuffer) => void): { t: number[]; v: number[]; s: number[] } {
  const buf = new SampleBuffer(0);
  from(buf);
  return { t: Array.from(buf.t.subarray(0, buf.length)), v: Array.from(buf.v.subarray(0, buf.length)), s: Array.from(buf.s.subarray(0, buf.length)) };
}

describe('XOR resume points', () => {
  it('give, read from, the samples a whole read gives from any range start past them', () => {
    const { ts, vs, stale } = varied();
    // Every length of the open chunk: points appear as it grows.
    for (const count of [33, 64, 65, 100, 120]) {
      const a = appended(ts, vs, stale, count);
      const bytes = a.view();
      let resumed = 0;
      for (let k = 0; k < count; k++) {
        for (const mint of [ts[k], ts[k] - 1, ts[k] + 1]) {
          const at = a.resumePointBefore(mint);
          const whole = read((buf) => buf.pushChunk(bytes, mint, Infinity));
          if (at < 0) continue;
          resumed++;
          const points = a.resumePoints!;
          // No sample at or after mint precedes the point.
          expect(ts[points[at] - 1]).toBeLessThan(mint);
          expect(read((buf) => buf.pushChunkFrom(bytes, points, at, mint, Infinity))).toEqual(whole);
        }
      }
      // Past the first point most starts resume: the test reads from points, not only whole chunks.
      expect(resumed).toBeGreaterThan(3 * (count - RESUME_EVERY - 1) - 3);
    }
  });

  it('read through a sample buffer the same samples from a head appender\'s array as from a decode thread\'s Float64Array of the points', () => {
    const { ts, vs, stale } = varied();
    const a = appended(ts, vs, stale);
    const points = a.resumePoints!;
    // A decode thread's copy sits at some offset of a larger Float64Array, as decode jobs pass it.
    const copy = new Float64Array(points.length + RESUME_SIZE).fill(-1);
    copy.set(points, RESUME_SIZE);
    for (const k of [40, 70, 110]) {
      const at = a.resumePointBefore(ts[k]);
      expect(at).toBeGreaterThanOrEqual(0);
      const fromArray = read((buf) => buf.pushChunkFrom(a.view(), points, at, ts[k], Infinity));
      expect(fromArray.t).toEqual(ts.slice(k));
      // Decoded from that very point: room for the samples from it on is room enough.
      const buf = new SampleBuffer(0);
      const room = new Float64Array(120 - points[at]);
      buf.attach(room, new Float64Array(room.length));
      buf.pushChunkFrom(a.view(), points, at, ts[k], Infinity);
      expect(buf.t).toBe(room);
      expect(read((buf) => buf.pushChunkFrom(a.view(), copy, at + RESUME_SIZE, ts[k], Infinity))).toEqual(fromArray);
    }
  });

  it('read from the last point the newest samples only, into room for them only', () => {
    const { ts, vs, stale } = varied();
    const a = appended(ts, vs, stale);
    const points = a.resumePoints!;
    const at = a.resumePointBefore(ts[110]);
    expect(points[at]).toBe(3 * RESUME_EVERY);
    const buf = new SampleBuffer(0);
    const room = new Float64Array(120 - points[at]);
    buf.attach(room, new Float64Array(room.length));
    decodeXorFrom(a.view(), Float64Array.from(points), at, buf, ts[110], Infinity);
    // Written where the caller sized it: no column was grown.
    expect(buf.t).toBe(room);
    expect(Array.from(buf.t.subarray(0, buf.length))).toEqual(ts.slice(110));
  });

  it('are not kept for a chunk begun after a reset until it has samples enough', () => {
    const { ts, vs, stale } = varied();
    const a = appended(ts, vs, stale);
    expect(a.resumePointBefore(Infinity)).toBeGreaterThanOrEqual(0);
    a.reset();
    a.appendRun(ts, vs, 0, RESUME_EVERY, stale);
    expect(a.resumePointBefore(Infinity)).toBe(-1);
    a.appendRun(ts, vs, RESUME_EVERY, RESUME_EVERY + 1, stale);
    expect(a.resumePointBefore(Infinity)).toBe(0);
    expect(a.resumePoints![0]).toBe(RESUME_EVERY);
    expect(a.resumePoints!.length % RESUME_SIZE).toBe(0);
  });

  it('leave a whole read of the chunk as it was', () => {
    const { ts, vs, stale } = varied();
    const a = appended(ts, vs, stale);
    const buf = new SampleBuffer(0);
    buf.reserve(120);
    decodeXorInto(a.view(), buf, -Infinity, Infinity);
    expect(Array.from(buf.t.subarray(0, buf.length))).toEqual(ts);
    expect(Array.from(buf.s.subarray(0, buf.length))).toEqual(stale);
  });
});
