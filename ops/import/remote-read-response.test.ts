import { describe, expect, it } from 'vitest';
import { encodeWriteRequest, pbLabels } from '../../connectors/remote-write/testdata/prompb.js';
import { ReadResponseType } from '../../pipeline/query/index.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { decodeReadResponse } from './remote-read-response.js';
import { timeChunks, vmJsonLine } from './remote-read-source.js';

describe('decodeReadResponse', () => {
  it('reads the series of every query result, negative timestamps and non-finite values included', () => {
    const bytes = ReadResponseType.encode({
      results: [
        { timeseries: [{ labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], samples: [{ value: 1, timestamp: 1000 }, { value: Infinity, timestamp: -5 }] }] },
        { timeseries: [{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: 0.5, timestamp: 2 ** 45 }] }] },
      ],
    }).finish();
    expect(decodeReadResponse(Buffer.from(bytes))).toEqual([
      { labels: { __name__: 'up', job: 'a' }, timestamps: [1000, -5], values: [1, Infinity] },
      { labels: { __name__: 'x' }, timestamps: [2 ** 45], values: [0.5] },
    ]);
  });

  it('leaves staleness markers out and keeps an ordinary NaN', () => {
    const bytes = Buffer.from(ReadResponseType.encode({ results: [{ timeseries: [{ labels: [{ name: '__name__', value: 'g' }], samples: [{ value: 7, timestamp: 1 }, { value: 1, timestamp: 2 }, { value: NaN, timestamp: 3 }] }] }] }).finish());
    // The second sample's double becomes Prometheus' staleness NaN (0x7ff0000000000002).
    const at = bytes.indexOf(Buffer.from([0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]));
    bytes.writeUInt32LE(2, at + 1);
    bytes.writeUInt32LE(0x7ff00000, at + 5);
    const [s] = decodeReadResponse(bytes);
    expect(s.timestamps).toEqual([1, 3]);
    expect(s.values[0]).toBe(7);
    expect(s.values[1]).toBeNaN();
  });

  it('names the byte where a truncated answer ends', () => {
    const bytes = Buffer.from(ReadResponseType.encode({ results: [{ timeseries: [{ labels: [{ name: 'a', value: 'b' }] }] }] }).finish());
    expect(() => decodeReadResponse(bytes.subarray(0, bytes.length - 2))).toThrow(/remote read response: .*byte \d+/);
  });
});

describe('timeChunks', () => {
  it('cuts [from, to] into chunks aligned to from, the last one ending at to', () => {
    expect(timeChunks(0, 25, 10)).toEqual([
      { start: 0, end: 9 },
      { start: 10, end: 19 },
      { start: 20, end: 25 },
    ]);
    expect(timeChunks(5, 5, 10)).toEqual([{ start: 5, end: 5 }]);
  });
});

describe('vmJsonLine', () => {
  it('writes a series as VictoriaMetrics exports it, non-finite values unquoted', () => {
    expect(vmJsonLine({ labels: { __name__: 'a', q: '"x"' }, timestamps: [1, 2, 3], values: [1.5, NaN, -Infinity] })).toBe(
      '{"metric":{"__name__":"a","q":"\\"x\\""},"values":[1.5,NaN,-Inf],"timestamps":[1,2,3]}',
    );
  });
});

describe('decodeReadResponse with native histograms', () => {
  it('reads the histograms of a SAMPLES answer, integer and float counts, with float counts', () => {
    // A QueryResult is a WriteRequest's bytes: both are `repeated TimeSeries timeseries = 1`.
    const result = encodeWriteRequest({
      timeseries: [{
        labels: pbLabels({ __name__: 'rpc_seconds' }),
        histograms: [
          { countInt: 6, sum: 4.5, schema: 0, zeroThreshold: 0.001, zeroCountInt: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [2, 1], timestamp: 1000 },
          { countFloat: 2.5, sum: 1, schema: -53, customValues: [0.5, 1], positiveSpans: [{ offset: 1, length: 1 }], positiveCounts: [2.5], timestamp: 2000 },
        ],
      }],
    });
    const bytes = Buffer.concat([Buffer.from([0x0a]), Buffer.from(varint(result.length)), result]);
    const [s] = decodeReadResponse(bytes);
    expect(s!.timestamps).toEqual([]);
    expect(s!.histograms?.timestamps).toEqual([1000, 2000]);
    expect(s!.histograms!.histograms.map((h) => h.toString())).toEqual([
      new FloatHistogram({ schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 6, sum: 4.5, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [2, 3] }).toString(),
      new FloatHistogram({ schema: -53, customValues: [0.5, 1], count: 2.5, sum: 1, positiveSpans: [{ offset: 1, length: 1 }], positiveBuckets: [2.5] }).toString(),
    ]);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
