import { describe, expect, it } from 'vitest';
import { decodeSamplesTopicRecord } from './samples-topic-record.js';
import { encodeSampleBatch } from './sample-batch-codec.js';
import { decodeSeriesDeletion, encodeSeriesDeletion, isSeriesDeletion, type SeriesDeletion } from './series-deletion-codec.js';

const deletion: SeriesDeletion = {
  selectors: [
    [{ type: '=', name: '__name__', value: 'up' }, { type: '!~', name: 'job', value: 'a|b' }],
    [{ type: '=~', name: 'instance', value: 'host-.*' }, { type: '!=', name: 'zone', value: '' }],
  ],
  startMs: -5,
  endMs: 1_700_000_000_000,
  requestedAtMs: 1_700_000_000_001,
};

describe('series deletion records', () => {
  it('round-trip every matcher type, and are told apart from sample batches', () => {
    const bytes = encodeSeriesDeletion(deletion);
    expect(isSeriesDeletion(bytes)).toBe(true);
    expect(decodeSeriesDeletion(bytes)).toEqual(deletion);
    expect(decodeSamplesTopicRecord(bytes)).toEqual({ kind: 'deletion', deletion });
    const batch = encodeSampleBatch({ series: [{ labels: { __name__: 'up' }, timestamps: [1], values: [1], stale: [] }] }, 'test');
    expect(isSeriesDeletion(batch)).toBe(false);
    expect(decodeSamplesTopicRecord(batch)).toMatchObject({ kind: 'samples', batch: { series: [{ labels: { __name__: 'up' } }] } });
  });

  it('make bytes of neither kind a decode error', () => {
    expect(() => decodeSamplesTopicRecord(Buffer.from('garbage'))).toThrow(/not Avro single-object encoding/);
  });
});
