import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSampleBatch, encodeSampleBatch, encodeSampleBatchV1, encodeSampleBatchV2 } from './sample-batch-codec.js';
import { FloatHistogram, Histogram } from './native-histogram/index.js';
import { RecordDecodeError } from './errors.js';
import type { SampleBatch } from './sample.js';
import { SingleObjectCodec, loadSchema } from './codec.js';
import { LabelSectionMemo } from './label-section-memo.js';

const batch: SampleBatch = {
  series: [
    { labels: { __name__: 'up', job: 'node', instance: 'a:9100' }, timestamps: [1000, 16000], values: [1, 0], stale: [] },
    {
      labels: { __name__: 'node_load1', instance: 'a:9100', job: 'node' },
      timestamps: [1000, 16000, 31000],
      values: [0.5, Number.POSITIVE_INFINITY, Number.NaN],
      stale: [2],
    },
    { labels: { __name__: 'empty' }, timestamps: [], values: [], stale: [] },
  ],
};

const latency = new Histogram({
  counterResetHint: 'not_reset',
  schema: 1,
  zeroThreshold: 0.001,
  zeroCount: 2,
  count: 9,
  sum: 18.5,
  positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 1 }],
  positiveBuckets: [1, 1, -1],
  negativeSpans: [{ offset: -2, length: 1 }],
  negativeBuckets: [3],
});
const nhcb = new FloatHistogram({
  schema: -53,
  count: 3.5,
  sum: 7,
  positiveSpans: [{ offset: 0, length: 3 }],
  positiveBuckets: [1, 0.5, 2],
  customValues: [0.1, 1, 10],
});
const gauge = new FloatHistogram({ counterResetHint: 'gauge', schema: 0, count: 1, sum: -1, negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [1] });
const withHistograms: SampleBatch = {
  series: [
    { labels: { __name__: 'up' }, timestamps: [1000], values: [1], stale: [] },
    { labels: { __name__: 'latency_seconds' }, timestamps: [], values: [], stale: [], histograms: { timestamps: [1000, 2000], histograms: [latency, nhcb] } },
    { labels: { __name__: 'mixed' }, timestamps: [500], values: [3], stale: [], histograms: { timestamps: [1500], histograms: [gauge] } },
  ],
};

/** Counters with start timestamps: delta-style floats, a histogram with and one without. */
const withStartTimestamps: SampleBatch = {
  series: [
    { labels: { __name__: 'a_total' }, timestamps: [1000, 2000, 3000], values: [1, 1, 1], stale: [], startTimestamps: [0, 1000, 2000] },
    { labels: { __name__: 'plain' }, timestamps: [1000], values: [5], stale: [] },
    {
      labels: { __name__: 'h' }, timestamps: [], values: [], stale: [],
      histograms: { timestamps: [1000, 2000], histograms: [latency, nhcb], startTimestamps: [0, 2001] },
    },
  ],
};

describe('sample batch codec', () => {
  it('round-trips labels, timestamps, values and staleness markers', () => {
    const decoded = decodeSampleBatch(encodeSampleBatch(batch, 'scrape/node'));
    expect(decoded.source).toBe('scrape/node');
    expect(decoded.series.map((s) => s.labels)).toEqual(batch.series.map((s) => s.labels));
    expect(decoded.series[0].timestamps).toEqual([1000, 16000]);
    expect(decoded.series[1].values.slice(0, 2)).toEqual([0.5, Number.POSITIVE_INFINITY]);
    expect(decoded.series[1].stale).toEqual([2]);
    expect(decoded.series[2].timestamps).toEqual([]);
  });

  it('decodes a record of float samples only to columns as well, and its series from them; one with a staleness marker to series only', () => {
    const floats: SampleBatch = { series: [batch.series[0], { ...batch.series[1], values: [0.5, 2, 3], stale: [] }, batch.series[2]] };
    for (const memo of [undefined, new LabelSectionMemo()]) {
      for (let i = 0; i < 2; i++) {
        // With a memo the second decode takes the remembered label section.
        const decoded = decodeSampleBatch(encodeSampleBatch(floats, 'src'), memo);
        expect(decoded.floatColumns).toEqual({
          labels: floats.series.map((s) => s.labels),
          offsets: [0, 2, 5, 5],
          timestamps: [1000, 16000, 1000, 16000, 31000],
          values: [1, 0, 0.5, 2, 3],
        });
        expect(decoded).toEqual({ series: floats.series, source: 'src', ...(decoded.labelSection === undefined ? {} : { labelSection: decoded.labelSection }) });
        expect(decoded.series).toBe(decoded.series);
      }
    }
    expect(decodeSampleBatch(encodeSampleBatch(batch)).floatColumns).toBeUndefined();
  });

  it('writes Avro single-object encoding: marker c3 01 and an 8-byte fingerprint', () => {
    const bytes = encodeSampleBatch(batch);
    expect(bytes[0]).toBe(0xc3);
    expect(bytes[1]).toBe(0x01);
    expect(bytes.subarray(2, 10).toString('hex')).not.toBe(encodeSampleBatchV1(batch).subarray(2, 10).toString('hex'));
  });

  it('reads a v1 writer with the current reader, giving the added field its default', () => {
    const decoded = decodeSampleBatch(encodeSampleBatchV1(batch));
    expect(decoded.source).toBe('');
    expect(decoded.series[1].labels).toEqual(batch.series[1].labels);
    expect(decoded.series[1].stale).toEqual([2]);
  });

  it('round-trips integer and float native histograms with every field, beside float samples', () => {
    const decoded = decodeSampleBatch(encodeSampleBatch(withHistograms, 'remote_write'));
    expect(decoded.series[0].histograms).toBeUndefined();
    expect(decoded.series[0].values).toEqual([1]);
    const [h1, h2] = decoded.series[1].histograms!.histograms;
    expect(decoded.series[1].histograms!.timestamps).toEqual([1000, 2000]);
    expect(decoded.series[1].timestamps).toEqual([]);
    expect(h1).toBeInstanceOf(Histogram);
    expect(h1).toEqual(latency);
    expect(h2).toBeInstanceOf(FloatHistogram);
    expect(h2).toEqual(nhcb);
    expect(decoded.series[2].values).toEqual([3]);
    expect(decoded.series[2].histograms).toEqual({ timestamps: [1500], histograms: [gauge] });
  });

  it('reads a v2 writer with the v3 reader: bytes of the old schema decode to series without histograms', () => {
    const decoded = decodeSampleBatch(encodeSampleBatchV2(batch, 'scrape/old'));
    expect(decoded.source).toBe('scrape/old');
    expect(decoded.series.map((s) => s.labels)).toEqual(batch.series.map((s) => s.labels));
    expect(decoded.series[1].values.slice(0, 2)).toEqual([0.5, Number.POSITIVE_INFINITY]);
    expect(decoded.series[1].stale).toEqual([2]);
    expect(decoded.series.every((s) => s.histograms === undefined)).toBe(true);
  });

  it('refuses a histogram sample naming a series the batch does not have', () => {
    const avscV4 = new SingleObjectCodec<{ histograms: { series: number }[] }>(loadSchema('sample-batch.v4.avsc'));
    const wire = avscV4.decode(encodeSampleBatch(withHistograms));
    wire.histograms[0].series = 7;
    expect(() => decodeSampleBatch(avscV4.encode(wire))).toThrow(/histogram sample of series 7: the batch has 3 series/);
  });

  it('carries start timestamps of float and histogram samples, and none for series without them', () => {
    const back = decodeSampleBatch(encodeSampleBatch(withStartTimestamps)).series;
    expect(back[0].startTimestamps).toEqual([0, 1000, 2000]);
    expect(back[1].startTimestamps).toBeUndefined();
    expect(back[2].histograms!.startTimestamps).toEqual([0, 2001]);
    expect(decodeSampleBatch(encodeSampleBatch(batch)).series.every((s) => s.startTimestamps === undefined)).toBe(true);
  });

  it('carries start timestamps in a record decoded from a remembered label section', () => {
    const memo = new LabelSectionMemo();
    decodeSampleBatch(encodeSampleBatch(withStartTimestamps), memo);
    const again = decodeSampleBatch(encodeSampleBatch(withStartTimestamps), memo);
    expect(again.labelSection).toBeDefined();
    expect(again.series[0].startTimestamps).toEqual([0, 1000, 2000]);
    expect(again.series[2].histograms!.startTimestamps).toEqual([0, 2001]);
  });

  it('reads a v3 writer with the v4 reader as samples without start timestamps', () => {
    const avscV3 = new SingleObjectCodec<unknown>(loadSchema('sample-batch.v3.avsc'));
    const avscV4 = new SingleObjectCodec<Record<string, unknown>>(loadSchema('sample-batch.v4.avsc'));
    const { startTimestamps: _dropped, ...v3 } = avscV4.decode(encodeSampleBatch(withStartTimestamps));
    const back = decodeSampleBatch(avscV3.encode(v3)).series;
    expect(back[0].values).toEqual([1, 1, 1]);
    expect(back[0].startTimestamps).toBeUndefined();
    expect(back[2].histograms!.timestamps).toEqual([1000, 2000]);
    expect(back[2].histograms!.startTimestamps).toBeUndefined();
  });

  it('refuses a start timestamp of a sample the batch does not have', () => {
    const avscV4 = new SingleObjectCodec<{ startTimestamps: Buffer }>(loadSchema('sample-batch.v4.avsc'));
    const wire = avscV4.decode(encodeSampleBatch(batch));
    wire.startTimestamps = Buffer.from([2 * 2 * 9, 2]); // float sample 9 of 5
    expect(() => decodeSampleBatch(avscV4.encode(wire))).toThrow(/start timestamp of sample 9: the batch has 5 samples/);
  });

  it('refuses to encode a series with more histogram timestamps than histograms', () => {
    const bad: SampleBatch = { series: [{ labels: { a: 'b' }, timestamps: [], values: [], stale: [], histograms: { timestamps: [1, 2], histograms: [latency] } }] };
    expect(() => encodeSampleBatch(bad)).toThrow(/2 histogram timestamps but 1 histograms/);
  });

  it('keeps timestamps exact up to the largest safe millisecond values, negative ones too', () => {
    const extreme: SampleBatch = {
      series: [{ labels: { a: 'b' }, timestamps: [-5, 0, 2 ** 52, 1], values: [1, 2, 3, 4], stale: [] }],
    };
    expect(decodeSampleBatch(encodeSampleBatch(extreme)).series[0].timestamps).toEqual([-5, 0, 2 ** 52, 1]);
  });

  it('uses wider symbol references when a batch has more than 256 distinct strings', () => {
    const wide: SampleBatch = {
      series: Array.from({ length: 700 }, (_, i) => ({ labels: { id: `s${i}` }, timestamps: [i], values: [i], stale: [] })),
    };
    const decoded = decodeSampleBatch(encodeSampleBatch(wide));
    expect(decoded.series[699].labels).toEqual({ id: 's699' });
    expect(decoded.series[300].values).toEqual([300]);
  });

  it('rejects bytes without the single-object marker with a decode error', () => {
    expect(() => decodeSampleBatch(Buffer.from('hello world'))).toThrow(RecordDecodeError);
    expect(() => decodeSampleBatch(Buffer.alloc(0))).toThrow(/marker/);
  });

  it('rejects an unknown writer fingerprint naming it', () => {
    const bytes = Buffer.from(encodeSampleBatch(batch));
    bytes[5] ^= 0xff;
    expect(() => decodeSampleBatch(bytes)).toThrow(/unknown writer schema fingerprint/);
  });

  it('never throws anything but a decode error on corrupted or truncated records', () => {
    const good = encodeSampleBatch(batch, 'x');
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(good.length), (pos, byte, cut) => {
        const bad = Buffer.from(good);
        bad[pos] = byte;
        for (const candidate of [bad, bad.subarray(0, cut)]) {
          try {
            decodeSampleBatch(candidate);
          } catch (err) {
            expect(err).toBeInstanceOf(RecordDecodeError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips arbitrary batches', () => {
    const labelsArb = fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string(), { maxKeys: 6 });
    const seriesArb = fc
      .array(fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 45 }), fc.double()), { maxLength: 5 })
      .chain((samples) =>
        fc.record({
          labels: labelsArb,
          timestamps: fc.constant(samples.map((s) => s[0])),
          values: fc.constant(samples.map((s) => s[1])),
          stale: fc.constant<number[]>(samples.length > 0 ? [samples.length - 1] : []),
        }),
      );
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 20 }), (series) => {
        const decoded = decodeSampleBatch(encodeSampleBatch({ series }));
        expect(decoded.series.length).toBe(series.length);
        decoded.series.forEach((s, i) => {
          expect(s.labels).toEqual(series[i].labels);
          expect(s.timestamps).toEqual(series[i].timestamps);
          expect(s.values).toEqual(series[i].values);
          expect(s.stale).toEqual(series[i].stale);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('sample batch writer', () => {
  const avscV4 = new SingleObjectCodec<unknown>(loadSchema('sample-batch.v4.avsc'));

  it('writes byte for byte what avsc writes for the v4 schema', () => {
    const wide: SampleBatch = {
      series: Array.from({ length: 300 }, (_, i) => ({
        labels: { __name__: 'm', id: `s${i}`, zone: i % 2 === 0 ? 'europe-west' : 'zürich ☕' },
        timestamps: [i * 1000, i * 1000 + 15_000],
        values: [i, -i / 3],
        stale: i % 50 === 0 ? [1] : [],
      })),
    };
    for (const b of [batch, wide, withHistograms, withStartTimestamps, { series: [] }]) {
      for (const source of ['', 'scrape/node', 'ö'.repeat(70)]) {
        const bytes = encodeSampleBatch(b, source);
        expect(avscV4.encode(avscV4.decode(bytes)).equals(bytes)).toBe(true);
      }
    }
  });

  it('gives the same record for the same series under fresh or reused labels objects', () => {
    const first = encodeSampleBatch(batch, 'x');
    const copy: SampleBatch = { series: batch.series.map((s) => ({ ...s, labels: { ...s.labels } })) };
    expect(encodeSampleBatch(copy, 'x').equals(first)).toBe(true);
    expect(encodeSampleBatch(batch, 'x').equals(first)).toBe(true);
  });

  it('reuses the label section only for the very same series list', () => {
    const [a, b, c] = batch.series;
    const decode = (series: SampleBatch['series']) => decodeSampleBatch(encodeSampleBatch({ series })).series.map((s) => s.labels);
    expect(decode([a, b])).toEqual([a.labels, b.labels]);
    expect(decode([a, c])).toEqual([a.labels, c.labels]);
    expect(decode([a, c, b])).toEqual([a.labels, c.labels, b.labels]);
    expect(decode([a])).toEqual([a.labels]);
    expect(decode([a, c])).toEqual([a.labels, c.labels]);
    // From the second batch on, a repeated list is encoded from the remembered section.
    const first = encodeSampleBatch({ series: [a, c] });
    expect(decode([b, a])).toEqual([b.labels, a.labels]);
    expect(encodeSampleBatch({ series: [a, c] }).equals(first)).toBe(true);
    expect(decode([c, b, a])).toEqual([c.labels, b.labels, a.labels]);
    expect(decode([a, c])).toEqual([a.labels, c.labels]);
    expect(decode([a, b])).toEqual([a.labels, b.labels]);
  });

  it('rejects a timestamp column that ends inside a varint', () => {
    const good = avscV4.decode(encodeSampleBatch(batch)) as { timestamps: Buffer };
    const bad = avscV4.encode({ ...good, timestamps: Buffer.concat([good.timestamps, Buffer.from([0x80])]) });
    expect(() => decodeSampleBatch(bad)).toThrow(/timestamps: truncated varint/);
  });

  it('decodes any label name to an own property, quotes, __proto__ and non-ASCII included', () => {
    const odd = [
      { __name__: 'm', ['__proto__']: 'p', 'a"b': 'q' },
      { __name__: 'm', 'x\\y': '1', 'ü ☕': '2' },
      { __name__: 'm', 'x\\y': '3', 'ü ☕': '4' },
    ].map((l) => {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(l)) Object.defineProperty(labels, k, { value: v, enumerable: true, writable: true, configurable: true });
      return { labels, timestamps: [1], values: [1], stale: [] };
    });
    const decoded = decodeSampleBatch(encodeSampleBatch({ series: odd })).series;
    decoded.forEach((s, i) => {
      expect(Object.getPrototypeOf(s.labels)).toBe(Object.prototype);
      expect(Object.entries(s.labels).sort()).toEqual(Object.entries(odd[i].labels).sort());
    });
  });

  it('sorts stale indices that a producer listed out of order', () => {
    const s = { labels: { __name__: 'x' }, timestamps: [1, 2, 3], values: [0, 0, 0], stale: [2, 0] };
    expect(decodeSampleBatch(encodeSampleBatch({ series: [s] })).series[0].stale).toEqual([0, 2]);
  });
});

describe('label names that are also JavaScript property names', () => {
  it('keeps a label called __proto__ as an ordinary label', () => {
    const labels = JSON.parse('{"__name__":"m","__proto__":"x","constructor":"y"}') as Record<string, string>;
    const decoded = decodeSampleBatch(encodeSampleBatch({ series: [{ labels, timestamps: [1], values: [1], stale: [] }] }));
    expect(Object.keys(decoded.series[0].labels).sort()).toEqual(['__name__', '__proto__', 'constructor']);
    expect(decoded.series[0].labels.__proto__).toBe('x');
    expect(Object.getPrototypeOf(decoded.series[0].labels)).toBe(Object.prototype);
  });
});
