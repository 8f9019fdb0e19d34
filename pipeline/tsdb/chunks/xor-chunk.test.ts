import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SampleBuffer } from './sample-buffer.js';
import { XorAppender, XorChunk, XorIterator } from './xor-chunk.js';
import { decodeXorInto } from './xor-decode.js';

interface Sample {
  t: number;
  v: number;
  stale: boolean;
}

function roundTrip(samples: Sample[]): Sample[] {
  const a = new XorAppender(8);
  for (const s of samples) a.append(s.t, s.v, s.stale);
  const it = new XorIterator(a.bytes());
  const out: Sample[] = [];
  while (it.next()) out.push({ t: it.t, v: it.v, stale: it.stale });
  return out;
}

function expectSame(out: Sample[], inp: Sample[]): void {
  expect(out.length).toBe(inp.length);
  for (let i = 0; i < inp.length; i++) {
    expect(out[i].t).toBe(inp[i].t);
    expect(out[i].stale).toBe(inp[i].stale);
    if (!inp[i].stale) expect(Object.is(out[i].v, inp[i].v) || (Number.isNaN(out[i].v) && Number.isNaN(inp[i].v))).toBe(true);
  }
}

const sampleArb = fc.record({
  gap: fc.oneof(fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 1, max: 2 ** 40 })),
  v: fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE)),
  stale: fc.boolean(),
});

describe('XOR chunk', () => {
  it('round-trips random timestamps, values and staleness markers exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.array(sampleArb, { minLength: 1, maxLength: 150 }), (start, raw) => {
        let t = start;
        const samples = raw.map((s) => ({ t: (t += s.gap), v: s.v, stale: s.stale }));
        expectSame(roundTrip(samples), samples);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps NaN, +Inf, -Inf and -0 distinct from the staleness marker', () => {
    const samples: Sample[] = [
      { t: 1000, v: NaN, stale: false },
      { t: 2000, v: 0, stale: true },
      { t: 3000, v: Infinity, stale: false },
      { t: 4000, v: -Infinity, stale: false },
      { t: 5000, v: -0, stale: false },
      { t: 6000, v: NaN, stale: true },
    ];
    const out = roundTrip(samples);
    expectSame(out, samples);
    expect(out[0].stale).toBe(false);
    expect(Number.isNaN(out[1].v)).toBe(true);
    expect(Object.is(out[4].v, -0)).toBe(true);
  });

  it('writes the staleness marker as the exact bit pattern 0x7ff0000000000002', () => {
    const a = new XorAppender();
    a.append(0, 0, true);
    const bytes = a.bytes();
    // header (2 bytes) + zigzag varint of 0 (1 byte) + raw 64-bit value
    expect(Array.from(bytes.subarray(3, 11))).toEqual([0x7f, 0xf0, 0, 0, 0, 0, 0, 2]);
  });

  it('packs a regular scrape of equal values into about two bits per sample', () => {
    const a = new XorAppender();
    for (let i = 0; i < 120; i++) a.append(1_700_000_000_000 + i * 15_000, 42, false);
    const bytes = a.bytes();
    // 19 bytes for the header and first two samples, then 2 bits per sample
    expect(bytes.length).toBeLessThanOrEqual(19 + Math.ceil((118 * 2) / 8));
    const out = roundTrip(Array.from({ length: 120 }, (_, i) => ({ t: 1_700_000_000_000 + i * 15_000, v: 42, stale: false })));
    expect(out.every((s) => s.v === 42)).toBe(true);
  });

  it('survives gaps larger than 32 bits of milliseconds in both directions of the delta', () => {
    const samples: Sample[] = [
      { t: 0, v: 1, stale: false },
      { t: 10, v: 2, stale: false },
      { t: 10 + 2 ** 42, v: 3, stale: false },
      { t: 11 + 2 ** 42, v: 4, stale: false },
      { t: 2 ** 52, v: 5, stale: false },
    ];
    expectSame(roundTrip(samples), samples);
  });

  it('encodes from column arrays and reports the sample count and range', () => {
    const ts = [10, 20, 30];
    const c = XorChunk.encode(ts, [1, 2, 3], [0, 1, 0]);
    expect(c.numSamples).toBe(3);
    expect([c.minT, c.maxT]).toEqual([10, 30]);
    const it = c.iterator();
    const stale: boolean[] = [];
    while (it.next()) stale.push(it.stale);
    expect(stale).toEqual([false, true, false]);
  });
});

/**
 * Prometheus' XOR chunk encoding (tsdb/chunkenc/xor.go) written the plain way, one bit at a time
 * over BigInts: what the appender's word-at-a-time writes must produce byte for byte.
 */
function referenceXorBytes(samples: readonly Sample[]): Uint8Array {
  return referenceXor(samples).bytes;
}

/** Bits of the reference encoding after the 2-byte count. */
function referenceBitLength(samples: readonly Sample[]): number {
  return referenceXor(samples).bits;
}

function referenceXor(samples: readonly Sample[]): { bytes: Uint8Array; bits: number } {
  const bits: number[] = [];
  const put = (v: bigint, n: number): void => {
    for (let i = n - 1; i >= 0; i--) bits.push(Number((v >> BigInt(i)) & 1n));
  };
  const uvarint = (x: bigint): void => {
    let v = x;
    while (v >= 0x80n) {
      put((v & 0x7fn) | 0x80n, 8);
      v >>= 7n;
    }
    put(v, 8);
  };
  const f = new DataView(new ArrayBuffer(8));
  const word = (s: Sample): bigint => {
    if (s.stale) return 0x7ff0000000000002n;
    f.setFloat64(0, s.v);
    return f.getBigUint64(0);
  };
  const clz = (x: bigint): number => 64 - x.toString(2).length;
  const ctz = (x: bigint): number => x.toString(2).length - 1 - x.toString(2).lastIndexOf('1');
  let prevT = 0n;
  let prevDelta = 0n;
  let prevV = 0n;
  let leading = 0xff;
  let trailing = 0;
  samples.forEach((s, n) => {
    const t = BigInt(s.t);
    const v = word(s);
    if (n === 0) {
      uvarint(t >= 0n ? t * 2n : -t * 2n - 1n);
      put(v, 64);
    } else {
      const delta = t - prevT;
      if (n === 1) uvarint(delta);
      else {
        const dod = delta - prevDelta;
        // [prefix, its bits, bits of the delta of deltas] of the first bucket that holds it.
        const buckets: [bigint, number, number, bigint][] = [[0b10n, 2, 14, 8192n], [0b110n, 3, 17, 65536n], [0b1110n, 4, 20, 524288n], [0b1111n, 4, 64, 2n ** 64n]];
        if (dod === 0n) put(0n, 1);
        else {
          const [prefix, pn, bn] = buckets.find(([, , , max]) => dod > -max && dod <= max)!;
          put(prefix, pn);
          put(dod & ((1n << BigInt(bn)) - 1n), bn);
        }
      }
      prevDelta = delta;
      const x = v ^ prevV;
      if (x === 0n) put(0n, 1);
      else {
        put(1n, 1);
        let l = clz(x);
        const tr = ctz(x);
        if (l >= 32) l = 31;
        if (leading !== 0xff && l >= leading && tr >= trailing) {
          put(0n, 1);
          put(x >> BigInt(trailing), 64 - leading - trailing);
        } else {
          leading = l;
          trailing = tr;
          put(1n, 1);
          put(BigInt(l), 5);
          const sig = 64 - l - tr;
          put(BigInt(sig & 63), 6);
          put(x >> BigInt(tr), sig);
        }
      }
    }
    prevT = t;
    prevV = v;
  });
  const out = new Uint8Array(2 + Math.ceil(bits.length / 8));
  out[0] = samples.length >>> 8;
  out[1] = samples.length & 0xff;
  bits.forEach((b, i) => (out[2 + (i >>> 3)] |= b << (7 - (i & 7))));
  return { bytes: out, bits: bits.length };
}

describe('XOR chunk bytes', () => {
  it('are byte for byte those of Prometheus\' encoding written one bit at a time', () => {
    const gapArb = fc.oneof(
      fc.constant(15_000), // equal deltas: the 1-bit bucket
      fc.integer({ min: 15_000 - 8191, max: 15_000 + 8192 }),
      fc.integer({ min: 1, max: 80_000 }),
      fc.integer({ min: 1, max: 600_000 }),
      fc.integer({ min: 1, max: 2 ** 40 }),
    );
    const valueArb = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, 1.5, 2, NaN, Infinity), fc.integer({ min: 0, max: 1000 }).map((i) => i / 4));
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.array(fc.record({ gap: gapArb, v: valueArb, stale: fc.integer({ min: 0, max: 19 }).map((i) => i === 0) }), { minLength: 1, maxLength: 120 }), (start, raw) => {
        let t = start;
        const samples = raw.map((s) => ({ t: (t += s.gap), v: s.v, stale: s.stale }));
        const a = new XorAppender(8);
        for (const s of samples) a.append(s.t, s.v, s.stale);
        expect(Buffer.from(a.bytes()).toString('hex')).toBe(Buffer.from(referenceXorBytes(samples)).toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('are the same appended as columns as one by one, and decode into columns bit for bit', () => {
    const wordArb = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 1, max: 2 ** 40 }), words: wordArb }), { minLength: 1, maxLength: 120 }), (raw) => {
        let t = 1_700_000_000_000;
        const ts = raw.map((s) => (t += s.gap));
        // Any 64-bit pattern, NaN payloads and negative numbers included.
        const vs = raw.map((s) => {
          u32[0] = s.words[0];
          u32[1] = s.words[1];
          return f64[0];
        });
        const one = new XorAppender(8);
        ts.forEach((x, i) => one.append(x, vs[i], false));
        const run = new XorAppender(8);
        run.appendRun(ts, vs, 0, ts.length);
        expect(Buffer.from(run.bytes()).equals(Buffer.from(one.bytes()))).toBe(true);
        const buf = new SampleBuffer(ts.length);
        decodeXorInto(run.bytes(), buf, -Infinity, Infinity);
        expect(Array.from(buf.t.subarray(0, buf.length))).toEqual(ts);
        const bits = (x: number) => {
          f64[0] = x;
          return `${u32[1]}:${u32[0]}`;
        };
        expect(Array.from(buf.v.subarray(0, buf.length), bits)).toEqual(vs.map(bits));
      }),
      { numRuns: 300 },
    );
  });

  it('are byte for byte Prometheus\' encoding for scrape-shaped series, read at any point and after the appender starts over', () => {
    // Counters (with resets), gauges that repeat or move by a few decimals, and the odd special
    // value, on a 15 s scrape with jitter, gaps and the occasional huge jump.
    const gapArb = fc.oneof(
      { weight: 8, arbitrary: fc.constant(15_000) },
      { weight: 3, arbitrary: fc.integer({ min: 14_000, max: 16_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_600_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 42 }) },
    );
    const stepArb = fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 5000 }) },
      { weight: 2, arbitrary: fc.integer({ min: -500, max: 500 }).map((i) => i / 100) },
      { weight: 1, arbitrary: fc.double({ noNaN: true }) },
    );
    const specialArb = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e300, -1e-300, 2 ** 53);
    const sampleArb = fc.record({
      gap: gapArb,
      step: stepArb,
      kind: fc.oneof({ weight: 30, arbitrary: fc.constant('step' as const) }, fc.constant('reset' as const), fc.constant('stale' as const), fc.constant('special' as const)),
      special: specialArb,
    });
    const seriesArb = fc.record({ start: fc.integer({ min: 0, max: 2 ** 44 }), first: fc.oneof(fc.constant(0), fc.double({ noNaN: true }), fc.integer({ min: 0, max: 1e9 })), raw: fc.array(sampleArb, { minLength: 1, maxLength: 120 }) });
    const shape = (x: { start: number; first: number; raw: { gap: number; step: number; kind: string; special: number }[] }): Sample[] => {
      let t = x.start;
      let v = x.first;
      return x.raw.map((r) => {
        t += r.gap;
        if (r.kind === 'stale') return { t, v: 0, stale: true };
        if (r.kind === 'special') return { t, v: r.special, stale: false };
        v = r.kind === 'reset' ? 0 : v + r.step;
        return { t, v, stale: false };
      });
    };
    fc.assert(
      fc.property(seriesArb, seriesArb, fc.integer({ min: 1, max: 64 }), (x, y, initial) => {
        const a = new XorAppender(initial);
        const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
        for (const samples of [shape(x), shape(y)]) {
          a.reset();
          samples.forEach((s, i) => {
            a.append(s.t, s.v, s.stale);
            // The view holds the count written so far, mid-chunk as at its end.
            if (i % 7 === 0 || i === samples.length - 1) expect(hex(a.view())).toBe(hex(referenceXorBytes(samples.slice(0, i + 1))));
          });
          expect(hex(a.bytes())).toBe(hex(referenceXorBytes(samples)));
          expect(a.bitLength).toBe(16 + (referenceBitLength(samples)));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('are byte for byte Prometheus\' encoding for every width and place of the XOR window, new and reused, past 255 samples', () => {
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    const word = (hi: number, lo: number): number => {
      u32[LE ? 1 : 0] = hi;
      u32[LE ? 0 : 1] = lo;
      return f64[0];
    };
    // Bits [trailing, trailing + width) set: a value, the same XOR-ed with it (a new window),
    // back (the window reused), and once more (reused again).
    const samples: Sample[] = [];
    let t = 1_700_000_000_000;
    for (let width = 1; width <= 64; width++) {
      for (const trailing of new Set([0, 1, 7, 31, 32, 33, 64 - width])) {
        if (trailing + width > 64) continue;
        let hi = 0;
        let lo = 0;
        for (let b = trailing; b < trailing + width; b++) {
          if (b >= 32) hi |= 1 << (b - 32);
          else lo |= 1 << b;
        }
        for (const v of [word(0x40000000, 0), word((0x40000000 ^ hi) >>> 0, lo >>> 0), word(0x40000000, 0), word((0x40000000 ^ hi) >>> 0, lo >>> 0)]) samples.push({ t: (t += 15_000), v, stale: false });
      }
    }
    expect(samples.length).toBeGreaterThan(255);
    const a = new XorAppender(16);
    for (const x of samples) a.append(x.t, x.v, x.stale);
    expect(Buffer.from(a.bytes()).toString('hex')).toBe(Buffer.from(referenceXorBytes(samples)).toString('hex'));
  });
});
