import { describe, expect, it } from 'vitest';
import { encodeAlertEvent, REPLAYED_HEADER } from '../../pipeline/alert/rules/index.js';
import { encodeDeadLetter, encodeProducerWatermark, encodeSampleBatch, encodeSeriesDeletion } from '../../schemas/index.js';
import { Histogram } from '../../schemas/native-histogram/index.js';
import { renderRecord } from './tail.js';

const at = { topic: 'samples', partition: 2, offset: 7, timestampMs: 0, key: null, headers: {} };

describe('tail rendering', () => {
  it('prints one line per sample, with staleness', () => {
    const value = encodeSampleBatch({ series: [{ labels: { __name__: 'up', job: 'a' }, timestamps: [1000, 2000], values: [1, Number.NaN], stale: [1] }] }, 'scrape');
    expect(renderRecord({ ...at, value })).toEqual([
      '# samples/2@7 1970-01-01T00:00:00.000Z sample batch: 1 series from scrape',
      'up{job="a"} 1 1000',
      'up{job="a"} stale 2000',
    ]);
  });

  it('prints a native-histogram sample in Prometheus\' printed form, with its counter reset hint', () => {
    const h = new Histogram({ counterResetHint: 'not_reset', schema: 0, count: 3, sum: 4.5, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 1] });
    const value = encodeSampleBatch({ series: [{ labels: { __name__: 'rpc' }, timestamps: [], values: [], stale: [], histograms: { timestamps: [3000], histograms: [h] } }] }, 'remote_write');
    expect(renderRecord({ ...at, value })).toEqual([
      '# samples/2@7 1970-01-01T00:00:00.000Z sample batch: 1 series from remote_write',
      'rpc {count:3, sum:4.5, (0.5,1]:1, (1,2]:2} (not_reset) 3000',
    ]);
  });

  it('prints a deletion with its selectors and range', () => {
    const value = encodeSeriesDeletion({ selectors: [[{ type: '=', name: '__name__', value: 'up' }], [{ type: '=~', name: 'job', value: 'a.*' }]], startMs: 5, endMs: 9, requestedAtMs: 10 });
    expect(renderRecord({ ...at, value })).toEqual(['# samples/2@7 1970-01-01T00:00:00.000Z series deletion: {__name__="up"} or {job=~"a.*"} from 5 to 9']);
  });

  it('prints a producer watermark with its producer, promise and idleness', () => {
    const busy = encodeProducerWatermark({ producer: 'up/1', source: 'up', watermarkMs: 1_000, lagMs: 50, idle: false });
    const idle = encodeProducerWatermark({ producer: 'up/1', source: 'up', watermarkMs: 2_000, lagMs: 50, idle: true });
    expect(renderRecord({ ...at, value: busy })).toEqual(['# samples/2@7 1970-01-01T00:00:00.000Z producer watermark: up/1 (up) promises nothing older than 1000']);
    expect(renderRecord({ ...at, value: idle })).toEqual(['# samples/2@7 1970-01-01T00:00:00.000Z producer watermark: up/1 (up) promises nothing older than 2000, idle (follows its clock - 50 ms)']);
  });

  it('prints an alert state change, and the replay run of one a replay wrote', () => {
    const value = encodeAlertEvent({
      group: 'g', file: 'r.yml', rule: 'High', state: 'firing', previous: 'pending', labels: { alertname: 'High', job: 'a' }, annotations: {},
      at: 120_000, activeAt: 0, firedAt: 120_000, resolvedAt: 0, value: 9,
    });
    const live = '# alerts/2@7 1970-01-01T00:00:00.000Z alert state change: {alertname="High", job="a"} pending -> firing at 1970-01-01T00:02:00.000Z (group g, value 9)';
    expect(renderRecord({ ...at, topic: 'alerts', value })).toEqual([live]);
    expect(renderRecord({ ...at, topic: 'alerts', value, headers: { [REPLAYED_HEADER]: Buffer.from('host/1/2026-12-05T00:00:00.000Z') } })).toEqual([`${live}, replayed by host/1/2026-12-05T00:00:00.000Z`]);
  });

  it('prints a dead letter and says what cannot be decoded', () => {
    const value = encodeDeadLetter({ topic: 'samples', partition: 1, offset: 3, group: 'store', reason: 'bad', deadLetteredAtMs: 0, originalTimestampMs: 0, originalKey: null, originalValue: Buffer.from('xyz') });
    expect(renderRecord({ ...at, topic: 'dlq', value })[0]).toMatch(/dead letter from samples\/1@3 \(group store\): bad; 3 bytes$/);
    expect(renderRecord({ ...at, value: Buffer.from('junk') })[0]).toMatch(/undecodable \(not Avro single-object encoding.*\): 4 bytes$/);
  });
});
