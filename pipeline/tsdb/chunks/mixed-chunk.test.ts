import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { CorruptionError } from '../errors.js';
import { decodeMixedInto, encodeMixed } from './mixed-chunk.js';
import { ENCODING_STARTS } from './start-timestamp-chunk.js';
import { SampleBuffer } from './sample-buffer.js';

const h1 = new FloatHistogram({
  counterResetHint: 'gauge', schema: 1, zeroThreshold: 0.001, zeroCount: 2, count: 10.5, sum: -3.25,
  positiveSpans: [{ offset: -2, length: 2 }, { offset: 3, length: 1 }], positiveBuckets: [1, 2.5, 3],
  negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [2],
});
const nhcb = new FloatHistogram({ schema: -53, count: 3, sum: 4, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 2], customValues: [0.5, 1] });

function decode(bytes: Uint8Array, mint = -Infinity, maxt = Infinity) {
  const out: { t: number; v?: number; stale?: boolean; h?: FloatHistogram; st?: number }[] = [];
  decodeMixedInto(bytes, { pushFloat: (t, v, stale) => out.push({ t, v, stale }), pushHistogram: (t, h) => out.push({ t, h }), pushStartTimestamp: (t, st) => out.push({ t, st }) }, mint, maxt);
  return out;
}

describe('mixed chunk encoding', () => {
  it('gives back floats, staleness markers and histograms (every field) in time order', () => {
    const bytes = encodeMixed([-5, 10, 20, 30], [1.5, 0, 0, NaN], [0, 0, 1, 0], [null, h1, null, nhcb]);
    const got = decode(bytes);
    expect(got.map((s) => s.t)).toEqual([-5, 10, 20, 30]);
    expect(got[0]).toEqual({ t: -5, v: 1.5, stale: false });
    expect(got[2].stale).toBe(true);
    expect(got[1].h!.equals(h1)).toBe(true);
    expect(got[1].h!.counterResetHint).toBe('gauge');
    expect(got[3].h!.equals(nhcb)).toBe(true);
    expect(got[3].h!.customValues).toEqual([0.5, 1]);
  });

  it('keeps only the samples inside the asked range', () => {
    const bytes = encodeMixed([0, 10, 20, 30], [1, 0, 3, 0], null, [null, h1, null, h1]);
    expect(decode(bytes, 10, 20).map((s) => s.t)).toEqual([10, 20]);
  });

  it('gives back each start timestamp before its sample, only for the samples that have one', () => {
    const bytes = encodeMixed([1000, 2000, 3000], [1, 2, 3], null, null, 0, 3, [400, 0, 3001]);
    expect(decode(bytes)).toEqual([
      { t: 1000, st: 400 }, { t: 1000, v: 1, stale: false },
      { t: 2000, v: 2, stale: false },
      { t: 3000, st: 3001 }, { t: 3000, v: 3, stale: false },
    ]);
    expect(decode(bytes, 2000, 3000).filter((s) => s.st !== undefined)).toEqual([{ t: 3000, st: 3001 }]);
  });

  it('reports a truncated chunk as corruption instead of inventing samples', () => {
    const bytes = encodeMixed([0, 10], [0, 0], null, [h1, h1]);
    expect(() => decode(bytes.subarray(0, bytes.length - 3))).toThrow(CorruptionError);
  });
});

describe('SampleBuffer with histograms', () => {
  it('hands out floats and histograms merged in time order with a histograms column', () => {
    const buf = new SampleBuffer();
    buf.push(10, 1, false);
    buf.pushHistogram(20, h1);
    buf.push(30, 3, false);
    buf.pushHistogram(5, nhcb);
    const c = buf.columns();
    expect(Array.from(c.timestamps)).toEqual([5, 10, 20, 30]);
    expect(c.histograms!.map((h) => h !== null)).toEqual([true, false, true, false]);
    expect(c.values[1]).toBe(1);
    expect(c.values[3]).toBe(3);
  });

  it('keeps the first histogram pushed at a timestamp, and a histogram over a float there', () => {
    const buf = new SampleBuffer();
    buf.pushHistogram(10, h1);
    buf.pushHistogram(10, nhcb);
    buf.push(10, 7, false);
    const c = buf.columns();
    expect(Array.from(c.timestamps)).toEqual([10]);
    expect(c.histograms![0]).toBe(h1);
  });

  it('hands out float-only columns without a histograms column', () => {
    const buf = new SampleBuffer();
    buf.push(1, 1, false);
    expect(buf.columns().histograms).toBeUndefined();
  });

  it('encodes a series with histograms into mixed chunks that decode to the same samples', () => {
    const buf = new SampleBuffer();
    for (let i = 0; i < 10; i++) {
      if (i % 3 === 0) buf.pushHistogram(i * 1000, h1);
      else buf.push(i * 1000, i, false);
    }
    const chunks = buf.encodeBestChunks(4);
    expect(chunks.map((c) => [c.minT, c.maxT])).toEqual([[0, 3000], [4000, 7000], [8000, 9000]]);
    const back = new SampleBuffer();
    for (const c of chunks) back.pushEncoded(c.encoding, c.bytes, -Infinity, Infinity);
    const cols = back.columns();
    expect(Array.from(cols.timestamps)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    expect(cols.histograms!.map((h) => (h === null ? 'f' : 'h')).join('')).toBe('hffhffhffh');
    expect(cols.values[4]).toBe(4);
  });
});

describe('SampleBuffer with start timestamps', () => {
  it('hands out a start timestamp column aligned with the samples, 0 where a sample has none', () => {
    const buf = new SampleBuffer();
    buf.push(30, 3, false);
    buf.push(10, 1, false);
    buf.pushHistogram(20, h1);
    buf.pushStartTimestamp(30, 25);
    buf.pushStartTimestamp(20, 5);
    const c = buf.columns();
    expect(Array.from(c.timestamps)).toEqual([10, 20, 30]);
    expect(Array.from(c.startTimestamps!)).toEqual([0, 5, 25]);
  });

  it('encodes histograms with start timestamps into mixed chunks that keep both', () => {
    const buf = new SampleBuffer();
    buf.pushHistogram(1000, h1);
    buf.push(2000, 2, false);
    buf.pushStartTimestamp(1000, 10);
    const back = new SampleBuffer();
    for (const c of buf.encodeBestChunks()) back.pushEncoded(c.encoding, c.bytes, -Infinity, Infinity);
    const cols = back.columns();
    expect(cols.histograms!.map((h) => h !== null)).toEqual([true, false]);
    expect(Array.from(cols.startTimestamps!)).toEqual([10, 0]);
  });

  it('hands out no start timestamp column when no sample has one', () => {
    const buf = new SampleBuffer();
    buf.push(1, 1, false);
    buf.pushStartTimestamp(2, 1); // no sample at 2
    expect(buf.columns().startTimestamps).toBeUndefined();
  });

  it('encodes float samples with start timestamps into chunks with start timestamps that decode to the same columns', () => {
    const buf = new SampleBuffer();
    for (let i = 0; i < 6; i++) {
      buf.push(i * 1000, i, i === 4);
      if (i % 2 === 1) buf.pushStartTimestamp(i * 1000, i * 1000 - 1);
    }
    const chunks = buf.encodeBestChunks(4);
    expect(chunks.map((c) => c.encoding)).toEqual([ENCODING_STARTS, ENCODING_STARTS]);
    const back = new SampleBuffer();
    for (const c of chunks) back.pushEncoded(c.encoding, c.bytes, -Infinity, Infinity);
    const cols = back.columns();
    expect(Array.from(cols.values).filter((_, i) => i !== 4)).toEqual([0, 1, 2, 3, 5]);
    expect(Array.from(cols.stale!)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(Array.from(cols.startTimestamps!)).toEqual([0, 999, 0, 2999, 0, 4999]);
    expect(cols.histograms).toBeUndefined();
  });
});
