import { FastBitReader } from './fast-bit-reader.js';
import { joinFloat, STALE_HI, STALE_LO } from './float-bits.js';
import type { SampleTarget } from './sample-target.js';

const TWO32 = 4294967296;
const reader = new FastBitReader(new Uint8Array(0));

/**
 * Decodes a whole XOR chunk straight into the target's columns (capacity reserved by the caller
 * for the header's sample count), keeping the samples in [mint, maxt]. The same bit layout as
 * `XorIterator`, without a per-sample call chain: this is the select hot path. Returns the bits
 * read, header included: past `bytes.length * 8` when the chunk was cut short (the reader reads
 * zeros past the end), which a caller without a checksum checks.
 */
export function decodeXorInto(bytes: Uint8Array, out: SampleTarget, mint: number, maxt: number): number {
  return decodeXorFrom(bytes, null, 0, out, mint, maxt);
}

/**
 * `decodeXorInto` from the resume point (xor-resume.ts) at offset `at` of `points`, which the
 * appender of `bytes` kept, or from the first sample when `points` is null: the samples before
 * the point are not read. The caller picks a point whose previous sample is before `mint`
 * (resumePointBefore), so no sample in range is skipped; the target needs room for the samples
 * from the point on only.
 */
export function decodeXorFrom(bytes: Uint8Array, points: Float64Array | null, at: number, out: SampleTarget, mint: number, maxt: number): number {
  const n = bytes.length >= 2 ? (bytes[0] << 8) | bytes[1] : 0;
  if (n === 0) return 16;
  const r = reader;
  const ot = out.t;
  const ov = out.v;
  const os = out.s;
  let k = out.length;
  const first = k;
  let stale = 0;
  let t: number;
  // The value's words as signed 32-bit integers: unsigned ones of 2^31 and more were heap numbers,
  // most of what decoding allocated.
  let hi: number;
  let lo: number;
  let tDelta = 0;
  let leading = 0;
  let trailing = 0;
  // The loop starts at the first sample, or at the point's previous one (decoded, before mint).
  let i = 0;
  // Values nobody reads (SampleTarget.valuesUnused) are not joined: a join (two 32-bit stores
  // read back as one float64) took about a tenth of a sample's decoding.
  const valuesUnused = out.valuesUnused === true;
  if (points === null) {
    r.reset(bytes, 16);
    t = r.varint();
    hi = r.read32s();
    lo = r.read32s();
  } else {
    // Small integers as int32 (`| 0`): read as doubles they made V8 compile the loop's counters and
    // shifts for doubles, and a whole chunk's decoding 30 % slower.
    i = (points[at] | 0) - 1;
    if (i + 1 >= n) return 16;
    r.reset(bytes, points[at + 1] | 0);
    t = points[at + 2];
    tDelta = points[at + 3];
    hi = points[at + 4] | 0;
    lo = points[at + 5] | 0;
    leading = points[at + 6] | 0;
    trailing = points[at + 7] | 0;
  }
  for (;;) {
    if (t >= mint) {
      if (t > maxt) break;
      ot[k] = t;
      if (hi === STALE_HI && lo === STALE_LO) {
        os[k] = 1;
        ov[k] = joinFloat(hi, lo);
        stale++;
      } else {
        os[k] = 0;
        if (!valuesUnused) ov[k] = joinFloat(hi, lo);
      }
      k++;
    }
    if (++i >= n) break;
    if (i === 1) {
      tDelta = r.uvarint();
    } else if (r.bit() !== 0) {
      let dod: number;
      if (r.bit() === 0) dod = signExtend(r.read(14), 14);
      else if (r.bit() === 0) dod = signExtend(r.read(17), 17);
      else if (r.bit() === 0) dod = signExtend(r.read(20), 20);
      else dod = r.read32s() * TWO32 + (r.read32s() >>> 0);
      tDelta += dod;
    }
    t += tDelta;
    if (r.bit() !== 0) {
      if (r.bit() !== 0) {
        leading = r.read(5);
        let sig = r.read(6);
        if (sig === 0) sig = 64;
        trailing = 64 - leading - sig;
      }
      const sig = 64 - leading - trailing;
      let xh = 0;
      let xl: number;
      if (sig > 32) {
        xh = sig === 64 ? r.read32s() : r.read(sig - 32);
        xl = r.read32s();
      } else {
        xl = sig === 32 ? r.read32s() : r.read(sig);
      }
      const s = trailing;
      if (s >= 32) {
        xh = xl << (s - 32);
        xl = 0;
      } else if (s > 0) {
        xh = (xh << s) | (xl >>> (32 - s));
        xl = xl << s;
      }
      hi ^= xh;
      lo ^= xl;
    }
  }
  if (k > first && first > 0 && ot[first] <= ot[first - 1]) out.unsorted = true;
  out.length = k;
  out.staleCount += stale;
  return r.pos;
}

function signExtend(bits: number, n: number): number {
  return bits > 1 << (n - 1) ? bits - (1 << n) : bits;
}
