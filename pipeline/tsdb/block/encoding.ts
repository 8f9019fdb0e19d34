import { crc32 } from 'node:zlib';
import { CorruptionError } from '../errors.js';

/** Appends integers and strings to a growable buffer (block files, WAL records). */
export class ByteWriter {
  buf: Buffer;
  length = 0;

  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  u32(x: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(x >>> 0, this.length);
    this.length += 4;
  }

  f64(x: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(x, this.length);
    this.length += 8;
  }

  /** Unsigned varint of a safe integer (exact up to 2^53). */
  uvarint(x: number): void {
    this.ensure(10);
    let v = x;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  /** Zigzag varint of a safe integer. */
  varint(x: number): void {
    this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  str(s: string): void {
    const n = Buffer.byteLength(s);
    this.uvarint(n);
    this.ensure(n);
    this.buf.write(s, this.length, 'utf8');
    this.length += n;
  }

  /** CRC32 (IEEE) of bytes [from, length). */
  crcFrom(from: number): number {
    return crc32(this.buf.subarray(from, this.length));
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Reads what ByteWriter wrote; every overrun is a CorruptionError naming the file and offset. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    readonly file: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new CorruptionError(this.file, this.pos, `truncated: need ${n} bytes`);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    let out = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      out += (b & 0x7f) * mul;
      if (b < 0x80) return out;
      mul *= 0x80;
    }
    throw new CorruptionError(this.file, this.pos, 'varint too long');
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  str(): string {
    const n = this.uvarint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Checks the CRC32 stored at `pos` against bytes [from, pos). */
  checkCrc(from: number, what: string): void {
    const want = crc32(this.buf.subarray(from, this.pos));
    const got = this.u32();
    if (got !== want) throw new CorruptionError(this.file, from, `${what} checksum mismatch`);
  }
}
