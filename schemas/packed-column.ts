/**
 * Packed numeric columns carried in Avro `bytes` fields of the sample batch. Avro's own arrays
 * decode one element at a time into JS arrays; a flat byte column decodes several times faster
 * and, for timestamps, delta encoding makes it smaller. Encodings:
 * - uvarint column: unsigned LEB128 integers (< 2^53), one after another;
 * - delta column: zigzag LEB128 of each value minus the previous one (the first minus 0);
 * - float64 column: IEEE 754 doubles, little-endian, 8 bytes each;
 * - reference column: fixed-width little-endian unsigned integers whose width (1, 2 or 4 bytes)
 *   follows from how many distinct values can occur (`referenceWidth`): it needs no decoding.
 */
import { RecordDecodeError } from './errors.js';

/** An append-only byte buffer that grows by doubling. */
export class ColumnWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  uvarint(v: number): void {
    this.ensure(8);
    const b = this.buf;
    let p = this.len;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v = v >= 0x80000000 ? Math.floor(v / 128) : v >>> 7;
    }
    b[p++] = v;
    this.len = p;
  }

  /** Zigzag: small magnitudes of either sign take few bytes. */
  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** Decodes a uvarint column whose values fit in 32 bits (counts, symbol references). */
export function readUint32s(col: Buffer, what: string): Uint32Array {
  let count = 0;
  for (let i = 0; i < col.length; i++) if (col[i] < 0x80) count++;
  const out = new Uint32Array(count);
  let p = 0;
  let k = 0;
  const n = col.length;
  while (p < n) {
    const b = col[p++];
    if (b < 0x80) {
      out[k++] = b;
      continue;
    }
    let v = b & 0x7f;
    let shift = 7;
    for (;;) {
      if (p >= n) throw new RecordDecodeError(`${what}: truncated varint at byte ${p}`);
      if (shift > 28) throw new RecordDecodeError(`${what}: value longer than 32 bits at byte ${p}`);
      const c = col[p++];
      v += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      shift += 7;
    }
    out[k++] = v;
  }
  return out;
}

/** Decodes a uvarint column of values below 2^53 (timestamps after zigzag). */
export function readUvarints(col: Buffer, what: string): number[] {
  let count = 0;
  for (let i = 0; i < col.length; i++) if (col[i] < 0x80) count++;
  const out: number[] = new Array(count);
  let p = 0;
  let k = 0;
  const n = col.length;
  while (p < n) {
    let b = col[p++];
    if (b < 0x80) {
      out[k++] = b;
      continue;
    }
    let v = b & 0x7f;
    let mul = 128;
    for (;;) {
      if (p >= n) throw new RecordDecodeError(`${what}: truncated varint at byte ${p}`);
      if (mul > 2 ** 49) throw new RecordDecodeError(`${what}: varint longer than 53 bits at byte ${p}`);
      b = col[p++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    out[k++] = v;
  }
  return out;
}

export function readDeltas(col: Buffer, what: string): number[] {
  const zz = readUvarints(col, what);
  let prev = 0;
  for (let i = 0; i < zz.length; i++) {
    const z = zz[i];
    prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    zz[i] = prev;
  }
  return zz;
}

export function readFloat64s(col: Buffer, what: string): number[] {
  if (col.length % 8 !== 0) throw new RecordDecodeError(`${what}: ${col.length} bytes is not a whole number of doubles`);
  const n = col.length / 8;
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = col.readDoubleLE(i * 8);
  return out;
}

/** Bytes per entry of a reference column into a table of `tableSize` entries. */
export function referenceWidth(tableSize: number): 1 | 2 | 4 {
  return tableSize <= 0x100 ? 1 : tableSize <= 0x10000 ? 2 : 4;
}

export function writeReferences(refs: readonly number[], width: 1 | 2 | 4): Buffer {
  const out = Buffer.allocUnsafe(refs.length * width);
  if (width === 1) for (let i = 0; i < refs.length; i++) out[i] = refs[i];
  else if (width === 2) for (let i = 0; i < refs.length; i++) out.writeUInt16LE(refs[i], i * 2);
  else for (let i = 0; i < refs.length; i++) out.writeUInt32LE(refs[i], i * 4);
  return out;
}

/** A view (or, when unaligned, a copy) of a reference column as an indexable array. */
export function readReferences(col: Buffer, width: 1 | 2 | 4, what: string): ArrayLike<number> {
  if (col.length % width !== 0) throw new RecordDecodeError(`${what}: ${col.length} bytes is not a multiple of ${width}`);
  if (width === 1) return col;
  const aligned = col.byteOffset % width === 0 ? col : Buffer.from(col);
  return width === 2
    ? new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2)
    : new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
}
