import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { FloatHistogram, Histogram } from '../../schemas/native-histogram/index.js';
import { WriteRequestDecodeError } from './errors.js';
import { readHistogramMessage } from './histogram-message-reader.js';
import { HISTOGRAM_FIELDS, HISTOGRAM_ONEOFS, type PbHistogram } from './testdata/prompb.js';

const HistogramType = protobuf.Root.fromJSON({
  nested: {
    BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
    Histogram: { oneofs: HISTOGRAM_ONEOFS, fields: HISTOGRAM_FIELDS },
  },
}).lookupType('Histogram');

const encode = (h: PbHistogram): Buffer => Buffer.from(HistogramType.encode(HistogramType.fromObject(h)).finish());
const read = (b: Buffer) => readHistogramMessage(b, 0, b.length);

describe('remote write Histogram message reader', () => {
  it('reads every field of an integer histogram, with a negative schema, offset and timestamp', () => {
    const got = read(encode({
      countInt: 6, sum: -2.5, schema: -2, zeroThreshold: 0.5, zeroCountInt: 1, resetHint: 3, timestamp: -1500,
      negativeSpans: [{ offset: -1, length: 2 }], negativeDeltas: [2, -1],
      positiveSpans: [{ offset: 3, length: 1 }], positiveDeltas: [2],
    }));
    expect(got.invalid).toBeUndefined();
    expect(got.timestampMs).toBe(-1500);
    expect(got.histogram).toEqual(new Histogram({
      counterResetHint: 'gauge', schema: -2, zeroThreshold: 0.5, zeroCount: 1, count: 6, sum: -2.5,
      negativeSpans: [{ offset: -1, length: 2 }], negativeBuckets: [2, -1],
      positiveSpans: [{ offset: 3, length: 1 }], positiveBuckets: [2],
    }));
  });

  it('makes a float histogram of float counts, with custom bounds', () => {
    const got = read(encode({ countFloat: 1.5, zeroCountFloat: 0, sum: 3, schema: -53, timestamp: 7, positiveSpans: [{ offset: 0, length: 2 }], positiveCounts: [0.5, 1], customValues: [1, 2], resetHint: 1 }));
    expect(got.histogram).toBeInstanceOf(FloatHistogram);
    expect(got.histogram).toEqual(new FloatHistogram({ counterResetHint: 'reset', schema: -53, count: 1.5, sum: 3, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [0.5, 1], customValues: [1, 2] }));
  });

  it('reads repeated numbers sent unpacked as well as packed', () => {
    // count_int 2 (field 1), positive span {0, 2} (field 11), deltas 1 then 0 (field 12, sint64, one by one)
    const unpacked = Buffer.from([0x08, 0x02, 0x5a, 0x02, 0x10, 0x02, 0x60, 0x02, 0x60, 0x00]);
    expect(read(unpacked).histogram).toEqual(new Histogram({ count: 2, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 0] }));
    expect(read(unpacked).invalid).toBeUndefined();
  });

  it('reports what Prometheus\' validation says of a count that does not match the buckets', () => {
    const got = read(encode({ countInt: 4, sum: 1, timestamp: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveDeltas: [1] }));
    expect(got.invalid).toBe("1 observations found in buckets, but the Count field is 4: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)");
  });

  it('reduces a histogram of schema 9 to 52 to schema 8, as Prometheus 3 receives it, and refuses schemas beyond', () => {
    // Schema 10 buckets 1..4 lie in bucket 1 of schema 8 (bucket 4 at its edge), bucket 5 in bucket 2.
    const got = read(encode({ countInt: 5, sum: 5, schema: 10, timestamp: 1, positiveSpans: [{ offset: 1, length: 5 }], positiveDeltas: [1, 0, 0, 0, 0] }));
    expect(got.invalid).toBeUndefined();
    expect(got.histogram).toEqual(new Histogram({ schema: 8, count: 5, sum: 5, positiveSpans: [{ offset: 1, length: 2 }], positiveBuckets: [4, -3] }));
    const floats = read(encode({ countFloat: 2, sum: 2, schema: 52, timestamp: 1, positiveSpans: [{ offset: 7, length: 2 }], positiveCounts: [1, 1] }));
    expect(floats.invalid).toBeUndefined();
    expect(floats.histogram.schema).toBe(8);
    expect(floats.histogram.positiveBuckets).toEqual([2]);
    expect(read(encode({ countInt: 1, sum: 1, schema: 53, timestamp: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveDeltas: [1] })).invalid).toMatch(/schema/);
    expect(read(encode({ countInt: 1, sum: 1, schema: -5, timestamp: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveDeltas: [1] })).invalid).toMatch(/schema/);
  });

  it('throws a decode error with the byte offset on a truncated message', () => {
    const b = encode({ countInt: 1, sum: 1, timestamp: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveDeltas: [1] });
    expect(() => readHistogramMessage(b, 0, b.length - 3)).toThrow(WriteRequestDecodeError);
  });
});
