/**
 * A bit reader for the decode hot path: reads up to 32 bits with one 40-bit window load instead
 * of a loop per byte. It does not check the end of the stream: callers bound their loops by the
 * sample count in the chunk header, and bytes past the end read as zero, so a corrupt chunk gives
 * wrong samples (the checksum catches it on disk) but never a crash or an endless loop.
 */
export class FastBitReader {
  bytes: Uint8Array;
  pos: number;

  constructor(bytes: Uint8Array, startBit = 0) {
    this.bytes = bytes;
    this.pos = startBit;
  }

  reset(bytes: Uint8Array, startBit: number): void {
    this.bytes = bytes;
    this.pos = startBit;
  }

  /** Reads `n` bits (0 <= n <= 32) as an unsigned integer. */
  read(n: number): number {
    if (n === 0) return 0;
    const w = this.window();
    this.pos += n;
    return n === 32 ? w >>> 0 : w >>> (32 - n);
  }

  /**
   * Reads 32 bits as a signed 32-bit integer: as an unsigned one, a word of 2^31 and more returned
   * from a call V8 does not inline is a new heap number.
   */
  read32s(): number {
    const w = this.window();
    this.pos += 32;
    return w;
  }

  /** The 32 bits from the current position, as a signed 32-bit integer (one 40-bit window load). */
  private window(): number {
    const p = this.pos;
    const b = this.bytes;
    const i = p >>> 3;
    const sh = p & 7;
    let w: number;
    if (i + 4 < b.length) {
      w = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
      if (sh !== 0) w = (w << sh) | (b[i + 4] >>> (8 - sh));
    } else {
      w = (at(b, i) << 24) | (at(b, i + 1) << 16) | (at(b, i + 2) << 8) | at(b, i + 3);
      if (sh !== 0) w = (w << sh) | (at(b, i + 4) >>> (8 - sh));
    }
    return w;
  }

  bit(): number {
    const p = this.pos;
    this.pos = p + 1;
    const i = p >>> 3;
    return i < this.bytes.length ? (this.bytes[i] >>> (7 - (p & 7))) & 1 : 0;
  }

  /** Reads `n` bits (0 <= n <= 53) as a safe integer. */
  readWide(n: number): number {
    if (n <= 32) return this.read(n);
    const hi = this.read(n - 32);
    return hi * 4294967296 + this.read(32);
  }

  /** LEB128 written as 8-bit groups (the chunk encodings' varints). */
  uvarint(): number {
    let out = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.read(8);
      out += (b & 0x7f) * mul;
      if (b < 0x80) return out;
      mul *= 0x80;
    }
    return out;
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}

function at(b: Uint8Array, i: number): number {
  return i < b.length ? b[i] : 0;
}
