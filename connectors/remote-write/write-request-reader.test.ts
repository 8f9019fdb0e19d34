import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitExceededError, type GrowingBody } from '../http-edge/index.js';
import { WriteRequestDecodeError } from './errors.js';
import { encodeWriteRequest, pbLabels, withStaleNaN } from './testdata/prompb.js';
import { WriteRequestReader } from './write-request-reader.js';

describe('WriteRequestReader', () => {
  it('decodes labels, samples and timestamps exactly as protobufjs encoded them', () => {
    const buf = encodeWriteRequest({
      timeseries: [
        {
          labels: pbLabels({ __name__: 'up', job: 'node', instance: 'h:9100' }),
          samples: [
            { value: 1, timestamp: 1_700_000_000_000 },
            { value: -2.5e300, timestamp: 1_700_000_015_000 },
            { value: Number.POSITIVE_INFINITY, timestamp: 2 ** 53 - 1 },
            { value: Number.NEGATIVE_INFINITY, timestamp: -1_000 },
            { value: Number.NaN, timestamp: 0 },
          ],
        },
        { labels: pbLabels({ __name__: 'temp_celsius', room: 'café ☕' }), samples: [{ value: 21.5, timestamp: 5 }] },
      ],
    });
    const out = new WriteRequestReader().read(buf);
    expect(out.samples).toBe(6);
    expect(out.allSeries()).toHaveLength(2);
    const [a, b] = out.allSeries();
    expect(a.labels).toEqual({ __name__: 'up', job: 'node', instance: 'h:9100' });
    expect(a.timestamps).toEqual([1_700_000_000_000, 1_700_000_015_000, 2 ** 53 - 1, -1_000, 0]);
    expect(a.values.slice(0, 4)).toEqual([1, -2.5e300, Infinity, -Infinity]);
    expect(Number.isNaN(a.values[4])).toBe(true);
    expect(a.stale).toEqual([]);
    expect(a.invalid).toBeUndefined();
    expect(b.labels).toEqual({ __name__: 'temp_celsius', room: 'café ☕' });
  });

  it('marks a sample carrying the staleness NaN bit pattern as stale, and an ordinary NaN as not', () => {
    const buf = withStaleNaN(
      encodeWriteRequest({
        timeseries: [
          {
            labels: pbLabels({ __name__: 'x' }),
            samples: [
              { value: 7.25, timestamp: 1 },
              { value: 123.456, timestamp: 2 },
              { value: Number.NaN, timestamp: 3 },
            ],
          },
        ],
      }),
      123.456,
    );
    const [s] = new WriteRequestReader().read(buf).allSeries();
    expect(s.stale).toEqual([1]);
    expect(s.values[0]).toBe(7.25);
  });

  it('marks a stale first sample, and keeps every series\' samples in one pair of request-wide columns', () => {
    const buf = withStaleNaN(
      encodeWriteRequest({
        timeseries: [
          { labels: pbLabels({ __name__: 'a' }), samples: [{ value: 55.5, timestamp: 1 }] },
          { labels: pbLabels({ __name__: 'b' }), samples: [{ value: 2, timestamp: 2 }] },
          { labels: pbLabels({ __name__: 'c' }), samples: [] },
        ],
      }),
      55.5,
    );
    const out = new WriteRequestReader().read(buf);
    expect(Array.from(out.offsets.subarray(0, 4))).toEqual([0, 1, 2, 2]);
    expect(Array.from(out.timestamps.subarray(0, out.samples))).toEqual([1, 2]);
    expect(out.stale).toEqual([0]);
    const [a, b, c] = out.allSeries();
    expect(a.stale).toEqual([0]);
    expect(b.stale).toEqual([]);
    expect(b.timestamps).toEqual([2]);
    expect(c.timestamps).toEqual([]);
    expect(c.labels).toEqual({ __name__: 'c' });
  });

  it('hands out the same frozen labels object when a series comes again, and copies it when labels follow the samples', () => {
    const reader = new WriteRequestReader();
    const req = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'up', job: 'x' }), samples: [{ value: 1, timestamp: 1 }] }] });
    const first = reader.read(req).allSeries()[0].labels;
    const again = reader.read(Buffer.from(req)).allSeries()[0].labels;
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // Label fields after the samples: the cached set must not be changed in place.
    const extra = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ zone: 'b' }) }] });
    const tail = extra.subarray(extra.indexOf(Buffer.from('zone')) - 4); // the Label field of the second request
    const series = req.subarray(2); // the TimeSeries body of the first request (tag + 1-byte length stripped)
    const body = Buffer.concat([series, tail]);
    const combined = Buffer.concat([Buffer.from([0x0a, body.length]), body]);
    const out = reader.read(combined).allSeries()[0];
    expect(out.labels).toEqual({ __name__: 'up', job: 'x', zone: 'b' });
    expect(first).toEqual({ __name__: 'up', job: 'x' });
  });

  it('counts exemplars and histograms, and reads each metadata message with its type named as Prometheus names it', () => {
    const buf = encodeWriteRequest({
      timeseries: [
        {
          labels: pbLabels({ __name__: 'req_total' }),
          samples: [{ value: 3, timestamp: 10 }],
          exemplars: [{ labels: pbLabels({ trace_id: 'abc' }), value: 1, timestamp: 9 }],
          histograms: [{ countInt: 4, sum: 2, schema: 1, timestamp: 10 }],
        },
      ],
      metadata: [
        { type: 1, metricFamilyName: 'req_total', help: 'Requests.', unit: '' },
        { type: 4, metricFamilyName: 'queue_bytes', help: 'Queue size ☕.', unit: 'bytes' },
      ],
    });
    const out = new WriteRequestReader().read(buf);
    expect(out).toMatchObject({ samples: 1, exemplars: 1, histograms: 1 });
    expect(out.metadata).toEqual([
      { metric: 'req_total', type: 'counter', help: 'Requests.', unit: '' },
      { metric: 'queue_bytes', type: 'gaugehistogram', help: 'Queue size ☕.', unit: 'bytes' },
    ]);
    expect(out.allSeries()[0].labels).toEqual({ __name__: 'req_total' });
  });

  it.each([
    [{ labels: [{ name: 'job', value: 'a' }, { name: '__name__', value: 'up' }] }, /not sorted: "__name__" after "job"/],
    [{ labels: [{ name: '__name__', value: 'up' }, { name: 'a', value: '1' }, { name: 'a', value: '2' }] }, /duplicate label name "a"/],
    [{ labels: [{ name: '', value: 'x' }, { name: '__name__', value: 'up' }] }, /empty label name/],
    [{ labels: pbLabels({ __name__: 'up', 'bad-name': 'x' }) }, /invalid label name "bad-name"/],
    [{ labels: pbLabels({ __name__: 'my.metric' }) }, /invalid metric name "my.metric"/],
    [{ labels: pbLabels({ job: 'x' }) }, /no metric name/],
    [{ labels: [] }, /no labels/],
  ])('reports series %# as invalid with what is wrong', (ts, message) => {
    const out = new WriteRequestReader().read(encodeWriteRequest({ timeseries: [{ ...ts, samples: [{ value: 1, timestamp: 1 }] }] }));
    expect(out.allSeries()[0].invalid?.message).toMatch(message);
  });

  it('accepts dotted and spaced names under the utf8 scheme', () => {
    const buf = encodeWriteRequest({
      timeseries: [{ labels: pbLabels({ __name__: 'my.metric', 'label with space': 'v' }), samples: [{ value: 1, timestamp: 1 }] }],
    });
    expect(new WriteRequestReader('utf8').read(buf).allSeries()[0].invalid).toBeUndefined();
    expect(new WriteRequestReader('legacy').read(buf).allSeries()[0].invalid).toBeDefined();
  });

  it('keeps a label named __proto__ as an ordinary label, so two series do not merge', () => {
    const buf = encodeWriteRequest({
      timeseries: [
        { labels: pbLabels({ __name__: 'm', ['__proto__']: 'a' }), samples: [{ value: 1, timestamp: 1 }] },
        { labels: pbLabels({ __name__: 'm', ['__proto__']: 'b' }), samples: [{ value: 2, timestamp: 1 }] },
      ],
    });
    const out = new WriteRequestReader().read(buf);
    expect(out.allSeries().map((s) => Object.entries(s.labels))).toEqual([[['__name__', 'm'], ['__proto__', 'a']], [['__name__', 'm'], ['__proto__', 'b']]]);
    expect(Object.getPrototypeOf(out.allSeries()[0]!.labels)).toBe(Object.prototype);
  });

  it('drops a label with an empty value, as Prometheus treats it as absent', () => {
    const buf = encodeWriteRequest({
      timeseries: [{ labels: pbLabels({ __name__: 'up', empty: '', job: 'j' }), samples: [{ value: 1, timestamp: 1 }] }],
    });
    expect(new WriteRequestReader().read(buf).allSeries()[0].labels).toEqual({ __name__: 'up', job: 'j' });
  });

  it('decodes the right labels when many series compete for a tiny cache', () => {
    const reader = new WriteRequestReader('legacy', 2);
    for (let round = 0; round < 3; round++) {
      const series = Array.from({ length: 50 }, (_, i) => ({
        labels: pbLabels({ __name__: 'm', i: String(i), round: String(round % 2) }),
        samples: [{ value: i, timestamp: round }],
      }));
      const out = reader.read(encodeWriteRequest({ timeseries: series }));
      out.allSeries().forEach((s, i) => expect(s.labels).toEqual({ __name__: 'm', i: String(i), round: String(round % 2) }));
    }
  });

  it('refuses zero bytes, which protobuf cannot read as any message, instead of reading an empty request', () => {
    expect(() => new WriteRequestReader().read(Buffer.alloc(1024))).toThrow(/invalid field number 0 \(at byte 1\)/);
    const valid = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'up' }), samples: [{ value: 1, timestamp: 1 }] }] });
    expect(() => new WriteRequestReader().read(Buffer.concat([valid, Buffer.alloc(8)]))).toThrow(WriteRequestDecodeError);
  });

  it('stops at the first series beyond the limit instead of decoding the whole request', () => {
    const one = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'up' }), samples: [{ value: 1, timestamp: 1 }] }] });
    // 200,000 copies of one series: what a small snappy body can expand to.
    const many = Buffer.concat(new Array<Buffer>(200_000).fill(one));
    let err: unknown;
    try { new WriteRequestReader().read(many, 10); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).actual).toBe(11);
    expect(new WriteRequestReader().read(many, 0).allSeries()).toHaveLength(200_000);
  });

  it('throws WriteRequestDecodeError with the offset for a truncated request', () => {
    const buf = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'up' }), samples: [{ value: 1, timestamp: 1 }] }] });
    expect(() => new WriteRequestReader().read(buf.subarray(0, buf.length - 3))).toThrow(WriteRequestDecodeError);
    expect(() => new WriteRequestReader().read(buf.subarray(0, buf.length - 3))).toThrow(/at byte \d+/);
  });

  it('never throws anything but its decode error on arbitrary bytes (fuzz)', () => {
    const valid = encodeWriteRequest({
      timeseries: [{ labels: pbLabels({ __name__: 'up', job: 'x' }), samples: [{ value: 1, timestamp: 1700000000000 }] }],
    });
    const reader = new WriteRequestReader();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // mutations of a valid request reach deeper into the reader than random bytes
          fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length)).map(([at, byte, cut]) => {
            const b = Buffer.from(valid);
            b[at] = byte;
            return b.subarray(0, cut);
          }),
        ),
        (bytes) => {
          try {
            reader.read(Buffer.from(bytes));
          } catch (err) {
            if (!(err instanceof WriteRequestDecodeError)) throw err;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
  it('decodes in slices what it decodes in one go, with other reads interleaved between the slices', async () => {
    const big = encodeWriteRequest({
      timeseries: Array.from({ length: 400 }, (_, i) => ({
        labels: pbLabels({ __name__: 'sliced', instance: `i${i % 50}`, n: String(i) }),
        samples: [{ value: i, timestamp: 1_700_000_000_000 + i }, { value: -i, timestamp: 1_700_000_000_001 + i }],
      })),
    });
    const small = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'other' }), samples: [{ value: 7, timestamp: 5 }] }] });
    const reader = new WriteRequestReader();
    const whole = new WriteRequestReader().read(big);
    let between = 0;
    const timer = setInterval(() => {
      // A read on the same reader while the sliced one is parked.
      expect(reader.read(small).allSeries()[0].values).toEqual([7]);
      between++;
    }, 0);
    const sliced = await Promise.all([reader.readInSlices(big, 0, 512), reader.readInSlices(big, 0, 1024)]);
    clearInterval(timer);
    expect(sliced[0]).toEqual(whole);
    expect(sliced[1]).toEqual(whole);
    expect(between).toBeGreaterThan(0);
  });

  it('stops a sliced read at the series limit with the limit error', async () => {
    const buf = encodeWriteRequest({
      timeseries: Array.from({ length: 300 }, (_, i) => ({ labels: pbLabels({ __name__: 'x', n: String(i) }), samples: [{ value: 1, timestamp: 1 }] })),
    });
    await expect(new WriteRequestReader().readInSlices(buf, 100, 256)).rejects.toThrow(new LimitExceededError('request has more than 100 series, the limit', 'series_limit', 100, 101));
  });

  it('reads a body while it grows to what it reads from the whole body, whatever the growth steps and wherever its bytes move', async () => {
    const buf = encodeWriteRequest({
      timeseries: Array.from({ length: 300 }, (_, i) => ({
        labels: pbLabels({ __name__: 'growing', n: String(i), pad: 'q'.repeat(i % 40) }),
        samples: [{ value: i, timestamp: 1_700_000_000_000 + i }],
      })),
    });
    const whole = new WriteRequestReader().read(buf);
    for (const step of [1, 7, 100, 4096]) {
      expect(await new WriteRequestReader().readGrowing(growing(buf, step), 0, 512)).toEqual(whole);
      expect(await new WriteRequestReader().readGrowing(growing(buf, step, true), 1000, 512)).toEqual(whole);
    }
  });

  it('stops a growing read at the series limit without asking for the rest of the body', async () => {
    const buf = encodeWriteRequest({
      timeseries: Array.from({ length: 3000 }, (_, i) => ({ labels: pbLabels({ __name__: 'x', n: String(i) }), samples: [{ value: 1, timestamp: 1 }] })),
    });
    const body = growing(buf, 256);
    await expect(new WriteRequestReader().readGrowing(body, 100)).rejects.toThrow(new LimitExceededError('request has more than 100 series, the limit', 'series_limit', 100, 101));
    // 101 series of about 20 bytes each, plus one step of lookahead.
    expect(body.available).toBeLessThan(buf.length / 10);
  });

  it('counts the series of a growing body before decoding any, so one over the limit is refused whatever its series hold', async () => {
    const good = encodeWriteRequest({
      timeseries: Array.from({ length: 200 }, (_, i) => ({ labels: pbLabels({ __name__: 'x', n: String(i) }), samples: [{ value: 1, timestamp: 1 }] })),
    });
    // A first series whose label is a truncated message: decoding it fails, counting it does not.
    const corruptFirst = Buffer.concat([Buffer.from([0x0a, 3, 0x0a, 9, 0x0a]), good]);
    await expect(new WriteRequestReader().readGrowing(growing(corruptFirst, 64), 0)).rejects.toThrow(WriteRequestDecodeError);
    await expect(new WriteRequestReader().readGrowing(growing(corruptFirst, 64), 100)).rejects.toThrow(LimitExceededError);
  });

  it('refuses a growing body that ends inside a field with the decode error', async () => {
    const buf = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'cut' }), samples: [{ value: 1, timestamp: 1 }] }] });
    await expect(new WriteRequestReader().readGrowing(growing(buf.subarray(0, buf.length - 3), 2))).rejects.toThrow(WriteRequestDecodeError);
  });
});

/**
 * `buf` made available `step` bytes per `more()`, as a body decompressed while it is read; with
 * `moving`, each step hands out a new buffer holding only what is available, as a growing output.
 */
function growing(buf: Buffer, step: number, moving = false): GrowingBody {
  let available = 0;
  let bytes = moving ? Buffer.alloc(0) : buf;
  return {
    get bytes() {
      return bytes;
    },
    length: buf.length,
    get available() {
      return available;
    },
    more: async () => {
      await Promise.resolve();
      available = Math.min(buf.length, available + step);
      if (moving) bytes = Buffer.from(buf.subarray(0, available));
    },
  };
}
