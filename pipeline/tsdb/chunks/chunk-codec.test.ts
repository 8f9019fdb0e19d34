import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeInto, encodeBest } from './chunk-codec.js';
import { ENCODING_DECIMAL, encodeDecimal } from './decimal-chunk.js';
import { SampleBuffer } from './sample-buffer.js';
import { ENCODING_XOR, XorChunk, XorIterator } from './xor-chunk.js';

interface Cols {
  t: number[];
  v: number[];
  s: number[];
}

function decode(encoding: number, bytes: Uint8Array, mint = -Infinity, maxt = Infinity): SampleBuffer {
  const buf = new SampleBuffer(4);
  buf.pushEncoded(encoding, bytes, mint, maxt);
  return buf;
}

function expectSame(buf: SampleBuffer, c: Cols, from = 0, to = c.t.length): void {
  expect(buf.length).toBe(to - from);
  for (let i = from; i < to; i++) {
    const k = i - from;
    expect(buf.t[k]).toBe(c.t[i]);
    expect(buf.s[k]).toBe(c.s[i]);
    if (c.s[i] === 0) expect(Object.is(buf.v[k], c.v[i]) || (Number.isNaN(buf.v[k]) && Number.isNaN(c.v[i]))).toBe(true);
  }
}

const decimalValue = fc.oneof(
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.integer({ min: -1e9, max: 1e9 }).map((x) => x / 100),
  fc.integer({ min: 0, max: 1e6 }).map((x) => x / 1000),
  fc.constantFrom(0, 1, 0.1, 0.005, 4096 * 1234567, 1e-9, 123456.78),
);

function columns(start: number, raw: { gap: number; v: number; stale: boolean }[]): Cols {
  let t = start;
  const c: Cols = { t: [], v: [], s: [] };
  for (const r of raw) {
    c.t.push((t += r.gap));
    c.v.push(r.v);
    c.s.push(r.stale ? 1 : 0);
  }
  return c;
}

describe('chunk codecs', () => {
  it('round-trips decimal-valued samples through the decimal encoding exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 44), max: 2 ** 44 }),
        fc.integer({ min: 0, max: 9 }),
        fc.array(fc.record({ gap: fc.oneof(fc.constant(15_000), fc.integer({ min: 1, max: 2 ** 36 })), m: fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: -9, max: 9 })), stale: fc.boolean() }), { minLength: 1, maxLength: 300 }),
        (start, scale, raw) => {
          const c = columns(start, raw.map((r) => ({ gap: r.gap, v: r.m / 10 ** scale, stale: r.stale })));
          const bytes = encodeDecimal(c.t, c.v, c.s);
          expect(bytes).not.toBeNull();
          expectSame(decode(ENCODING_DECIMAL, bytes!), c);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips whatever mix of decimals it accepts', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 1, max: 60_000 }), v: decimalValue, stale: fc.boolean() }), { minLength: 1, maxLength: 200 }), (raw) => {
        const c = columns(0, raw);
        const bytes = encodeDecimal(c.t, c.v, c.s);
        if (bytes !== null) expectSame(decode(ENCODING_DECIMAL, bytes), c);
        else expect(c.v.some((v, i) => c.s[i] === 0 && !Number.isInteger(v))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads timestamps and staleness alone, as a full decode gives them, when the values are unused', () => {
    fc.assert(
      fc.property(
        // A ramp of mantissas is stored as deltas of deltas, noise as deltas: both value layouts.
        fc.boolean(),
        fc.array(fc.record({ gap: fc.oneof(fc.constant(15_000), fc.integer({ min: 1, max: 2 ** 30 })), m: fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), stale: fc.boolean() }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (ramp, raw, a, b) => {
          const c = columns(1_700_000_000_000, raw.map((r, i) => ({ gap: r.gap, v: ramp ? (i * 7919) / 100 : r.m / 100, stale: r.stale })));
          const bytes = encodeDecimal(c.t, c.v, c.s)!;
          const mint = c.t[Math.min(a, c.t.length - 1)];
          const maxt = c.t[Math.min(Math.max(a, b), c.t.length - 1)];
          const full = decode(ENCODING_DECIMAL, bytes, mint, maxt);
          const times = new SampleBuffer(4);
          times.valuesUnused = true;
          times.pushEncoded(ENCODING_DECIMAL, bytes, mint, maxt);
          expect(times.length).toBe(full.length);
          expect(times.staleCount).toBe(full.staleCount);
          expect(Array.from(times.t.subarray(0, times.length))).toEqual(Array.from(full.t.subarray(0, full.length)));
          expect(Array.from(times.s.subarray(0, times.length))).toEqual(Array.from(full.s.subarray(0, full.length)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads an XOR chunk\'s timestamps and staleness alone, as a full decode gives them, when the values are unused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.oneof(fc.constant(15_000), fc.integer({ min: 1, max: 2 ** 30 })), v: fc.double(), stale: fc.boolean() }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 120 }),
        (raw, a, b) => {
          const c = columns(1_700_000_000_000, raw);
          const bytes = XorChunk.encode(c.t, c.v, c.s).bytes;
          const mint = c.t[Math.min(a, c.t.length - 1)];
          const maxt = c.t[Math.min(Math.max(a, b), c.t.length - 1)];
          const full = decode(ENCODING_XOR, bytes, mint, maxt);
          const times = new SampleBuffer(4);
          times.valuesUnused = true;
          times.pushEncoded(ENCODING_XOR, bytes, mint, maxt);
          expect(times.length).toBe(full.length);
          expect(times.staleCount).toBe(full.staleCount);
          expect(Array.from(times.t.subarray(0, times.length))).toEqual(Array.from(full.t.subarray(0, full.length)));
          expect(Array.from(times.s.subarray(0, times.length))).toEqual(Array.from(full.s.subarray(0, full.length)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses values without an exact short decimal form so the caller keeps XOR', () => {
    for (const v of [NaN, Infinity, -0, Math.PI, 2 ** 60]) expect(encodeDecimal([1, 2], [1, v], null)).toBeNull();
  });

  it('picks the smaller encoding and reads both back, any values included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 60_000 }), v: fc.oneof(decimalValue, fc.double()), stale: fc.boolean() }), { minLength: 1, maxLength: 200 }),
        (raw) => {
          const c = columns(1_700_000_000_000, raw);
          const enc = encodeBest(c.t, c.v, c.s);
          const xor = XorChunk.encode(c.t, c.v, c.s).bytes;
          expect(enc.bytes.length).toBeLessThanOrEqual(xor.length);
          expect([enc.minT, enc.maxT]).toEqual([c.t[0], c.t[c.t.length - 1]]);
          expectSame(decode(enc.encoding, enc.bytes), c);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('chooses exactly as encoding both in full and keeping the smaller, the XOR encoding given or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 60_000 }), v: fc.oneof(decimalValue, fc.double(), fc.constant(7)), stale: fc.boolean() }), { minLength: 1, maxLength: 200 }),
        fc.boolean(),
        (raw, withStale) => {
          const c = columns(1_700_000_000_000, raw);
          const stale = withStale ? c.s : null;
          const xor = XorChunk.encode(c.t, c.v, stale).bytes;
          const dec = encodeDecimal(c.t, c.v, stale);
          const want = dec !== null && dec.length < xor.length ? { encoding: ENCODING_DECIMAL, bytes: dec } : { encoding: ENCODING_XOR, bytes: xor };
          for (const got of [encodeBest(c.t, c.v, stale), encodeBest(c.t, c.v, stale, 0, c.t.length, xor)]) {
            expect(got.encoding).toBe(want.encoding);
            expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodes a chunk to the same bytes whatever was encoded before, and leaves the bytes it returned alone', () => {
    const short = columns(1_700_000_000_000, [0.5, 7, 1.25].map((v) => ({ gap: 15_000, v, stale: false })));
    const long = columns(1_700_000_000_000, Array.from({ length: 300 }, (_, i) => ({ gap: 1 + ((i * 7919) % 60_000), v: (i * 104_729) % 1e6 / 1000 - 300, stale: i % 50 === 3 })));
    const first = encodeDecimal(short.t, short.v, null)!;
    const firstBest = encodeBest(short.t, short.v, null);
    const kept = Uint8Array.from(first);
    encodeDecimal(long.t, long.v, long.s);
    encodeBest(long.t, long.v, long.s);
    expect(Buffer.from(encodeDecimal(short.t, short.v, null)!).equals(Buffer.from(kept))).toBe(true);
    expect(Buffer.from(first).equals(Buffer.from(kept))).toBe(true);
    const again = encodeBest(short.t, short.v, null);
    expect(again.encoding).toBe(firstBest.encoding);
    expect(Buffer.from(again.bytes).equals(Buffer.from(firstBest.bytes))).toBe(true);
    expectSame(decode(again.encoding, again.bytes), short);
  });

  it('decodes XOR chunks word-at-a-time to the same samples as the iterator', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.oneof(fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 1, max: 2 ** 40 })), v: fc.double(), stale: fc.boolean() }), { minLength: 1, maxLength: 150 }), (raw) => {
        const c = columns(-(2 ** 41), raw);
        const bytes = XorChunk.encode(c.t, c.v, c.s).bytes;
        const it = new XorIterator(bytes);
        const want: Cols = { t: [], v: [], s: [] };
        while (it.next()) {
          want.t.push(it.t);
          want.v.push(it.v);
          want.s.push(it.stale ? 1 : 0);
        }
        expectSame(decode(ENCODING_XOR, bytes), want);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps only the samples inside [mint, maxt] in both encodings', () => {
    const c: Cols = { t: [], v: [], s: [] };
    for (let i = 0; i < 100; i++) {
      c.t.push(i * 1000);
      c.v.push(i * 1.5);
      c.s.push(0);
    }
    for (const encoding of [ENCODING_XOR, ENCODING_DECIMAL]) {
      const bytes = encoding === ENCODING_XOR ? XorChunk.encode(c.t, c.v, c.s).bytes : encodeDecimal(c.t, c.v, c.s)!;
      expectSame(decode(encoding, bytes, 10_500, 20_000), c, 11, 21);
    }
  });

  it('packs a regular scrape of a steady counter into under a byte per sample', () => {
    const c: Cols = { t: [], v: [], s: [] };
    for (let i = 0; i < 1440; i++) {
      c.t.push(1_700_000_000_000 + i * 15_000);
      c.v.push(Math.round((1e6 + i * 14.9 + (i % 3) * 0.03) * 100) / 100);
      c.s.push(0);
    }
    const enc = encodeBest(c.t, c.v, null);
    expect(enc.encoding).toBe(ENCODING_DECIMAL);
    expect(enc.bytes.length).toBeLessThan(1440);
    expectSame(decode(enc.encoding, enc.bytes), c);
  });

  it('hands out decoded columns without copying and starts over with fresh arrays', () => {
    const buf = new SampleBuffer(4);
    const bytes = encodeDecimal([1, 2, 3], [1, 2, 3], null)!;
    buf.resetFor(3);
    decodeInto(ENCODING_DECIMAL, bytes, buf, 0, 10);
    const cols = buf.take(3);
    expect(Array.from(cols.values)).toEqual([1, 2, 3]);
    expect(cols.stale).toBeNull();
    expect(buf.t).not.toBe(cols.timestamps);
    expect(buf.length).toBe(0);
  });
});
