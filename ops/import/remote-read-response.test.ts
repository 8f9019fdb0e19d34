import { describe, expect, it } from 'vitest';
import { encodeWriteRequest, pbLabels } from '../../connectors/remote-write/testdata/prompb.js';
import { ReadResponseType } from '../../pipeline/query/index.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { seriesChunks, seriesFrames } from '../../pipeline/query/chunked-read-response.js';
import { ChunkedReadDecoder, decodeReadResponse, type ReadSeries } from './remote-read-response.js';
import { timeChunks, vmJsonLine } from './remote-read-source.js';

/** A whole streamed answer given to the decoder in one piece. */
function decodeChunkedReadResponse(buf: Buffer, start: number, end: number): ReadSeries[] {
  const decoder = new ChunkedReadDecoder(start, end);
  const out = decoder.push(buf);
  out.push(...decoder.finish());
  return out;
}

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

describe('ChunkedReadDecoder', () => {
  const series = (name: string, n: number, staleAt = -1) => {
    const timestamps = Array.from({ length: n }, (_, i) => 1_000_000 + i * 15_000);
    return {
      labels: [{ name: '__name__', value: name }, { name: 'job', value: 'j' }],
      timestamps,
      values: timestamps.map((_, i) => i * 1.5),
      stale: timestamps.map((_, i) => (i === staleAt ? 1 : 0)),
    };
  };
  const a = series('a', 300, 7);
  const b = series('b', 300);
  const start = 1_000_000 + 10 * 15_000;
  const end = 1_000_000 + 280 * 15_000;
  // b is split over two frames, as Prometheus splits a series of more than a frame's worth of chunks.
  const bChunks = seriesChunks(b, 0, Infinity);
  const answer = Buffer.concat([
    ...seriesFrames(0, a.labels, seriesChunks(a, 0, Infinity)),
    ...seriesFrames(0, b.labels, bChunks.slice(0, 1)),
    ...seriesFrames(0, b.labels, bChunks.slice(1)),
  ]);
  const expected = [
    { labels: { __name__: 'a', job: 'j' }, timestamps: a.timestamps.filter((t, i) => t >= start && t <= end && i !== 7), values: a.values.filter((_, i) => a.timestamps[i] >= start && a.timestamps[i] <= end && i !== 7) },
    { labels: { __name__: 'b', job: 'j' }, timestamps: b.timestamps.filter((t) => t >= start && t <= end), values: b.values.filter((_, i) => b.timestamps[i] >= start && b.timestamps[i] <= end) },
  ];

  it('reads series split over frames as one, keeping to the range and leaving staleness markers out', () => {
    expect(decodeChunkedReadResponse(answer, start, end)).toEqual(expected);
  });

  it('reads the same series whatever pieces the answer arrives in, handing each over once the next begins', () => {
    for (const size of [1, 7, 100, 1000]) {
      const decoder = new ChunkedReadDecoder(start, end);
      const got: ReadSeries[] = [];
      for (let at = 0; at < answer.length; at += size) {
        const before = got.length;
        got.push(...decoder.push(answer.subarray(at, at + size)));
        // b is complete only when the answer ends: nothing after it tells that it does not go on.
        for (const s of got.slice(before)) expect(s.labels.__name__).toBe('a');
      }
      got.push(...decoder.finish());
      expect(got, `pieces of ${size} bytes`).toEqual(expected);
    }
  });

  it('refuses an answer that ends inside a frame, and a frame whose checksum does not match', () => {
    const decoder = new ChunkedReadDecoder(start, end);
    decoder.push(answer.subarray(0, answer.length - 3));
    expect(() => decoder.finish()).toThrow(/ends inside a frame/);
    const bad = Buffer.from(answer);
    bad[bad.length - 1] ^= 1;
    expect(() => decodeChunkedReadResponse(bad, start, end)).toThrow(/checksum mismatch/);
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
