import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BitReader, BitWriter } from './bstream.js';

describe('bit stream', () => {
  it('reads back single bits and multi-bit words written in any mix', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -1, max: 32 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 200 }), (ops) => {
        const w = new BitWriter(1);
        // n = -1: a zero bit through writeZeroBit.
        for (const [n, v] of ops) if (n < 0) w.writeZeroBit(); else w.writeBits(n === 32 ? v : v % 2 ** n, n);
        const r = new BitReader(w.finish(), 0, w.bitLength);
        for (const [n, v] of ops) expect(n < 0 ? r.readBit() : r.readBits(n)).toBe(n < 0 ? 0 : n === 32 ? v : v % 2 ** n);
        expect(r.remaining).toBe(0);
      }),
    );
  });

  it('writes 64-bit words as a hi/lo pair', () => {
    const w = new BitWriter();
    w.writeBit(1);
    w.writeBits64(0x7ff00000, 0x00000002, 64);
    w.writeBits64(0, 0x5, 3);
    const r = new BitReader(w.finish());
    expect(r.readBit()).toBe(1);
    expect(r.readBits(32)).toBe(0x7ff00000);
    expect(r.readBits(32)).toBe(2);
    expect(r.readBits(3)).toBe(5);
  });

  it('throws a RangeError instead of reading past the end', () => {
    const r = new BitReader(new Uint8Array([0xff]), 0, 4);
    expect(r.readBits(4)).toBe(15);
    expect(() => r.readBit()).toThrow(RangeError);
  });
});
