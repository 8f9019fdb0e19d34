/**
 * Bit streams over a Uint8Array, most significant bit first (as Prometheus' `bstream`).
 * All operations work on at most 32 bits at a time so the hot path stays on small integers
 * (no BigInt); 64-bit quantities are passed as a (hi, lo) pair of unsigned 32-bit words.
 */
export class BitWriter {
  bytes: Uint8Array;
  /** Number of bits written so far. */
  bitLength = 0;

  constructor(initialBytes = 32) {
    this.bytes = new Uint8Array(initialBytes);
  }

  private ensure(extraBits: number): void {
    const need = (this.bitLength + extraBits + 7) >>> 3;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes);
    this.bytes = next;
  }

  writeBit(bit: number): void {
    this.ensure(1);
    const pos = this.bitLength;
    if (bit) this.bytes[pos >>> 3] |= 0x80 >>> (pos & 7);
    this.bitLength = pos + 1;
  }

  /** Writes a 0 bit: bytes past the written bits are still zero, so only the length moves. */
  writeZeroBit(): void {
    const pos = this.bitLength;
    if (pos >>> 3 >= this.bytes.length) this.ensure(1);
    this.bitLength = pos + 1;
  }

  /** Writes the low `n` bits of `value` (0 <= n <= 32), most significant first. */
  writeBits(value: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    const bytes = this.bytes;
    let pos = this.bitLength;
    let left = n;
    const free0 = 8 - (pos & 7);
    if (left > free0) {
      // The partial first byte, then whole bytes, then the rest: no per-bit work.
      left -= free0;
      bytes[pos >>> 3] |= (value >>> left) & ((1 << free0) - 1);
      pos += free0;
      while (left >= 8) {
        left -= 8;
        bytes[pos >>> 3] = (value >>> left) & 0xff;
        pos += 8;
      }
      if (left > 0) bytes[pos >>> 3] = (value << (8 - left)) & 0xff;
      this.bitLength = pos + left;
      return;
    }
    while (left > 0) {
      const free = 8 - (pos & 7);
      const take = left < free ? left : free;
      const bits = (value >>> (left - take)) & ((1 << take) - 1);
      bytes[pos >>> 3] |= bits << (free - take);
      pos += take;
      left -= take;
    }
    this.bitLength = pos;
  }

  /** Writes the low `n` bits (0 <= n <= 64) of the 64-bit word (hi, lo). */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.writeBits(hi, n - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, n);
    }
  }

  /** Writes a whole byte at the current bit position. */
  writeByte(b: number): void {
    this.writeBits(b & 0xff, 8);
  }

  /** Starts over in the same bytes (those written are zeroed again: writes OR bits into them). */
  reset(): void {
    this.bytes.fill(0, 0, (this.bitLength + 7) >>> 3);
    this.bitLength = 0;
  }

  /** A copy of the written bytes, trimmed to length. */
  finish(): Uint8Array {
    return this.bytes.slice(0, (this.bitLength + 7) >>> 3);
  }
}

export class BitReader {
  private readonly bytes: Uint8Array;
  private pos: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, startBit = 0, endBit = bytes.length * 8) {
    this.bytes = bytes;
    this.pos = startBit;
    this.end = endBit;
  }

  get bitPosition(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  readBit(): number {
    const pos = this.pos;
    if (pos >= this.end) throw new RangeError('bit stream exhausted');
    this.pos = pos + 1;
    return (this.bytes[pos >>> 3] >>> (7 - (pos & 7))) & 1;
  }

  /** Reads `n` bits (0 <= n <= 32) as an unsigned integer. */
  readBits(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.end) throw new RangeError('bit stream exhausted');
    const bytes = this.bytes;
    let pos = this.pos;
    let left = n;
    let out = 0;
    while (left > 0) {
      const avail = 8 - (pos & 7);
      const take = left < avail ? left : avail;
      const bits = (bytes[pos >>> 3] >>> (avail - take)) & ((1 << take) - 1);
      out = (out << take) | bits;
      pos += take;
      left -= take;
    }
    this.pos = pos;
    return out >>> 0;
  }
}
