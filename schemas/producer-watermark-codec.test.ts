import { describe, expect, it } from 'vitest';
import { decodeProducerWatermark, encodeProducerWatermark, isProducerWatermark, type ProducerWatermark } from './producer-watermark-codec.js';
import { encodeSampleBatch } from './sample-batch-codec.js';
import { decodeSamplesTopicRecord } from './samples-topic-record.js';
import { encodeSeriesDeletion } from './series-deletion-codec.js';

const watermark: ProducerWatermark = { producer: 'up/4f2a', source: 'remote_write', watermarkMs: 1_700_000_000_123, lagMs: 50, idle: false };

describe('producer watermark records', () => {
  it('round-trip, and are a third kind of samples-topic record', () => {
    const bytes = encodeProducerWatermark(watermark);
    expect(isProducerWatermark(bytes)).toBe(true);
    expect(decodeProducerWatermark(bytes)).toEqual(watermark);
    expect(decodeSamplesTopicRecord(bytes)).toEqual({ kind: 'watermark', watermark });
    expect(decodeSamplesTopicRecord(encodeProducerWatermark({ ...watermark, idle: true }))).toEqual({ kind: 'watermark', watermark: { ...watermark, idle: true } });
  });

  it('are told apart from sample batches and deletions', () => {
    const batch = encodeSampleBatch({ series: [{ labels: { __name__: 'up' }, timestamps: [1], values: [1], stale: [] }] }, 'test');
    const deletion = encodeSeriesDeletion({ selectors: [[{ type: '=', name: '__name__', value: 'up' }]], startMs: 0, endMs: 1, requestedAtMs: 1 });
    expect(isProducerWatermark(batch)).toBe(false);
    expect(isProducerWatermark(deletion)).toBe(false);
    expect(decodeSamplesTopicRecord(deletion).kind).toBe('deletion');
    expect(decodeSamplesTopicRecord(batch).kind).toBe('samples');
  });

  it('are small: one fits in a few dozen bytes', () => {
    expect(encodeProducerWatermark(watermark).length).toBeLessThan(48);
  });
});
