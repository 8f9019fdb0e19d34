import { BitReader } from './bstream.js';
import { bitsHi, bitsLo, isStaleBits, joinFloat, splitFloat, STALE_HI, STALE_LO } from './float-bits.js';
import { RESUME_EVERY, RESUME_POINTS, RESUME_SIZE, resumePointBefore } from './xor-resume.js';

/**
 * The Gorilla chunk encoding as Prometheus' `chunkenc.XORChunk`: a 2-byte big-endian sample count,
 * then the first timestamp (zigzag varint) and raw 64-bit value, the second timestamp as a varint
 * delta, then delta-of-delta timestamps in 1/16/20/24/68-bit buckets and XOR-ed values with
 * reused leading/trailing zero windows. Staleness markers are the exact NaN 0x7ff0000000000002.
 */
export const SAMPLES_PER_CHUNK = 120;
export const ENCODING_XOR = 1;

const TWO32 = 4294967296;

/** `append`'s sample as columns for `appendAt`. */
const ONE_T = new Float64Array(1);
const ONE_V = new Float64Array(1);

/**
 * Appends samples to one XOR chunk. It writes its own bits (most significant first, as
 * Prometheus' `bstream`) rather than through a BitWriter: the head keeps one appender per series
 * and appends to tens of thousands of them in turn, so each object between the series and its
 * bytes is a likely cache miss per sample. The bit length and capacity sit beside the encoder's
 * state; a sample whose timestamp delta and value repeat (two 0 bits) touches no byte, and the
 * sample count in the first two bytes is written when the bytes are read (`view`, `bytes`).
 */
export class XorAppender {
  /** The chunk's bytes; those past `bitLength` are zero (bits are OR-ed in). Read through `view`. */
  private buf: Uint8Array;
  /** Bits written, the 16 of the sample count included. */
  bitLength = 16;
  /** `buf.length * 8`. */
  private bitCap: number;
  count = 0;
  minT = 0;
  maxT = 0;
  private tDelta = 0;
  /** The last value's words, as signed 32-bit integers (joinFloat takes them as they are). */
  lastHi = 0;
  lastLo = 0;
  private leading = 0xff;
  private trailing = 0;
  /** Resume points (xor-resume.ts), `resumeCount` of them; made at the first, kept across `reset`. */
  private resume: number[] | null = null;
  private resumeCount = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(initialBytes);
    this.bitCap = initialBytes * 8;
  }

  /** Starts a new chunk in the same buffer. */
  reset(): void {
    this.buf.fill(0, 0, (this.bitLength + 7) >>> 3);
    this.bitLength = 16;
    this.count = 0;
    this.minT = this.maxT = 0;
    this.tDelta = 0;
    this.lastHi = this.lastLo = 0;
    this.leading = 0xff;
    this.trailing = 0;
    this.resumeCount = 0;
  }

  /** Appends a sample; timestamps must be integers and strictly increasing (the caller checks). */
  append(t: number, v: number, stale: boolean): void {
    ONE_T[0] = t;
    ONE_V[0] = v;
    this.appendAt(ONE_T, ONE_V, 0, stale);
  }

  /** `append` of samples `ts[from..to)`, those where `stale` holds 1 as staleness markers. */
  appendRun(ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number, stale: ArrayLike<number> | null = null): void {
    for (let i = from; i < to; i++) this.appendAt(ts, vs, i, stale !== null && stale[i] === 1);
  }

  /**
   * `append` of sample `i` of the columns. The samples come as columns and an index, and the
   * value's words go on as signed 32-bit integers: a double (a timestamp, a value) or a word
   * of 2^31 and more passed to a function V8 does not inline is a new heap number each time,
   * which was most of what appending allocated.
   */
  appendAt(ts: ArrayLike<number>, vs: ArrayLike<number>, i: number, stale: boolean): void {
    const t = ts[i];
    let hi: number;
    let lo: number;
    if (stale) {
      hi = STALE_HI;
      lo = STALE_LO;
    } else {
      splitFloat(vs[i]);
      hi = bitsHi() | 0;
      lo = bitsLo() | 0;
    }
    const n = this.count;
    if (n === 0) {
      this.writeUvarint(t >= 0 ? t * 2 : -t * 2 - 1);
      this.writeBits(hi, 32);
      this.writeBits(lo, 32);
      this.minT = t;
    } else if (n === 1) {
      const d = t - this.maxT;
      this.writeUvarint(d);
      this.tDelta = d;
      this.writeValue(hi, lo);
    } else {
      if (n % RESUME_EVERY === 0 && this.resumeCount < RESUME_POINTS) this.keepResumePoint(n);
      const d = t - this.maxT;
      const dod = d - this.tDelta;
      // Each bucket's prefix and bits go in one write.
      if (dod === 0) this.writeZeroBit();
      else if (dod >= -8191 && dod <= 8192) this.writeBits((0b10 << 14) | (dod & 0x3fff), 16);
      else if (dod >= -65535 && dod <= 65536) this.writeBits((0b110 << 17) | (dod & 0x1ffff), 20);
      else if (dod >= -524287 && dod <= 524288) this.writeBits((0b1110 << 20) | (dod & 0xfffff), 24);
      else {
        this.writeBits(0b1111, 4);
        const dh = Math.floor(dod / TWO32);
        this.writeBits(dh >>> 0, 32);
        this.writeBits((dod - dh * TWO32) >>> 0, 32);
      }
      this.tDelta = d;
      this.writeValue(hi, lo);
    }
    this.maxT = t;
    this.lastHi = hi;
    this.lastLo = lo;
    this.count = n + 1;
  }

  /** The decoder's state before sample `n` (xor-resume.ts). */
  private keepResumePoint(n: number): void {
    const r = (this.resume ??= new Array<number>(RESUME_POINTS * RESUME_SIZE).fill(0));
    const at = this.resumeCount++ * RESUME_SIZE;
    r[at] = n;
    r[at + 1] = this.bitLength;
    r[at + 2] = this.maxT;
    r[at + 3] = this.tDelta;
    r[at + 4] = this.lastHi;
    r[at + 5] = this.lastLo;
    r[at + 6] = this.leading === 0xff ? 0 : this.leading;
    r[at + 7] = this.trailing;
  }

  /** The resume points (read with `resumePointBefore`'s offset); null before the first. */
  get resumePoints(): readonly number[] | null {
    return this.resume;
  }

  /** The offset of the point a read of samples from `mint` on can start at, or -1 (resumePointBefore). */
  resumePointBefore(mint: number): number {
    return resumePointBefore(this.resume, this.resumeCount, mint);
  }

  private writeValue(hi: number, lo: number): void {
    const xh = hi ^ this.lastHi;
    const xl = lo ^ this.lastLo;
    if (xh === 0 && xl === 0) {
      this.writeZeroBit();
      return;
    }
    let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (leading >= 32) leading = 31; // 5 bits hold at most 31
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      this.writeBits(0b10, 2);
      this.writeShifted(xh, xl, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    // Control bits 11, 5 bits of leading zeros, 6 of significant bits (64 is written as 0): one write.
    this.writeBits((0b11 << 11) | (leading << 6) | (sig & 63), 13);
    this.writeShifted(xh, xl, trailing, sig);
  }

  /** Writes a 0 bit: bytes past the written bits are still zero, so only the length moves. */
  private writeZeroBit(): void {
    const pos = this.bitLength;
    if (pos >= this.bitCap) this.grow(pos + 1);
    this.bitLength = pos + 1;
  }

  /** Writes the low `n` bits of `value` (1 <= n <= 32), most significant first. */
  private writeBits(value: number, n: number): void {
    let pos = this.bitLength;
    if (pos + n > this.bitCap) this.grow(pos + n);
    const bytes = this.buf;
    let left = n;
    const free = 8 - (pos & 7);
    if (left <= free) {
      bytes[pos >>> 3] |= (value & ((1 << left) - 1)) << (free - left);
      this.bitLength = pos + left;
      return;
    }
    // The partial first byte, then whole bytes, then the rest: no per-bit work.
    left -= free;
    bytes[pos >>> 3] |= (value >>> left) & ((1 << free) - 1);
    pos += free;
    while (left >= 8) {
      left -= 8;
      bytes[pos >>> 3] = (value >>> left) & 0xff;
      pos += 8;
    }
    if (left > 0) bytes[pos >>> 3] = (value << (8 - left)) & 0xff;
    this.bitLength = pos + left;
  }

  /** Writes the low `n` bits (1 <= n <= 64) of (hi, lo) >> shift; words as signed 32-bit integers. */
  private writeShifted(hi: number, lo: number, shift: number, n: number): void {
    let h = hi;
    let l = lo;
    if (shift >= 32) {
      l = (h >>> (shift - 32)) | 0;
      h = 0;
    } else if (shift > 0) {
      l = (l >>> shift) | (h << (32 - shift));
      h = h >>> shift;
    }
    if (n > 32) {
      this.writeBits(h, n - 32);
      this.writeBits(l, 32);
    } else this.writeBits(l, n);
  }

  private writeUvarint(x: number): void {
    let v = x;
    while (v >= 0x80) {
      this.writeBits((v % 0x80) | 0x80, 8);
      v = Math.floor(v / 0x80);
    }
    this.writeBits(v, 8);
  }

  /** Doubles the buffer until `bits` fit (as BitWriter grows). */
  private grow(bits: number): void {
    const need = (bits + 7) >>> 3;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf);
    this.buf = next;
    this.bitCap = cap * 8;
  }

  /** The chunk so far as a view of the appender's buffer, valid until the next append or reset. */
  view(): Uint8Array {
    const bytes = this.buf;
    bytes[0] = this.count >>> 8;
    bytes[1] = this.count & 0xff;
    return bytes.subarray(0, (this.bitLength + 7) >>> 3);
  }

  /** The encoded chunk, trimmed (a copy: the appender can go on). */
  bytes(): Uint8Array {
    return this.view().slice();
  }
}

/** Reads a chunk sample by sample: `next()` then `t`, `v`, `stale`. */
export class XorIterator {
  private readonly r: BitReader;
  readonly total: number;
  private read = 0;
  t = 0;
  v = 0;
  stale = false;
  private hi = 0;
  private lo = 0;
  private tDelta = 0;
  private leading = 0;
  private trailing = 0;

  constructor(bytes: Uint8Array) {
    this.total = bytes.length >= 2 ? (bytes[0] << 8) | bytes[1] : 0;
    this.r = new BitReader(bytes, 16);
  }

  next(): boolean {
    const n = this.read;
    if (n >= this.total) return false;
    const r = this.r;
    if (n === 0) {
      this.t = readVarint(r);
      this.hi = r.readBits(32);
      this.lo = r.readBits(32);
    } else if (n === 1) {
      this.tDelta = readUvarint(r);
      this.t += this.tDelta;
      this.readValue();
    } else {
      let dod = 0;
      if (r.readBit() === 0) dod = 0;
      else if (r.readBit() === 0) dod = signExtend(r.readBits(14), 14);
      else if (r.readBit() === 0) dod = signExtend(r.readBits(17), 17);
      else if (r.readBit() === 0) dod = signExtend(r.readBits(20), 20);
      else {
        const dh = r.readBits(32) | 0;
        dod = dh * TWO32 + r.readBits(32);
      }
      this.tDelta += dod;
      this.t += this.tDelta;
      this.readValue();
    }
    this.read = n + 1;
    this.stale = isStaleBits(this.hi, this.lo);
    this.v = joinFloat(this.hi, this.lo);
    return true;
  }

  private readValue(): void {
    const r = this.r;
    if (r.readBit() === 0) return;
    if (r.readBit() === 1) {
      this.leading = r.readBits(5);
      let sig = r.readBits(6);
      if (sig === 0) sig = 64;
      this.trailing = 64 - this.leading - sig;
    }
    const sig = 64 - this.leading - this.trailing;
    let xh = 0;
    let xl: number;
    if (sig > 32) {
      xh = r.readBits(sig - 32);
      xl = r.readBits(32);
    } else {
      xl = r.readBits(sig);
    }
    const s = this.trailing;
    if (s >= 32) {
      xh = (xl << (s - 32)) >>> 0;
      xl = 0;
    } else if (s > 0) {
      xh = ((xh << s) | (xl >>> (32 - s))) >>> 0;
      xl = (xl << s) >>> 0;
    }
    this.hi = (this.hi ^ xh) >>> 0;
    this.lo = (this.lo ^ xl) >>> 0;
  }
}

/** An immutable encoded chunk with its time range. */
export class XorChunk {
  constructor(
    readonly bytes: Uint8Array,
    readonly minT: number,
    readonly maxT: number,
  ) {}

  get numSamples(): number {
    return chunkSampleCount(this.bytes);
  }

  iterator(): XorIterator {
    return new XorIterator(this.bytes);
  }

  /** Encodes samples (ascending, distinct timestamps) into one chunk. */
  static encode(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, from = 0, to = ts.length): XorChunk {
    const a = new XorAppender(Math.max(16, (to - from) * 2));
    a.appendRun(ts, vs, from, to, stale);
    return new XorChunk(a.bytes(), a.minT, a.maxT);
  }
}

export function chunkSampleCount(bytes: Uint8Array): number {
  return bytes.length >= 2 ? (bytes[0] << 8) | bytes[1] : 0;
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function signExtend(bits: number, n: number): number {
  return bits > 1 << (n - 1) ? bits - (1 << n) : bits;
}

function readUvarint(r: BitReader): number {
  let out = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = r.readBits(8);
    out += (b & 0x7f) * mul;
    if (b < 0x80) return out;
    mul *= 0x80;
  }
  throw new RangeError('varint too long');
}

function readVarint(r: BitReader): number {
  const z = readUvarint(r);
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}
