/**
 * Prometheus' XOR chunk encoding (tsdb/chunkenc/xor.go, after Facebook's Gorilla): a 2-byte
 * big-endian sample count; the first sample as a varint timestamp and 64 raw value bits; the
 * second as a uvarint timestamp delta and an XOR-encoded value; the rest as delta-of-delta
 * timestamps (prefixes 0, 10, 110, 1110, 1111 for 0, 14, 17, 20 and 64 bits) and XOR-encoded
 * values (0: same value; 10: the previous leading/trailing zero counts; 11: 5 bits of leading
 * zeros, 6 bits of significant bits, then those bits). 64-bit values are handled as two 32-bit
 * halves: JavaScript's bit operators work on 32 bits, and BigInt costs too much per sample.
 */
import { STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/sample.js';

export class ChunkDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkDecodeError';
  }
}

class BitReader {
  /** Position in bits from the start of `buf`. */
  pos: number;

  constructor(
    private readonly buf: Uint8Array,
    startByte: number,
    private readonly endBit: number,
  ) {
    this.pos = startByte * 8;
  }

  bit(): number {
    if (this.pos >= this.endBit) throw new ChunkDecodeError('XOR chunk: ran out of bits');
    const b = (this.buf[this.pos >>> 3] >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  /** Up to 32 bits as an unsigned number. */
  bits(n: number): number {
    if (this.pos + n > this.endBit) throw new ChunkDecodeError('XOR chunk: ran out of bits');
    let v = 0;
    while (n > 0) {
      const byte = this.buf[this.pos >>> 3];
      const offset = this.pos & 7;
      const take = Math.min(8 - offset, n);
      const part = (byte >>> (8 - offset - take)) & ((1 << take) - 1);
      v = v * (1 << take) + part;
      n -= take;
      this.pos += take;
    }
    return v;
  }

  /** A byte-aligned varint (the first two samples are written byte by byte). */
  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.bits(8);
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ChunkDecodeError('XOR chunk: varint too long');
  }

  varint(): number {
    const u = this.uvarint();
    // zigzag: even values are positive, odd ones negative.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}

const f64 = new DataView(new ArrayBuffer(8));

function toFloat(hi: number, lo: number): number {
  f64.setUint32(0, hi);
  f64.setUint32(4, lo);
  return f64.getFloat64(0);
}

/**
 * Appends the samples of one XOR chunk (its data, without the chunk file's length, encoding and
 * CRC) to `timestamps` and `values`; staleness markers are left out, as the import format cannot
 * carry them. Returns how many samples were appended.
 */
export function decodeXorChunk(data: Uint8Array, timestamps: number[], values: number[]): number {
  if (data.length < 2) throw new ChunkDecodeError('XOR chunk shorter than its header');
  const count = (data[0] << 8) | data[1];
  const r = new BitReader(data, 2, data.length * 8);
  let appended = 0;
  let t = 0;
  let delta = 0;
  let hi = 0;
  let lo = 0;
  let leading = 0;
  let trailing = 0;
  const emit = () => {
    if (hi === STALE_NAN_BITS_HI && lo === STALE_NAN_BITS_LO) return;
    timestamps.push(t);
    values.push(toFloat(hi, lo));
    appended++;
  };
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      t = r.varint();
      hi = r.bits(32);
      lo = r.bits(32);
      emit();
      continue;
    }
    if (i === 1) {
      delta = r.uvarint();
      t += delta;
    } else {
      let dod: number;
      if (r.bit() === 0) dod = 0;
      else if (r.bit() === 0) dod = signed(r.bits(14), 14);
      else if (r.bit() === 0) dod = signed(r.bits(17), 17);
      else if (r.bit() === 0) dod = signed(r.bits(20), 20);
      else {
        const h = r.bits(32);
        const l = r.bits(32);
        dod = (h | 0) * 2 ** 32 + l;
      }
      delta += dod;
      t += delta;
    }
    // The value, XORed with the previous one.
    if (r.bit() === 1) {
      if (r.bit() === 1) {
        leading = r.bits(5);
        let significant = r.bits(6);
        if (significant === 0) significant = 64;
        trailing = 64 - leading - significant;
      }
      const significant = 64 - leading - trailing;
      let xhi: number;
      let xlo: number;
      if (significant > 32) {
        xhi = r.bits(significant - 32);
        xlo = r.bits(32);
      } else {
        xhi = 0;
        xlo = r.bits(significant);
      }
      // (xhi, xlo) << trailing, as 64 bits.
      if (trailing >= 32) {
        xhi = trailing === 64 ? 0 : xlo * 2 ** (trailing - 32);
        xlo = 0;
      } else if (trailing > 0) {
        xhi = (xhi * 2 ** trailing + Math.floor(xlo / 2 ** (32 - trailing))) % 2 ** 32;
        xlo = (xlo * 2 ** trailing) % 2 ** 32;
      }
      hi = (hi ^ xhi) >>> 0;
      lo = (lo ^ xlo) >>> 0;
    }
    emit();
  }
  return appended;
}

/** A two's complement `n`-bit field; Prometheus reads values above 2^(n-1) as negative. */
function signed(bits: number, n: number): number {
  return bits > 2 ** (n - 1) ? bits - 2 ** n : bits;
}
