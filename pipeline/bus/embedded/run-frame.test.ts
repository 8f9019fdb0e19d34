import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFrame, encodeFrame, frameOffset, frameRecordCount, frameTimestamp, isRunFrame } from './record-frame.js';
import { compressRun, dictionaryRunFrame, inflateRun, recordsOfFrames, runFrame, runRecords } from './run-frame.js';
import { asDictionaryRun } from './series-dictionary-run.js';
import { encodeSampleBatch } from '../../../schemas/sample-batch-codec.js';

const MAX = 1 << 20;
const recordsArb = fc.array(
  fc.record({
    timestampMs: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    key: fc.option(fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u))),
    headers: fc.dictionary(fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)), { maxKeys: 4 }),
    value: fc.uint8Array({ maxLength: 500 }).map((u) => Buffer.from(u)),
  }),
  { minLength: 1, maxLength: 30 },
);

describe('run frame', () => {
  it('gives back every record of the run: offsets from the first on, timestamps, keys, headers and values', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, fc.integer({ min: 0, max: 2 ** 40 }), async (records, first) => {
        const frames = records.map((r, i) => encodeFrame({ ...r, offset: first + i }));
        const raw = Buffer.concat(frames);
        const frame = runFrame(raw, await compressRun(raw), first, records.length, Math.max(...records.map((r) => r.timestampMs)));
        expect(checkFrame(frame, 0, MAX, true)).toEqual({ ok: true, length: frame.length });
        expect(isRunFrame(frame, 0)).toBe(true);
        expect(frameOffset(frame, 0)).toBe(first);
        expect(frameRecordCount(frame, 0)).toBe(records.length);
        expect(frameTimestamp(frame, 0)).toBe(Math.max(...records.map((r) => r.timestampMs)));
        const back = await runRecords(frame, 0, 't', 2, MAX);
        expect(back.map((r) => [r.topic, r.partition, r.offset, r.timestampMs])).toEqual(records.map((r, i) => ['t', 2, first + i, r.timestampMs]));
        back.forEach((b, i) => {
          expect(b.key === null ? null : [...b.key]).toEqual(records[i].key === null ? null : [...records[i].key!]);
          expect(Object.fromEntries(Object.entries(b.headers).map(([k, v]) => [k, [...v]]))).toEqual(
            Object.fromEntries(Object.entries(records[i].headers).map(([k, v]) => [k, [...v]])),
          );
          expect([...b.value]).toEqual([...records[i].value]);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('is refused when a byte is flipped, and its records are refused when one is not a plain record frame', async () => {
    const frames = [0, 1, 2].map((i) => encodeFrame({ offset: 10 + i, timestampMs: i, key: null, headers: {}, value: Buffer.from(`value ${i} `.repeat(20)) }));
    const raw = Buffer.concat(frames);
    const frame = runFrame(raw, await compressRun(raw), 10, 3, 2);
    const flipped = Buffer.from(frame);
    flipped[flipped.length - 5] ^= 0x40;
    expect(checkFrame(flipped, 0, MAX, true)).toMatchObject({ ok: false, reason: 'checksum mismatch' });
    const compressedValue = encodeFrame({ offset: 13, timestampMs: 3, key: null, headers: {}, value: Buffer.from('x'), codec: 'lz4' });
    expect(() => recordsOfFrames(Buffer.concat([raw, compressedValue]), 't', 0, MAX)).toThrow(/record 3 of the run at byte \d+ is not a plain record frame/);
    expect(() => recordsOfFrames(Buffer.concat([raw, frame]), 't', 0, MAX)).toThrow(/not a plain record frame/);
  });

  it('inflates a run to its raw bytes, and refuses one whose inflated length is not the one its header says', async () => {
    const raw = Buffer.concat([0, 1, 2, 3].map((i) => encodeFrame({ offset: i, timestampMs: i, key: null, headers: {}, value: Buffer.from(`sample ${i} `.repeat(3000)) })));
    const compressed = await compressRun(raw);
    expect((await inflateRun(compressed, raw.length)).equals(raw)).toBe(true);
    await expect(inflateRun(compressed, raw.length - 1)).rejects.toThrow(`run inflates to ${raw.length} bytes, its header says ${raw.length - 1}`);
    await expect(inflateRun(compressed, raw.length + 1)).rejects.toThrow(`run inflates to ${raw.length} bytes, its header says ${raw.length + 1}`);
  });

  it.each([['chunks', 5], ['columns', 4]] as const)('a run in series-dictionary form with samples as %s (version %i) is one frame covering its records and gives them back as produced', async (layout, version) => {
    const batch = (t: number): Buffer => encodeSampleBatch({ series: [{ labels: { __name__: 'up', job: 'j' }, timestamps: [t], values: [1], stale: [] }] }, 'scrape');
    const records = [batch(1000), Buffer.from('other'), batch(16000)].map((value, i) => ({ topic: 't', partition: 1, offset: 40 + i, timestampMs: 7 + i, key: null, headers: {}, value }));
    const frames = records.map((r) => encodeFrame(r));
    const raw = Buffer.concat(frames);
    const dictionary = (await asDictionaryRun(records, frames, MAX, undefined, layout))!;
    const frame = dictionaryRunFrame(raw.length, dictionary, await compressRun(dictionary), 40, 3, 9, layout);
    expect(checkFrame(frame, 0, MAX, true)).toEqual({ ok: true, length: frame.length });
    expect(frame[8]).toBe(version);
    expect([isRunFrame(frame, 0), frameOffset(frame, 0), frameRecordCount(frame, 0), frameTimestamp(frame, 0)]).toEqual([true, 40, 3, 9]);
    const back = await runRecords(frame, 0, 't', 1, MAX);
    expect(Buffer.concat(back.map((r) => encodeFrame(r))).equals(raw)).toBe(true);
    const badCodec = Buffer.from(frame);
    badCodec[8 + 17] = 9;
    expect(checkFrame(badCodec, 0, MAX, false)).toMatchObject({ ok: false, reason: 'unknown run codec 9' });
  });
});
