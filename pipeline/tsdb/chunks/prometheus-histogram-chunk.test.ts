import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { BitReader, BitWriter } from './bstream.js';
import { decodeHistogramChunk, encodeFloatHistogramChunks, ENCODING_FLOAT_HISTOGRAM, putVarbitInt, putVarbitUint, readVarbitInt, readVarbitUint } from './prometheus-histogram-chunk.js';

function h(fields: ConstructorParameters<typeof FloatHistogram>[0]): FloatHistogram {
  return new FloatHistogram(fields);
}

describe('Prometheus histogram chunks', () => {
  it('writes varbit integers in the bucket widths of chunkenc and reads them back, 64-bit ones included', () => {
    const ints = [0, 1, -1, 4, -3, 5, 32, -31, 33, 256, -255, 2048, -2047, 2049, 131072, -131071, 16777216, 2 ** 40, -(2 ** 40), 1_796_475_480_000, -1_796_475_480_000];
    const w = new BitWriter();
    for (const v of ints) putVarbitInt(w, v);
    for (const v of ints.filter((x) => x >= 0)) putVarbitUint(w, v);
    const r = new BitReader(w.finish());
    expect(ints.map(() => readVarbitInt(r))).toEqual(ints);
    expect(ints.filter((x) => x >= 0).map(() => readVarbitUint(r))).toEqual(ints.filter((x) => x >= 0));
    // The widths chunkenc picks: 4 fits in 3 bits (prefix 10), 5 does not.
    const one = new BitWriter();
    putVarbitInt(one, 4);
    expect(one.bitLength).toBe(5);
    const two = new BitWriter();
    putVarbitInt(two, 5);
    expect(two.bitLength).toBe(9);
  });

  it('round-trips float histograms with their layout, negative and custom buckets, and cuts chunks at 120 samples, resets and layout changes', () => {
    const ts: number[] = [];
    const hs: FloatHistogram[] = [];
    for (let k = 0; k < 130; k++) {
      ts.push(1_796_475_480_000 + k * 15_000 + (k % 3));
      hs.push(h({ schema: 1, zeroThreshold: 2 ** -128, zeroCount: k, count: 6 * k + 1.5, sum: k * 0.1, positiveSpans: [{ offset: -2, length: 2 }, { offset: 3, length: 1 }], positiveBuckets: [k, 2 * k + 0.5, 1], negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [k + 0.25 - 1] }));
    }
    // A counter reset, then a custom-bucket histogram (a new layout), then gauges with an odd zero threshold.
    ts.push(ts[ts.length - 1]! + 15_000);
    hs.push(h({ schema: 1, zeroThreshold: 2 ** -128, count: 1, sum: 1, positiveSpans: [{ offset: -2, length: 2 }, { offset: 3, length: 1 }], positiveBuckets: [1, 0, 0], negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [0] }));
    ts.push(ts[ts.length - 1]! + 15_000);
    hs.push(h({ schema: -53, customValues: [0.25, 1.5, 1e-7], count: 3, sum: 2, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [1, 1, 1] }));
    for (let k = 0; k < 3; k++) {
      ts.push(ts[ts.length - 1]! + 1);
      hs.push(h({ counterResetHint: 'gauge', schema: 0, zeroThreshold: 0.3, zeroCount: 2, count: 2 - k, sum: -k, negativeSpans: [{ offset: 1, length: 1 }], negativeBuckets: [-k] }));
    }
    const chunks = encodeFloatHistogramChunks(ts, hs);
    expect(chunks.map((c) => [(c.bytes[0]! << 8) | c.bytes[1]!, c.bytes[2]! >> 6])).toEqual([[120, 0], [10, 0], [1, 2], [1, 2], [3, 3]]);
    expect(chunks[0]!.minT).toBe(ts[0]);
    expect(chunks[1]!.maxT).toBe(ts[129]);
    const back = { timestamps: [] as number[], histograms: [] as (FloatHistogram | undefined)[] };
    for (const c of chunks) decodeHistogramChunk(ENCODING_FLOAT_HISTOGRAM, c.bytes, back);
    expect(back.timestamps).toEqual(ts);
    back.histograms.forEach((got, i) => {
      const want = hs[i]!;
      expect(got!.toString(), `sample ${i}`).toBe(want.toString());
      expect(got!.customValues).toEqual(want.customValues);
      expect(got!.zeroThreshold).toBe(want.zeroThreshold);
    });
    expect(back.histograms[130]!.counterResetHint).toBe('reset');
    expect(back.histograms[1]!.counterResetHint).toBe('not_reset');
    expect(back.histograms[133]!.counterResetHint).toBe('gauge');
  });

  it('refuses a truncated chunk with an error naming it', () => {
    const [c] = encodeFloatHistogramChunks([1000, 2000], [h({ count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] }), h({ count: 2, sum: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [2] })]);
    expect(() => decodeHistogramChunk(ENCODING_FLOAT_HISTOGRAM, c!.bytes.subarray(0, c!.bytes.length - 12))).toThrow(/histogram chunk: truncated/);
    expect(() => decodeHistogramChunk(1, c!.bytes)).toThrow(/encoding 1 is not a histogram chunk/);
  });
});
