import { BitWriter } from './bstream.js';
import { FastBitReader } from './fast-bit-reader.js';
import { joinFloat, STALE_HI, STALE_LO } from './float-bits.js';
import type { SampleTarget } from './sample-target.js';

/**
 * The decimal chunk encoding (id 2, FORMAT.md): values as integer mantissas over one decimal
 * scale per chunk (`v = m / 10^k`, as VictoriaMetrics does), then delta or delta-of-delta, zigzag,
 * and bit-packed in groups of 16 with one width per group; timestamps as delta-of-delta packed
 * the same way. A regular scrape costs a few bits per chunk for its timestamps and a constant
 * series a few bits for its values. Returns null when a value has no exact short decimal form
 * (NaN, infinities, -0, more than 15 decimals, |m| > 2^50): the caller keeps XOR then.
 */
export const ENCODING_DECIMAL = 2;

const GROUP = 16;
const MAX_SCALE = 15;
const MAX_MANTISSA = 2 ** 50;
const POW10 = Array.from({ length: MAX_SCALE + 1 }, (_, i) => 10 ** i);
const POW10_F64 = Float64Array.from(POW10);

let zz = new Float64Array(256);
let mant = new Float64Array(256);
// One writer for every chunk (the result is a trimmed copy): a new one per chunk was a buffer
// allocated outside the heap each time.
const writer = new BitWriter(256);

export function encodeDecimal(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, from = 0, to = ts.length): Uint8Array | null {
  return encodeDecimalView(ts, vs, stale, from, to)?.slice() ?? null;
}

/**
 * encodeDecimal, the bytes a view of the encoder's own buffer, valid until the next encoding: for
 * a caller that copies them at once (the head's chunk arena), sparing a copy of its own.
 */
export function encodeDecimalView(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, from = 0, to = ts.length): Uint8Array | null {
  const n = to - from;
  if (n <= 0 || n > 0xffff) return null;
  if (mant.length < n) mant = new Float64Array(n * 2);
  if (zz.length < 2 * n) zz = new Float64Array(n * 2);
  const k = decimalScale(vs, stale, from, to);
  if (k < 0) return null;
  const p = POW10[k];
  let anyStale = false;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    if (stale !== null && stale[from + i] === 1) {
      anyStale = true;
      mant[i] = prev;
      continue;
    }
    const v = vs[from + i];
    const m = k === 0 ? v : Math.round(v * p);
    if ((k === 0 ? m : m / p) !== v || m > MAX_MANTISSA || m < -MAX_MANTISSA) return null;
    mant[i] = prev = m;
  }
  for (let i = 2; i < n; i++) {
    const dod = ts[from + i] - 2 * ts[from + i - 1] + ts[from + i - 2];
    if (dod > MAX_MANTISSA || dod < -MAX_MANTISSA) return null;
  }

  // Page-sized gauges (multiples of 4096) move in steps with common low zero bits: drop them.
  let shift = 52;
  for (let i = 1; i < n && shift > 0; i++) {
    const d = mant[i] - mant[0];
    if (d !== 0) shift = Math.min(shift, trailingZeros(d));
  }
  if (shift === 52) shift = 0;
  const unit = 2 ** shift;

  const w = writer;
  w.reset();
  w.bitLength = 16;
  w.bytes[0] = n >>> 8;
  w.bytes[1] = n & 0xff;
  writeVarint(w, ts[from]);
  if (n > 1) writeUvarint(w, ts[from + 1] - ts[from]);
  if (n > 2) {
    for (let i = 2; i < n; i++) zz[i - 2] = zigzag(ts[from + i] - 2 * ts[from + i - 1] + ts[from + i - 2]);
    writePacked(w, zz, n - 2);
  }
  w.writeBits(k, 4);
  w.writeBits(shift, 6);
  writeVarint(w, mant[0]);
  if (n > 1) {
    for (let i = 1; i < n; i++) zz[i - 1] = zigzag((mant[i] - mant[i - 1]) / unit);
    const deltaBits = packedBits(zz, n - 1);
    let dodBits = Infinity;
    if (n > 2) {
      for (let i = 2; i < n; i++) zz[n + i - 2] = zigzag((mant[i] - 2 * mant[i - 1] + mant[i - 2]) / unit);
      dodBits = packedBits(zz.subarray(n), n - 2) + 8 * uvarintLength(zigzag(mant[1] - mant[0]));
    }
    if (deltaBits <= dodBits) {
      w.writeBit(0);
      writePacked(w, zz, n - 1);
    } else {
      w.writeBit(1);
      writeVarint(w, mant[1] - mant[0]);
      writePacked(w, zz.subarray(n), n - 2);
    }
  }
  w.writeBit(anyStale ? 1 : 0);
  if (anyStale) for (let i = 0; i < n; i++) w.writeBit(stale![from + i] === 1 ? 1 : 0);
  return w.bytes.subarray(0, (w.bitLength + 7) >>> 3);
}

/**
 * The smallest decimal scale k (0..15) at which every non-stale value is m / 10^k exactly; -1 if
 * none. A value is tested at the scale found so far first, a larger one only when that fails
 * (this ran at a third of the time per value of a loop from k for each, which also allocated).
 */
function decimalScale(vs: ArrayLike<number>, stale: ArrayLike<number> | null, from: number, to: number): number {
  let k = 0;
  let p = 1;
  for (let i = from; i < to; i++) {
    if (stale !== null && stale[i] === 1) continue;
    const v = vs[i];
    // v - v is NaN for NaN and the infinities.
    if (v - v !== 0 || (v === 0 && 1 / v < 0)) return -1;
    if (Math.round(v * p) / p === v) continue;
    while (++k <= MAX_SCALE) {
      p = POW10_F64[k];
      if (Math.round(v * p) / p === v) break;
    }
    if (k > MAX_SCALE) return -1;
  }
  return k;
}

const reader = new FastBitReader(new Uint8Array(0));
let zcol = new Float64Array(256);

/**
 * Decodes a decimal chunk into the target (room for the header's count reserved by the caller),
 * keeping [mint, maxt]. Timestamps and mantissas go straight into the target's columns; values
 * are scaled in place and the kept range is moved down if the chunk starts before `mint`. With
 * `out.valuesUnused` the values after the first are left as they were (not decoded).
 */
export function decodeDecimalInto(bytes: Uint8Array, out: SampleTarget, mint: number, maxt: number): void {
  const n = bytes.length >= 2 ? (bytes[0] << 8) | bytes[1] : 0;
  if (n === 0) return;
  const r = reader;
  r.reset(bytes, 16);
  if (zcol.length < n) zcol = new Float64Array(n * 2);
  const zc = zcol;
  const ot = out.t;
  const ov = out.v;
  const os = out.s;
  const b0 = out.length;
  let t = r.varint();
  ot[b0] = t;
  if (n > 1) {
    let d = r.uvarint();
    ot[b0 + 1] = t += d;
    if (n > 2 && readPacked(r, zc, n - 2)) {
      for (let i = 2; i < n; i++) ot[b0 + i] = t += d += zc[i - 2];
    } else {
      for (let i = 2; i < n; i++) ot[b0 + i] = t += d;
    }
  }
  // Index range in [mint, maxt] (timestamps ascend within a chunk).
  let lo = 0;
  while (lo < n && ot[b0 + lo] < mint) lo++;
  let hi = n;
  while (hi > lo && ot[b0 + hi - 1] > maxt) hi--;

  const k = r.read(4);
  const p = POW10[k];
  const unit = 2 ** r.read(6);
  let m = r.varint();
  ov[b0] = m / p;
  if (n > 1 && out.valuesUnused === true) {
    // Only timestamps and staleness are wanted: the value groups are stepped over by their widths.
    if (r.bit() === 0) skipPacked(r, n - 1);
    else {
      r.varint();
      if (n > 2) skipPacked(r, n - 2);
    }
  } else if (n > 1) {
    if (r.bit() === 0) {
      // Delta mode (counters, gauges): deltas summed and scaled in the same pass.
      if (!readDeltas(r, ov, b0 + 1, n - 1, m, unit, p)) {
        const v = m / p;
        for (let i = 1; i < n; i++) ov[b0 + i] = v;
      }
    } else {
      let d = r.varint();
      ov[b0 + 1] = m += d;
      if (n > 2 && readPacked(r, zc, n - 2)) for (let i = 2; i < n; i++) ov[b0 + i] = m += d += zc[i - 2] * unit;
      else for (let i = 2; i < n; i++) ov[b0 + i] = m += d;
      if (k !== 0) for (let i = b0 + 1; i < b0 + n; i++) ov[i] = ov[i] / p;
    }
  }
  os.fill(0, b0 + lo, b0 + hi);
  let staleCount = 0;
  if (r.bit() === 1) {
    for (let i = 0; i < n; i++) {
      if (r.bit() === 1 && i >= lo && i < hi) {
        os[b0 + i] = 1;
        ov[b0 + i] = joinFloat(STALE_HI, STALE_LO);
        staleCount++;
      }
    }
  }
  if (hi > lo) {
    if (lo > 0) {
      ot.copyWithin(b0, b0 + lo, b0 + hi);
      ov.copyWithin(b0, b0 + lo, b0 + hi);
      os.copyWithin(b0, b0 + lo, b0 + hi);
    }
    if (b0 > 0 && ot[b0] <= ot[b0 - 1]) out.unsorted = true;
    out.length = b0 + (hi - lo);
  }
  out.staleCount += staleCount;
}

/**
 * What a presence summary needs of a decimal chunk's samples in [mint, maxt], without writing
 * them: their count (returned), and into `run` the first and last timestamps and the largest gap
 * between two consecutive ones (0 for one sample); -1 (run unset) when one of them is a staleness
 * marker, or when its timestamps do not ascend (no chunk encodeDecimal writes): decode it then. A
 * regular scrape (every timestamp delta of delta zero) takes a few reads whatever its length; the
 * values are stepped over by their groups' widths to reach the markers' bits.
 */
export function decimalPresence(bytes: Uint8Array, mint: number, maxt: number, run: Float64Array): number {
  const n = bytes.length >= 2 ? (bytes[0] << 8) | bytes[1] : 0;
  if (n === 0) return 0;
  const r = reader;
  r.reset(bytes, 16);
  const t0 = r.varint();
  // Indexes of the first and last sample in range (lo > hi: none).
  let lo = 0;
  let hi = -1;
  let first = 0;
  let last = 0;
  let gap = 0;
  if (t0 >= mint && t0 <= maxt) {
    hi = 0;
    first = last = t0;
  }
  if (n > 1) {
    let d = r.uvarint();
    if (zcol.length < n) zcol = new Float64Array(n * 2);
    if (n > 2 && readPacked(r, zcol, n - 2)) {
      const zc = zcol;
      let t = t0;
      for (let i = 1; i < n; i++) {
        if (i >= 2) d += zc[i - 2];
        t += d;
        if (t < mint) continue;
        if (t > maxt) break;
        if (hi < lo) {
          lo = i;
          first = t;
        } else if (t - last > gap) gap = t - last;
        last = t;
        hi = i;
      }
    } else if (d > 0) {
      // t_i = t0 + i d (exact: safe integers), the range's indexes found by division.
      lo = t0 >= mint ? 0 : Math.ceil((mint - t0) / d);
      hi = t0 + (n - 1) * d <= maxt ? n - 1 : Math.floor((maxt - t0) / d);
      while (lo > 0 && t0 + (lo - 1) * d >= mint) lo--;
      while (lo < n && t0 + lo * d < mint) lo++;
      while (hi < n - 1 && t0 + (hi + 1) * d <= maxt) hi++;
      while (hi >= 0 && t0 + hi * d > maxt) hi--;
      first = t0 + lo * d;
      last = t0 + hi * d;
      gap = hi > lo ? d : 0;
    } else {
      return -1;
    }
  }
  if (hi < lo) return 0;
  r.read(4);
  r.read(6);
  r.varint();
  if (n > 1) {
    if (r.bit() === 0) skipPacked(r, n - 1);
    else {
      r.varint();
      if (n > 2) skipPacked(r, n - 2);
    }
  }
  if (r.bit() === 1) {
    r.pos += lo;
    for (let i = lo; i <= hi; i++) if (r.bit() === 1) return -1;
  }
  run[0] = first;
  run[1] = last;
  run[2] = gap;
  return hi - lo + 1;
}

/** Reads `count` zigzag-decoded values into dst; returns false (dst untouched) when all are zero. */
function readPacked(r: FastBitReader, dst: Float64Array, count: number): boolean {
  if (r.bit() === 0) return false;
  const b = r.bytes;
  let pos = r.pos;
  for (let g = 0; g < count; g += GROUP) {
    const width = (peek32(b, pos >>> 3) << (pos & 7)) >>> 26;
    pos += 6;
    const end = g + GROUP < count ? g + GROUP : count;
    if (width === 0) {
      for (let i = g; i < end; i++) dst[i] = 0;
    } else if (width <= 25) {
      // sh <= 7 and width <= 25: one 32-bit window holds the whole value.
      const drop = 32 - width;
      for (let i = g; i < end; i++) {
        const z = ((peek32(b, pos >>> 3) << (pos & 7)) >>> 0) >>> drop;
        pos += width;
        dst[i] = (z >>> 1) ^ -(z & 1);
      }
    } else {
      r.pos = pos;
      for (let i = g; i < end; i++) dst[i] = unzigzag(r.readWide(width));
      pos = r.pos;
    }
  }
  r.pos = pos;
  return true;
}

/** Steps over what `readPacked` would read for `count` values, reading only each group's width. */
function skipPacked(r: FastBitReader, count: number): void {
  if (r.bit() === 0) return;
  const b = r.bytes;
  let pos = r.pos;
  for (let g = 0; g < count; g += GROUP) {
    const width = (peek32(b, pos >>> 3) << (pos & 7)) >>> 26;
    pos += 6 + width * (g + GROUP < count ? GROUP : count - g);
  }
  r.pos = pos;
}

/**
 * Delta mode's values: reads `count` zigzag deltas (in `unit`s) and writes the running mantissa,
 * starting from `m`, divided by `p` (the exact value, as a separate scaling pass would give) into
 * dst[at...]. Returns false (dst untouched) when every delta is zero.
 */
function readDeltas(r: FastBitReader, dst: Float64Array, at: number, count: number, m0: number, unit: number, p: number): boolean {
  if (r.bit() === 0) return false;
  const b = r.bytes;
  let pos = r.pos;
  let m = m0;
  for (let g = 0; g < count; g += GROUP) {
    const width = (peek32(b, pos >>> 3) << (pos & 7)) >>> 26;
    pos += 6;
    const end = g + GROUP < count ? g + GROUP : count;
    if (width === 0) {
      const v = m / p;
      for (let i = g; i < end; i++) dst[at + i] = v;
    } else if (width <= 25) {
      const drop = 32 - width;
      for (let i = g; i < end; i++) {
        const z = ((peek32(b, pos >>> 3) << (pos & 7)) >>> 0) >>> drop;
        pos += width;
        m += ((z >>> 1) ^ -(z & 1)) * unit;
        dst[at + i] = m / p;
      }
    } else {
      r.pos = pos;
      for (let i = g; i < end; i++) {
        m += unzigzag(r.readWide(width)) * unit;
        dst[at + i] = m / p;
      }
      pos = r.pos;
    }
  }
  r.pos = pos;
  return true;
}

/** Four bytes from `i`, big-endian (zero past the end). */
function peek32(b: Uint8Array, i: number): number {
  if (i + 3 < b.length) return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
  let w = 0;
  for (let k = 0; k < 4; k++) w = (w << 8) | (i + k < b.length ? b[i + k] : 0);
  return w;
}

/** Trailing zero bits of a non-zero safe integer. */
function trailingZeros(x: number): number {
  let v = Math.abs(x);
  let n = 0;
  while (v % 4294967296 === 0) {
    v /= 4294967296;
    n += 32;
  }
  const lo = v % 4294967296;
  return n + 31 - Math.clz32(lo & -lo);
}

function zigzag(x: number): number {
  return x >= 0 ? x * 2 : -x * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

function bitWidth(z: number): number {
  if (z < 4294967296) return 32 - Math.clz32(z);
  return 32 + (32 - Math.clz32(Math.floor(z / 4294967296)));
}

/** Bits `writePacked` will use for `count` zigzag values. */
function packedBits(vals: Float64Array, count: number): number {
  let bits = 1;
  let any = false;
  for (let g = 0; g < count; g += GROUP) {
    const end = Math.min(count, g + GROUP);
    let w = 0;
    for (let i = g; i < end; i++) {
      const b = bitWidth(vals[i]);
      if (b > w) w = b;
    }
    if (w > 0) any = true;
    bits += 6 + w * (end - g);
  }
  return any ? bits : 1;
}

/** One flag bit (0: all zero), then per group of 16 a 6-bit width and the values in that width. */
function writePacked(w: BitWriter, vals: Float64Array, count: number): void {
  let any = false;
  for (let i = 0; i < count; i++) if (vals[i] !== 0) any = true;
  w.writeBit(any ? 1 : 0);
  if (!any) return;
  for (let g = 0; g < count; g += GROUP) {
    const end = Math.min(count, g + GROUP);
    let width = 0;
    for (let i = g; i < end; i++) {
      const b = bitWidth(vals[i]);
      if (b > width) width = b;
    }
    w.writeBits(width, 6);
    if (width === 0) continue;
    for (let i = g; i < end; i++) {
      const z = vals[i];
      if (width <= 32) w.writeBits(z >>> 0, width);
      else w.writeBits64(Math.floor(z / 4294967296), z >>> 0, width);
    }
  }
}

function uvarintLength(x: number): number {
  let n = 1;
  for (let v = x; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

function writeUvarint(w: BitWriter, x: number): void {
  let v = x;
  while (v >= 0x80) {
    w.writeBits((v % 0x80) | 0x80, 8);
    v = Math.floor(v / 0x80);
  }
  w.writeBits(v, 8);
}

function writeVarint(w: BitWriter, x: number): void {
  writeUvarint(w, zigzag(x));
}
