import { headers } from 'nats';
import { describe, expect, it } from 'vitest';
import { encodeSampleBatch } from '../../schemas/index.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { natsInputSchema } from './config.js';
import { NatsMessageError } from './errors.js';
import { MessageDecoder } from './message-decoder.js';

const enc = (s: string) => new TextEncoder().encode(s);
const decoder = (cfg: Record<string, unknown>) => new MessageDecoder(natsInputSchema.parse({ subject: 'x.>', ...cfg }));

describe('MessageDecoder', () => {
  it('merges target labels from config, subject tokens and headers as a scrape does', () => {
    const h = headers();
    h.set('Tidemark-Label-instance', 'from-header');
    const d = decoder({ format: 'exposition', labels: { job: 'static', env: 'prod' }, subject_labels: { job: 2, instance: 3 } });
    const out = d.decode({ subject: 'x.node.h1', data: enc('m{job="mine",env="dev",a="1"} 2\n'), headers: h, timeMs: 5 });
    expect(out).toEqual([
      { labels: { __name__: 'm', exported_job: 'mine', exported_env: 'dev', a: '1', job: 'node', env: 'prod', instance: 'from-header' }, t: 5, v: 2, stale: false },
    ]);
  });

  it('lets exposed labels win with honor_labels', () => {
    const d = decoder({ format: 'exposition', labels: { job: 'static' }, honor_labels: true });
    expect(d.decode({ subject: 'x.y', data: enc('m{job="mine"} 2\nn 3\n'), timeMs: 5 }).map((s) => s.labels.job)).toEqual(['mine', 'static']);
  });

  it('reads line protocol with the precision header over the configured one', () => {
    const h = headers();
    h.set('precision', 's');
    const out = decoder({ format: 'influx' }).decode({ subject: 'x.y', data: enc('disk,dev=sda used=3i 1700000000\n'), headers: h, timeMs: 5 });
    expect(out).toEqual([{ labels: { __name__: 'disk_used', dev: 'sda' }, t: 1_700_000_000_000, v: 3, stale: false }]);
  });

  it('keeps staleness markers of sample batches and rejects bytes that are not one', () => {
    const data = encodeSampleBatch({ series: [{ labels: { __name__: 'g' }, timestamps: [1, 2], values: [1, Number.NaN], stale: [1] }] });
    expect(decoder({ format: 'sample_batch' }).decode({ subject: 'x.y', data, timeMs: 0 }).map((s) => s.stale)).toEqual([false, true]);
    expect(() => decoder({ format: 'sample_batch' }).decode({ subject: 'x.y', data: enc('nope'), timeMs: 0 })).toThrow(NatsMessageError);
  });

  it('keeps the start timestamps of sample batch samples that have one, histograms too', () => {
    const h = new FloatHistogram({ schema: 0, count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] });
    const data = encodeSampleBatch({
      series: [{
        labels: { __name__: 'c_total' }, timestamps: [1000, 2000], values: [1, 2], stale: [], startTimestamps: [500, 0],
        histograms: { timestamps: [3000], histograms: [h], startTimestamps: [2500] },
      }],
    });
    expect(decoder({ format: 'sample_batch' }).decode({ subject: 'x.y', data, timeMs: 0 }).map((s) => s.st)).toEqual([500, undefined, 2500]);
  });

  it('names the line and column of bad exposition text', () => {
    expect(() => decoder({ format: 'exposition' }).decode({ subject: 'x.y', data: enc('ok 1\nbad{ 1\n'), timeMs: 0 })).toThrow(/line 2, column/);
  });
});
