import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFrame, decodeFrame, encodeFrame, frameCodec, frameOffset, frameTimestamp } from './record-frame.js';

const MAX = 1 << 20;
const recordArb = fc.record({
  offset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  timestampMs: fc.integer({ min: -8.64e15, max: 8.64e15 }),
  key: fc.option(fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u))),
  headers: fc.dictionary(fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)), { maxKeys: 4 }),
  value: fc.uint8Array({ maxLength: 500 }).map((u) => Buffer.from(u)),
  codec: fc.constantFrom('none' as const, 'gzip' as const, 'lz4' as const),
});

describe('record frame', () => {
  it('decodes exactly what was encoded: offset, timestamp, key, headers, stored value and its codec', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const buf = encodeFrame(r);
        const check = checkFrame(buf, 0, MAX, true);
        expect(check).toEqual({ ok: true, length: buf.length });
        expect(frameOffset(buf, 0)).toBe(r.offset);
        expect(frameTimestamp(buf, 0)).toBe(r.timestampMs);
        expect(frameCodec(buf, 0)).toBe(r.codec);
        // A value stored as it is keeps the version 1 layout that older releases read.
        expect(buf[8]).toBe(r.codec === 'none' ? 1 : 2);
        const d = decodeFrame(buf, 0, 't', 3);
        expect(d.offset).toBe(r.offset);
        expect(d.timestampMs).toBe(r.timestampMs);
        expect(d.key === null ? null : [...d.key]).toEqual(r.key === null ? null : [...r.key]);
        expect(Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, [...v]]))).toEqual(
          Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, [...v]])),
        );
        expect([...d.value]).toEqual([...r.value]);
        expect(d.topic).toBe('t');
        expect(d.partition).toBe(3);
      }),
    );
  });

  it('reports a frame cut short anywhere as incomplete', () => {
    const buf = encodeFrame({ offset: 7, timestampMs: 1, key: null, headers: { a: Buffer.from('b') }, value: Buffer.from('hello') });
    for (let cut = 0; cut < buf.length; cut++) {
      const check = checkFrame(buf.subarray(0, cut), 0, MAX, true);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.incomplete).toBe(true);
    }
  });

  it('rejects a frame with any single byte flipped, compressed or not', () => {
    for (const codec of ['none', 'gzip', 'lz4'] as const) {
      const buf = encodeFrame({ offset: 7, timestampMs: 1, key: Buffer.from('k'), headers: undefined, value: Buffer.from('hello world'), codec });
      for (let i = 0; i < buf.length; i++) {
        const bad = Buffer.from(buf);
        bad[i] ^= 0x20;
        expect(checkFrame(bad, 0, MAX, true).ok).toBe(false);
      }
    }
  });

  it('rejects a compressed frame whose codec it does not know, naming the codec', () => {
    const buf = encodeFrame({ offset: 7, timestampMs: 1, key: null, headers: undefined, value: Buffer.from('x'), codec: 'gzip' });
    buf[8 + 17] = 9;
    expect(checkFrame(buf, 0, MAX, false)).toEqual({ ok: false, incomplete: false, reason: 'unknown value codec 9' });
  });

  it('rejects an implausible length without reading further', () => {
    const buf = encodeFrame({ offset: 0, timestampMs: 0, key: null, headers: undefined, value: Buffer.alloc(10) });
    buf.writeUInt32LE(0xffffff00, 0);
    expect(checkFrame(buf, 0, MAX, true)).toMatchObject({ ok: false, incomplete: false });
  });
});
