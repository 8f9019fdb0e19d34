import { FloatHistogram, type CounterResetHint, type Span } from '../../../schemas/native-histogram/index.js';
import { BitReader, BitWriter } from './bstream.js';
import { bitsHi, bitsLo, isStaleBits, joinFloat, splitFloat } from './float-bits.js';
import { SAMPLES_PER_CHUNK } from './xor-chunk.js';

/**
 * Prometheus' native-histogram chunk encodings (`chunkenc.HistogramChunk`, encoding 2, integer
 * counts; `chunkenc.FloatHistogramChunk`, encoding 3, float counts), as remote read streams them
 * and Prometheus blocks store them: a 2-byte big-endian sample count, a header byte whose top two
 * bits say whether the chunk starts at a counter reset (0b10), is known not to (0b01) or holds
 * gauge histograms (0b11), then a bit stream. The first sample writes the chunk's layout (zero
 * threshold, schema, positive and negative spans, custom bounds for schema -53), which every
 * sample of the chunk shares; timestamps and integer counts are varbit-encoded deltas of
 * deltas; float values are XOR-encoded against the previous sample's, each with its own
 * leading and trailing zero window. Only encoding 3 is written (Tidemark's histograms have float
 * counts); both are read.
 */
export const ENCODING_HISTOGRAM = 2;
export const ENCODING_FLOAT_HISTOGRAM = 3;

const HEADER_RESET = 0b10000000;
const HEADER_NOT_RESET = 0b01000000;
const HEADER_GAUGE = 0b11000000;
const HEADER_MASK = 0b11000000;
const CUSTOM_BUCKETS_SCHEMA = -53;

export class HistogramChunkError extends Error {
  constructor(message: string) {
    super(`histogram chunk: ${message}`);
    this.name = 'HistogramChunkError';
  }
}

// ---- varbit integers (chunkenc/varbit.go): a unary prefix picks 1, 3, 6, 9, 12, 18, 25, 56 or 64 bits.

const WIDTHS = [3, 6, 9, 12, 18, 25, 56];

function writeBitsN(w: BitWriter, v: bigint, n: number): void {
  const u = BigInt.asUintN(n, v);
  if (n > 32) w.writeBits64(Number(u >> 32n) >>> 0, Number(u & 0xffffffffn) >>> 0, n);
  else w.writeBits(Number(u) >>> 0, n);
}

function readBitsN(r: BitReader, n: number): bigint {
  if (n <= 32) return BigInt(r.readBits(n));
  const hi = BigInt(r.readBits(n - 32));
  return (hi << 32n) | BigInt(r.readBits(32));
}

export function putVarbitInt(w: BitWriter, val: number): void {
  if (val === 0) {
    w.writeBit(0);
    return;
  }
  for (let i = 0; i < WIDTHS.length; i++) {
    const n = WIDTHS[i]!;
    // -(2^(n-1) - 1) <= val <= 2^(n-1), as Go's bitRange.
    if (val >= -(2 ** (n - 1) - 1) && val <= 2 ** (n - 1)) {
      w.writeBits((1 << (i + 2)) - 2, i + 2);
      writeBitsN(w, BigInt(val), n);
      return;
    }
  }
  w.writeBits(0xff, 8);
  writeBitsN(w, BigInt(val), 64);
}

export function putVarbitUint(w: BitWriter, val: number): void {
  if (val === 0) {
    w.writeBit(0);
    return;
  }
  for (let i = 0; i < WIDTHS.length; i++) {
    const n = WIDTHS[i]!;
    if (val < 2 ** n) {
      w.writeBits((1 << (i + 2)) - 2, i + 2);
      writeBitsN(w, BigInt(val), n);
      return;
    }
  }
  w.writeBits(0xff, 8);
  writeBitsN(w, BigInt(val), 64);
}

/** The width the prefix names: n 1 bits and a 0 name WIDTHS[n - 1]; eight 1 bits, 64. */
function varbitWidth(r: BitReader): number {
  let ones = 0;
  while (ones < 8 && r.readBit() === 1) ones++;
  if (ones === 0) return 0;
  return ones === 8 ? 64 : WIDTHS[ones - 1]!;
}

export function readVarbitInt(r: BitReader): number {
  const n = varbitWidth(r);
  if (n === 0) return 0;
  const bits = readBitsN(r, n);
  if (n === 64) return Number(BigInt.asIntN(64, bits));
  // Values above 2^(n-1) are negative (two's complement in n bits).
  return Number(bits > 1n << BigInt(n - 1) ? bits - (1n << BigInt(n)) : bits);
}

export function readVarbitUint(r: BitReader): number {
  const n = varbitWidth(r);
  return n === 0 ? 0 : Number(readBitsN(r, n));
}

// ---- XOR-encoded floats (chunkenc/xor.go's xorWrite and xorRead).

interface XorState {
  hi: number;
  lo: number;
  leading: number;
  trailing: number;
}

function xorWrite(w: BitWriter, s: XorState, hi: number, lo: number): void {
  const xh = (hi ^ s.hi) >>> 0;
  const xl = (lo ^ s.lo) >>> 0;
  s.hi = hi;
  s.lo = lo;
  if (xh === 0 && xl === 0) {
    w.writeBit(0);
    return;
  }
  w.writeBit(1);
  let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
  const trailing = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 32 + (31 - Math.clz32(xh & -xh));
  if (leading >= 32) leading = 31;
  if (s.leading !== 0xff && leading >= s.leading && trailing >= s.trailing) {
    w.writeBit(0);
    writeShifted(w, xh, xl, s.trailing, 64 - s.leading - s.trailing);
    return;
  }
  s.leading = leading;
  s.trailing = trailing;
  w.writeBit(1);
  w.writeBits(leading, 5);
  const sig = 64 - leading - trailing;
  w.writeBits(sig & 63, 6);
  writeShifted(w, xh, xl, trailing, sig);
}

function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  const v = ((BigInt(hi) << 32n) | BigInt(lo)) >> BigInt(shift);
  writeBitsN(w, v, n);
}

function xorRead(r: BitReader, s: XorState): void {
  if (r.readBit() === 0) return;
  if (r.readBit() === 1) {
    s.leading = r.readBits(5);
    let sig = r.readBits(6);
    if (sig === 0) sig = 64;
    s.trailing = 64 - s.leading - sig;
  }
  const sig = 64 - s.leading - s.trailing;
  const x = readBitsN(r, sig) << BigInt(s.trailing);
  s.hi = (s.hi ^ Number((x >> 32n) & 0xffffffffn)) >>> 0;
  s.lo = (s.lo ^ Number(x & 0xffffffffn)) >>> 0;
}

function floatState(v: number): XorState {
  splitFloat(v);
  return { hi: bitsHi(), lo: bitsLo(), leading: 0xff, trailing: 0 };
}

function writeFloat(w: BitWriter, s: XorState, v: number): void {
  splitFloat(v);
  xorWrite(w, s, bitsHi(), bitsLo());
}

function write64(w: BitWriter, v: number): void {
  splitFloat(v);
  w.writeBits64(bitsHi(), bitsLo(), 64);
}

// ---- layout (chunkenc/histogram_meta.go).

function putZeroThreshold(w: BitWriter, t: number): void {
  if (t === 0) {
    w.writeByte(0);
    return;
  }
  // A power of two 0.5 * 2^exp with -242 <= exp <= 11 is its exponent, in one byte.
  const exp = Math.floor(Math.log2(t)) + 1;
  if (t === 0.5 * 2 ** exp && exp >= -242 && exp <= 11) {
    w.writeByte(exp + 243);
    return;
  }
  w.writeByte(255);
  write64(w, t);
}

function readZeroThreshold(r: BitReader): number {
  const b = r.readBits(8);
  if (b === 0) return 0;
  if (b === 255) return joinFloat(r.readBits(32), r.readBits(32));
  return 0.5 * 2 ** (b - 243);
}

function putSpans(w: BitWriter, spans: readonly Span[]): void {
  putVarbitUint(w, spans.length);
  for (const s of spans) {
    putVarbitUint(w, s.length);
    putVarbitInt(w, s.offset);
  }
}

function readSpans(r: BitReader): Span[] {
  const n = readVarbitUint(r);
  const out: Span[] = [];
  for (let i = 0; i < n; i++) {
    const length = readVarbitUint(r);
    out.push({ offset: readVarbitInt(r), length });
  }
  return out;
}

/** A bound as thousandths + 1 when it is a whole number of them (small, as bounds usually are), else 0 and the float. */
function putCustomBound(w: BitWriter, f: number): void {
  const tf = f * 1000;
  if (tf < 0 || tf > 33554430 || !Number.isInteger(Math.round(tf)) || Math.round(tf) / 1000 !== f) {
    w.writeBit(0);
    write64(w, f);
    return;
  }
  putVarbitUint(w, Math.round(tf) + 1);
}

function readCustomBound(r: BitReader): number {
  const b = readVarbitUint(r);
  return b === 0 ? joinFloat(r.readBits(32), r.readBits(32)) : (b - 1) / 1000;
}

interface Layout {
  schema: number;
  zeroThreshold: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  customValues: number[];
}

function writeLayout(w: BitWriter, h: FloatHistogram): void {
  putZeroThreshold(w, h.zeroThreshold);
  putVarbitInt(w, h.schema);
  putSpans(w, h.positiveSpans);
  putSpans(w, h.negativeSpans);
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    putVarbitUint(w, h.customValues.length);
    for (const b of h.customValues) putCustomBound(w, b);
  }
}

function readLayout(r: BitReader): Layout {
  const zeroThreshold = readZeroThreshold(r);
  const schema = readVarbitInt(r);
  const positiveSpans = readSpans(r);
  const negativeSpans = readSpans(r);
  const customValues: number[] = [];
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    const n = readVarbitUint(r);
    for (let i = 0; i < n; i++) customValues.push(readCustomBound(r));
  }
  return { schema, zeroThreshold, positiveSpans, negativeSpans, customValues };
}

function sameSpans(a: readonly Span[], b: readonly Span[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.offset !== b[i]!.offset || a[i]!.length !== b[i]!.length) return false;
  return true;
}

function sameLayout(a: FloatHistogram, b: FloatHistogram): boolean {
  return a.schema === b.schema && a.zeroThreshold === b.zeroThreshold && sameSpans(a.positiveSpans, b.positiveSpans) && sameSpans(a.negativeSpans, b.negativeSpans)
    && a.customValues.length === b.customValues.length && a.customValues.every((v, i) => v === b.customValues[i]);
}

function bucketCount(spans: readonly Span[]): number {
  let n = 0;
  for (const s of spans) n += s.length;
  return n;
}

// ---- writing (encoding 3).

/** One encoded chunk and its time range. */
export interface HistogramChunk {
  readonly bytes: Uint8Array;
  readonly minT: number;
  readonly maxT: number;
}

/**
 * Float histogram chunks of a series' histograms (ascending, distinct timestamps). A chunk holds at
 * most 120 samples of one layout; a new one starts where the layout changes, at a counter reset
 * (readers take every histogram after a chunk's first as not a reset) and where samples turn
 * from counter to gauge histograms or back.
 */
export function encodeFloatHistogramChunks(ts: readonly number[], hs: readonly FloatHistogram[]): HistogramChunk[] {
  const out: HistogramChunk[] = [];
  let i = 0;
  while (i < ts.length) {
    const first = hs[i]!;
    const gauge = first.counterResetHint === 'gauge';
    const header = gauge ? HEADER_GAUGE : first.counterResetHint === 'reset' || (i > 0 && hs[i - 1]!.counterResetHint !== 'gauge' && first.detectReset(hs[i - 1]!)) ? HEADER_RESET : first.counterResetHint === 'not_reset' ? HEADER_NOT_RESET : 0;
    const w = new BitWriter(64);
    w.bitLength = 24;
    writeLayout(w, first);
    putVarbitInt(w, ts[i]!);
    write64(w, first.count);
    write64(w, first.zeroCount);
    write64(w, first.sum);
    for (const b of first.positiveBuckets) write64(w, b);
    for (const b of first.negativeBuckets) write64(w, b);
    const cnt = floatState(first.count);
    const zc = floatState(first.zeroCount);
    const sum = floatState(first.sum);
    const pb = first.positiveBuckets.map(floatState);
    const nb = first.negativeBuckets.map(floatState);
    let prevT = ts[i]!;
    let tDelta = 0;
    let n = 1;
    let j = i + 1;
    for (; j < ts.length && n < SAMPLES_PER_CHUNK; j++) {
      const h = hs[j]!;
      if (!sameLayout(first, h) || (h.counterResetHint === 'gauge') !== gauge) break;
      if (!gauge && (h.counterResetHint === 'reset' || h.detectReset(hs[j - 1]!))) break;
      const d = ts[j]! - prevT;
      putVarbitInt(w, d - tDelta);
      tDelta = d;
      prevT = ts[j]!;
      writeFloat(w, cnt, h.count);
      writeFloat(w, zc, h.zeroCount);
      writeFloat(w, sum, h.sum);
      for (let k = 0; k < pb.length; k++) writeFloat(w, pb[k]!, h.positiveBuckets[k]!);
      for (let k = 0; k < nb.length; k++) writeFloat(w, nb[k]!, h.negativeBuckets[k]!);
      n++;
    }
    w.bytes[0] = n >>> 8;
    w.bytes[1] = n & 0xff;
    w.bytes[2] = header;
    out.push({ bytes: w.finish(), minT: ts[i]!, maxT: prevT });
    i = j;
  }
  return out;
}

// ---- reading (encodings 2 and 3).

/** A chunk's samples: each histogram with float counts, or undefined for a staleness marker. */
export interface DecodedHistograms {
  readonly timestamps: number[];
  readonly histograms: (FloatHistogram | undefined)[];
}

function hintOf(header: number, index: number): CounterResetHint {
  if (header === HEADER_GAUGE) return 'gauge';
  if (index > 0) return 'not_reset';
  return header === HEADER_RESET ? 'reset' : 'unknown';
}

function cumulative(deltas: readonly number[]): number[] {
  let c = 0;
  return deltas.map((d) => (c += d));
}

/** Decodes a chunk of encoding 2 or 3 into `out`. */
export function decodeHistogramChunk(encoding: number, bytes: Uint8Array, out: DecodedHistograms = { timestamps: [], histograms: [] }): DecodedHistograms {
  if (encoding !== ENCODING_HISTOGRAM && encoding !== ENCODING_FLOAT_HISTOGRAM) throw new HistogramChunkError(`encoding ${encoding} is not a histogram chunk`);
  if (bytes.length < 3) throw new HistogramChunkError(`${bytes.length} bytes are too few for a chunk header`);
  const total = (bytes[0]! << 8) | bytes[1]!;
  const header = bytes[2]! & HEADER_MASK;
  const r = new BitReader(bytes, 24);
  try {
    if (total === 0) return out;
    const layout = readLayout(r);
    const np = bucketCount(layout.positiveSpans);
    const nn = bucketCount(layout.negativeSpans);
    let t = readVarbitInt(r);
    let tDelta = 0;
    const make = (index: number, count: number, zeroCount: number, sum: number, pos: number[], neg: number[]) => new FloatHistogram({
      counterResetHint: hintOf(header, index), schema: layout.schema, zeroThreshold: layout.zeroThreshold, zeroCount, count, sum,
      positiveSpans: layout.positiveSpans, negativeSpans: layout.negativeSpans, positiveBuckets: pos, negativeBuckets: neg, customValues: layout.customValues,
    });
    if (encoding === ENCODING_FLOAT_HISTOGRAM) {
      const read64 = () => ({ hi: r.readBits(32), lo: r.readBits(32), leading: 0xff, trailing: 0 });
      const cnt = read64();
      const zc = read64();
      const sum = read64();
      const pb = Array.from({ length: np }, read64);
      const nb = Array.from({ length: nn }, read64);
      const value = (s: XorState) => joinFloat(s.hi, s.lo);
      for (let k = 0; k < total; k++) {
        if (k > 0) {
          tDelta += readVarbitInt(r);
          t += tDelta;
          xorRead(r, cnt);
          xorRead(r, zc);
          xorRead(r, sum);
          if (isStaleBits(sum.hi, sum.lo)) {
            out.timestamps.push(t);
            out.histograms.push(undefined);
            continue;
          }
          for (const s of pb) xorRead(r, s);
          for (const s of nb) xorRead(r, s);
        }
        out.timestamps.push(t);
        out.histograms.push(make(k, value(cnt), value(zc), value(sum), pb.map(value), nb.map(value)));
      }
      return out;
    }
    // Encoding 2: integer counts and delta-encoded buckets, each varbit-encoded as deltas of deltas.
    let cnt = readVarbitUint(r);
    let zc = readVarbitUint(r);
    const sum: XorState = { hi: r.readBits(32), lo: r.readBits(32), leading: 0, trailing: 0 };
    const pb = Array.from({ length: np }, () => readVarbitInt(r));
    const nb = Array.from({ length: nn }, () => readVarbitInt(r));
    const pd = pb.map(() => 0);
    const nd = nb.map(() => 0);
    let cntDelta = 0;
    let zcDelta = 0;
    for (let k = 0; k < total; k++) {
      if (k > 0) {
        tDelta += readVarbitInt(r);
        t += tDelta;
        cntDelta += readVarbitInt(r);
        cnt += cntDelta;
        zcDelta += readVarbitInt(r);
        zc += zcDelta;
        xorRead(r, sum);
        if (isStaleBits(sum.hi, sum.lo)) {
          out.timestamps.push(t);
          out.histograms.push(undefined);
          continue;
        }
        for (let b = 0; b < np; b++) {
          pd[b]! += readVarbitInt(r);
          pb[b]! += pd[b]!;
        }
        for (let b = 0; b < nn; b++) {
          nd[b]! += readVarbitInt(r);
          nb[b]! += nd[b]!;
        }
      }
      out.timestamps.push(t);
      out.histograms.push(make(k, cnt, zc, joinFloat(sum.hi, sum.lo), cumulative(pb), cumulative(nb)));
    }
    return out;
  } catch (err) {
    if (err instanceof RangeError) throw new HistogramChunkError(`truncated (${bytes.length} bytes, ${total} samples)`);
    throw err;
  }
}
