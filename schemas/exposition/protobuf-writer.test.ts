import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../native-histogram/index.js';
import { ProtobufParser } from './protobuf.js';
import { writeDelimitedProtobuf } from './protobuf-writer.js';
import { decodeDelimited } from './testdata/metric-family-encoder.js';

const H = new FloatHistogram({
  schema: -1, count: 7.5, sum: -3, zeroThreshold: 0.5, zeroCount: 1.5,
  positiveSpans: [{ offset: -2, length: 2 }], positiveBuckets: [1, 2], negativeSpans: [{ offset: 3, length: 1 }], negativeBuckets: [3],
});

describe('writeDelimitedProtobuf', () => {
  const body = writeDelimitedProtobuf([
    { name: 'up', type: 'untyped', metrics: [{ labels: [['job', 'a'], ['zone', 'ü']], value: 1, timestampMs: 1_700_000_000_123 }, { labels: [['job', 'b']], value: 0, timestampMs: -5 }] },
    { name: 'lat_seconds', type: 'histogram', metrics: [{ labels: [['job', 'a']], histogram: H, timestampMs: 42 }] },
  ]);

  it('writes families protobufjs decodes with metrics.proto, defaults left out and negative values exact', () => {
    expect(decodeDelimited(body)).toEqual([
      {
        name: 'up', type: 3,
        metric: [
          { label: [{ name: 'job', value: 'a' }, { name: 'zone', value: 'ü' }], untyped: { value: 1 }, timestamp_ms: 1_700_000_000_123 },
          { label: [{ name: 'job', value: 'b' }], untyped: {}, timestamp_ms: -5 },
        ],
      },
      {
        name: 'lat_seconds', type: 4,
        metric: [{
          label: [{ name: 'job', value: 'a' }],
          timestamp_ms: 42,
          histogram: {
            sample_sum: -3, sample_count_float: 7.5, schema: -1, zero_threshold: 0.5, zero_count_float: 1.5,
            negative_span: [{ offset: 3, length: 1 }], negative_count: [3], positive_span: [{ offset: -2, length: 2 }], positive_count: [1, 2],
          },
        }],
      },
    ]);
  });

  it('writes what the protobuf parser reads back as the same histogram', () => {
    const p = new ProtobufParser(body, { nativeHistograms: true, classicHistograms: false });
    const got: string[] = [];
    for (let e = p.next(); e !== undefined; e = p.next()) if (e === 'histogram') got.push(p.histogram!().toString());
    expect(got).toEqual([H.toString()]);
  });
});
