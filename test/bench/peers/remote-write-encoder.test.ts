import { describe, expect, it } from 'vitest';
import { WriteRequestType } from '../../../connectors/remote-write/testdata/prompb.js';
import { encodeWriteRequest } from './remote-write-encoder.js';

describe('remote-write encoder for peers', () => {
  it('encodes series with sorted labels and the chosen sample range, as protobufjs decodes them', () => {
    const body = encodeWriteRequest([
      { labels: { job: 'node', __name__: 'up' }, values: [1, 0.5, -2.25, 7], timestamps: [1_700_000_000_000, 1_700_000_015_000, 1_700_000_030_000, 1_700_000_045_000], from: 1, to: 3 },
      { labels: { __name__: 'x' }, values: [NaN], timestamps: [0], from: 0, to: 1 },
    ]);
    const msg = WriteRequestType.decode(body) as unknown as { timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[] };
    expect(msg.timeseries[0].labels).toEqual([
      { name: '__name__', value: 'up' },
      { name: 'job', value: 'node' },
    ]);
    expect(msg.timeseries[0].samples.map((s) => [s.value, Number(s.timestamp)])).toEqual([
      [0.5, 1_700_000_015_000],
      [-2.25, 1_700_000_030_000],
    ]);
    expect(Number.isNaN(msg.timeseries[1].samples[0].value)).toBe(true);
  });
});
