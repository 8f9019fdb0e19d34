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

  ensure(extra: number): void {
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

  get length(): number {
    return this.len;
  }

  /** Empties the writer, keeping its buffer (writers reused across records). */
  reset(): void {
    this.len = 0;
  }

  /**
   * An Avro string: zigzag length, then UTF-8. Label strings are nearly always ASCII, written
   * here without a native call; anything else goes through Buffer#write.
   */
  avroString(s: string): void {
    const n = s.length;
    this.ensure(3 * n + 10);
    const b = this.buf;
    if (n < 64) {
      // ≤ 63 bytes when ASCII: a one-byte zigzag length (2n < 128).
      let p = this.len + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[this.len] = n * 2;
        this.len = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.uvarint(bytes * 2);
    this.len += b.write(s, this.len, bytes, 'utf8');
  }

  /** An Avro `bytes` value: zigzag length, then the bytes. */
  avroBytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.uvarint(n * 2);
    this.ensure(n);
    this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }

  /** Little-endian unsigned integers of `width` bytes each (a reference column). */
  fixedWidth(src: ArrayLike<number>, n: number, width: 1 | 2 | 4): void {
    this.ensure(n * width);
    const b = this.buf;
    let p = this.len;
    if (width === 1) for (let i = 0; i < n; i++) b[p++] = src[i];
    else if (width === 2) {
      for (let i = 0; i < n; i++) {
        const v = src[i];
        b[p++] = v & 0xff;
        b[p++] = v >>> 8;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = src[i];
        b[p++] = v & 0xff;
        b[p++] = (v >>> 8) & 0xff;
        b[p++] = (v >>> 16) & 0xff;
        b[p++] = v >>> 24;
      }
    }
    this.len = p;
  }

  /** Appends bytes as they are (already Avro-encoded fields). */
  avroBytesRaw(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** Appends another writer's bytes as an Avro `bytes` value. */
  avroColumn(col: ColumnWriter): void {
    this.avroBytes(col.buf, 0, col.len);
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
