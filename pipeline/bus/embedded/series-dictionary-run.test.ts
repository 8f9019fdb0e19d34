import fc from 'fast-check';
import { brotliCompressSync, constants } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { BusRecord } from '../bus.js';
import { encodeSampleBatch, encodeSampleBatchV2 } from '../../../schemas/sample-batch-codec.js';
import type { SeriesSamples } from '../../../schemas/sample.js';
import { encodeFrame } from './record-frame.js';
import { asDictionaryRun, decodeDictionaryRun, type SampleLayout } from './series-dictionary-run.js';

const MAX = 1 << 26;

function busRecord(offset: number, value: Buffer, over: Partial<BusRecord> = {}): BusRecord {
  return { topic: 'samples', partition: 3, offset, timestampMs: 1_700_000_000_000 + offset * 7, key: null, headers: {}, value, ...over };
}

const frameOf = (r: BusRecord): Buffer => encodeFrame({ offset: r.offset, timestampMs: r.timestampMs, key: r.key, headers: r.headers, value: r.value });

/** The dictionary form of `records`, decoded again: the records' frames, concatenated. */
async function roundTrip(records: readonly BusRecord[], layout: SampleLayout = 'chunks'): Promise<{ payload: Buffer | undefined; back: Buffer | undefined; raw: Buffer }> {
  const frames = records.map(frameOf);
  const raw = Buffer.concat(frames);
  const payload = await asDictionaryRun(records, frames, MAX, undefined, layout);
  if (payload === undefined) return { payload, back: undefined, raw };
  const back = await decodeDictionaryRun(payload, layout, records[0].offset, records.length, 'samples', 3, MAX);
  return { payload, back: Buffer.concat(back.map(frameOf)), raw };
}

/** Values of every kind a series may carry: integers, decimals, counters, and ones with no short decimal form. */
const valueArb = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.integer({ min: -1e8, max: 1e8 }).map((m) => m / 100),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.1 + 0.2, 2 ** 52, -(2 ** 53), Number.MIN_VALUE),
);
const labelsArb = fc.record({ __name__: fc.constantFrom('up', 'node_cpu_seconds_total', 'http_requests_total'), instance: fc.constantFrom('a:9100', 'b:9100', 'é\u0000"x'), job: fc.string({ maxLength: 6 }) });
const seriesArb = fc.array(
  fc.record({
    labels: labelsArb,
    samples: fc.array(fc.record({ t: fc.integer({ min: 0, max: 2 ** 45 }), v: valueArb }), { minLength: 1, maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 6 },
);
const batchArb = fc.tuple(seriesArb, fc.constantFrom('', 'remote-write', 'scrape/1'), fc.boolean()).map(([series, source, older]) =>
  // An older writer's batch (schema v2) decodes as well but rebuilds as v4: it must be kept as it is.
  (older ? encodeSampleBatchV2 : encodeSampleBatch)(
    {
      series: series.map((s): SeriesSamples => ({ labels: s.labels, timestamps: s.samples.map((x) => x.t), values: s.samples.map((x) => x.v), stale: [] })),
    },
    source,
  ),
);
/** A record of the run: a float sample batch, a batch with a staleness marker, or bytes of another kind. */
const valueOfRunArb = fc.oneof(
  { weight: 6, arbitrary: batchArb },
  {
    weight: 1,
    arbitrary: fc.constant(encodeSampleBatch({ series: [{ labels: { __name__: 'up' }, timestamps: [1, 2], values: [1, NaN], stale: [1] }] })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((u) => Buffer.from(u)) },
);

describe('series-dictionary run', () => {
  it.each(['chunks', 'columns'] as const)('gives back every record byte for byte with samples as %s: float batches rebuilt, every other record as it was', async (layout) => {
    let formed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            value: valueOfRunArb,
            key: fc.option(fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u))),
            headers: fc.dictionary(fc.constantFrom('a', 'b', '__proto__'), fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u)), { maxKeys: 2 }),
            timestampMs: fc.integer({ min: -8.64e15, max: 8.64e15 }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        fc.integer({ min: 0, max: 2 ** 40 }),
        async (rows, first) => {
          const records = rows.map((r, i) => busRecord(first + i, r.value, { key: r.key, headers: r.headers, timestampMs: r.timestampMs }));
          const { payload, back, raw } = await roundTrip(records, layout);
          if (payload === undefined) return;
          formed++;
          expect(back!.equals(raw)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    expect(formed).toBeGreaterThan(50);
  });

  it('keeps a batch that does not rebuild byte for byte (an older schema\'s) as its frame', async () => {
    const series: SeriesSamples[] = [{ labels: { __name__: 'up', job: 'x' }, timestamps: [1000], values: [1], stale: [] }];
    const { payload, back, raw } = await roundTrip([busRecord(1, encodeSampleBatchV2({ series }, 'old')), busRecord(2, encodeSampleBatch({ series }, 'new'))]);
    expect([payload![0], payload![1]]).toEqual([0, 1]); // kinds: kept, then batch
    expect(back!.equals(raw)).toBe(true);
  });

  it('keeps a record as its frame when the frame differs from what the record rebuilds to in any field', async () => {
    const batch = (v: number): Buffer => encodeSampleBatch({ series: [{ labels: { __name__: 'up', job: 'x' }, timestamps: [1000], values: [v], stale: [] }] }, 'scrape');
    const record = busRecord(2, batch(1), { key: Buffer.from('k'), headers: { a: Buffer.from('1'), b: Buffer.from('1') } });
    const variants: Partial<BusRecord>[] = [
      { timestampMs: record.timestampMs + 1 },
      { key: Buffer.from('K') },
      { key: null },
      { headers: { a: Buffer.from('1'), b: Buffer.from('3') } },
      { headers: { b: Buffer.from('1'), a: Buffer.from('1') } },
      { headers: { a: Buffer.from('1'), c: Buffer.from('1') } },
      { headers: { a: Buffer.from('1') } },
      { value: batch(2) },
    ];
    for (const over of variants) {
      const records = [busRecord(1, batch(5)), record];
      const frames = [frameOf(records[0]), frameOf({ ...record, ...over })];
      const payload = (await asDictionaryRun(records, frames, MAX))!;
      expect([payload[0], payload[1]]).toEqual([1, 0]); // kinds: the first rebuilt, the second kept as its frame
      const back = await decodeDictionaryRun(payload, 'chunks', 1, 2, 'samples', 3, MAX);
      expect(Buffer.concat(back.map(frameOf)).equals(Buffer.concat(frames))).toBe(true);
    }
    const same = [busRecord(1, batch(5)), record];
    expect([...(await asDictionaryRun(same, same.map(frameOf), MAX))!.subarray(0, 2)]).toEqual([1, 1]);
  });

  it('takes the form when a record is a float sample batch, and not when none is', async () => {
    const batch = encodeSampleBatch({ series: [{ labels: { __name__: 'up', job: 'x' }, timestamps: [1000, 16000], values: [1, 0.25], stale: [] }] }, 'scrape');
    const withBatch = await roundTrip([busRecord(5, Buffer.from('not a batch')), busRecord(6, batch)]);
    expect(withBatch.payload).toBeDefined();
    expect(withBatch.back!.equals(withBatch.raw)).toBe(true);
    expect((await roundTrip([busRecord(5, Buffer.from('not a batch')), busRecord(6, Buffer.alloc(0))])).payload).toBeUndefined();
  });

  it('writes a scrape series once per run: steady scrapes of the same series compress to a fraction of their frames', async () => {
    const series = Array.from({ length: 200 }, (_, s) => ({ __name__: 'node_cpu_seconds_total', cpu: String(s % 16), instance: `host-${Math.floor(s / 16)}:9100`, job: 'node', mode: 'idle' }));
    const records = Array.from({ length: 60 }, (_, step) =>
      busRecord(
        step,
        encodeSampleBatch({ series: series.map((labels, s) => ({ labels, timestamps: [1_700_000_000_000 + step * 15_000], values: [(s * 1000 + step * (s % 7) * 1.25) / 100], stale: [] })) }, 'remote-write'),
      ),
    );
    const { payload, back, raw } = await roundTrip(records);
    expect(back!.equals(raw)).toBe(true);
    const brotli = (b: Buffer): number => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).length;
    // The frames compressed together keep a sample's label references and 8 value bytes; the form keeps neither.
    expect(brotli(payload!)).toBeLessThan(brotli(raw) / 2);
    // Series by series, a steady scrape's timestamps and a counter's steps pack into a chunk's bits.
    const columns = await roundTrip(records, 'columns');
    expect(columns.back!.equals(raw)).toBe(true);
    expect(brotli(payload!)).toBeLessThan(brotli(columns.payload!));
  });

  it('cuts a series into chunks where its records repeat or go back in time, and rebuilds them', async () => {
    const labels = { __name__: 'up', job: 'x' };
    const batch = (ts: number[], vs: number[]): Buffer => encodeSampleBatch({ series: [{ labels, timestamps: ts, values: vs, stale: [] }] }, 'remote-write');
    // A resent request (the same samples again), an older sample after newer ones, and a value of no short decimal form.
    const records = [batch([1000, 2000], [1, 2]), batch([3000], [3]), batch([1000, 2000], [1, 2]), batch([500], [0.1 + 0.2]), batch([4000, 4000], [4, 5])].map((v, i) => busRecord(i, v));
    const { payload, back, raw } = await roundTrip(records);
    expect([...payload!.subarray(0, records.length)]).toEqual([1, 1, 1, 1, 1]);
    expect(back!.equals(raw)).toBe(true);
  });

  it('waits for giveWay between the slices of its work, and builds the same form', async () => {
    const records = Array.from({ length: 8 }, (_, step) =>
      busRecord(step, encodeSampleBatch({ series: [{ labels: { __name__: 'up', job: String(step % 3) }, timestamps: [1000 * step], values: [step], stale: [] }] }, 'scrape')),
    );
    const frames = records.map(frameOf);
    const plain = await asDictionaryRun(records, frames, MAX);
    // Every reading of the clock 10 ms later than the last: each step of the work is a slice of its own.
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 10));
    try {
      let calls = 0;
      let release: () => void = () => {};
      let held = true;
      const giveWay = (): Promise<void> => {
        calls++;
        if (!held) return Promise.resolve();
        return new Promise<void>((resolve) => (release = () => { held = false; resolve(); }));
      };
      let settled = false;
      const pending = asDictionaryRun(records, frames, MAX, giveWay).then((p) => {
        settled = true;
        return p;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(calls).toBe(1);
      expect(settled).toBe(false);
      release();
      const form = await pending;
      expect(calls).toBeGreaterThan(records.length);
      expect(form!.equals(plain!)).toBe(true);
    } finally {
      now.mockRestore();
    }
  });

  it('refuses a damaged form with the reason', async () => {
    const batch = encodeSampleBatch({ series: [{ labels: { __name__: 'up' }, timestamps: [1000], values: [1], stale: [] }] });
    const records = [busRecord(9, batch), busRecord(10, Buffer.from('kept'))];
    const frames = records.map(frameOf);
    const payload = (await asDictionaryRun(records, frames, MAX))!;
    expect((await decodeDictionaryRun(payload, 'chunks', 9, 2, 't', 0, MAX)).map((r) => r.offset)).toEqual([9, 10]);
    await expect(decodeDictionaryRun(Buffer.concat([payload, Buffer.from([0])]), 'chunks', 9, 2, 't', 0, MAX)).rejects.toThrow(/run from offset 9: 1 bytes after its sections/);
    await expect(decodeDictionaryRun(payload.subarray(0, payload.length - 3), 'chunks', 9, 2, 't', 0, MAX)).rejects.toThrow(/run from offset 9/);
    const unknownKind = Buffer.from(payload);
    unknownKind[0] = 7;
    await expect(decodeDictionaryRun(unknownKind, 'chunks', 9, 2, 't', 0, MAX)).rejects.toThrow('run from offset 9: record 0 of unknown kind 7');
    // Offset 10 is where the kept frame says it is; the run claims to start elsewhere.
    await expect(decodeDictionaryRun(payload, 'chunks', 20, 2, 't', 0, MAX)).rejects.toThrow('run from offset 20: record 1 has offset 10');
    // Read as the other layout, the sections do not add up.
    await expect(decodeDictionaryRun(payload, 'columns', 9, 2, 't', 0, MAX)).rejects.toThrow(/run from offset 9/);
  });

  it('refuses series chunks that do not hold what the records name', async () => {
    const up = (vs: number[]): Buffer => encodeSampleBatch({ series: [{ labels: { __name__: 'up' }, timestamps: vs.map((_, i) => 1000 * (i + 1)), values: vs, stale: [] }] });
    const payloadOf = async (value: Buffer): Promise<Buffer> => (await asDictionaryRun([busRecord(9, value)], [frameOf(busRecord(9, value))], MAX))!;
    const one = await payloadOf(up([1]));
    // Where the chunk section (the sixth, after one record kind; every section here shorter than 128 bytes) starts.
    const sectionStart = (p: Buffer): number => {
      let pos = 1; // one record kind
      for (let s = 0; s < 5; s++) pos += 1 + p[pos];
      return pos + 1;
    };
    const badEncoding = Buffer.from(one);
    badEncoding[sectionStart(one) + 1] = 7;
    await expect(decodeDictionaryRun(badEncoding, 'chunks', 9, 1, 't', 0, MAX)).rejects.toThrow('run from offset 9: series 0 has a chunk of encoding 7');
    // The record says one sample; chunks of two (spliced in from another run) hold one more.
    const two = await payloadOf(up([1, 2]));
    const withTwo = Buffer.concat([one.subarray(0, sectionStart(one) - 1), two.subarray(sectionStart(two) - 1)]);
    await expect(decodeDictionaryRun(withTwo, 'chunks', 9, 1, 't', 0, MAX)).rejects.toThrow('run from offset 9: series 0 has 1 samples in its chunks that no record holds');
  });
});
