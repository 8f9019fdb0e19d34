/**
 * Prometheus' XOR chunk encoding (tsdb/chunkenc/xor.go, after Facebook's Gorilla): a 2-byte
 * big-endian sample count; the first sample as a varint timestamp and 64 raw value bits; the
 * second as a uvarint timestamp delta and an XOR-encoded value; the rest as delta-of-delta
 * timestamps (prefixes 0, 10, 110, 1110, 1111 for 0, 14, 17, 20 and 64 bits) and XOR-encoded
 * values (0: same value; 10: the previous leading/trailing zero counts; 11: 5 bits of leading
 * zeros, 6 bits of significant bits, then those bits). 64-bit values are handled as two 32-bit
 * halves: JavaScript's bit operators work on 32 bits, and BigInt costs too much per sample.
 */
import { FastBitReader } from '../../pipeline/tsdb/chunks/fast-bit-reader.js';
import { joinFloat } from '../../pipeline/tsdb/chunks/float-bits.js';
import { STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/sample.js';

export class ChunkDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkDecodeError';
  }
}

/** Shared by every call: decoding is synchronous, and a reader per chunk was garbage per chunk. */
const reader = new FastBitReader(new Uint8Array(0));

/** A byte-aligned uvarint (the first two samples are written byte by byte). */
function uvarint(r: FastBitReader): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = r.read(8);
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
  }
  throw new ChunkDecodeError('XOR chunk: varint too long');
}

/**
 * Appends the samples of one XOR chunk (its data, without the chunk file's length, encoding and
 * CRC) to `timestamps` and `values`; staleness markers are left out, as the import format cannot
 * carry them. Returns how many samples were appended. The TSDB's bit reader reads zeros past the
 * end instead of checking every read: a chunk cut short is found once it is read, as the reader
 * then stands past its end (it only moves forward).
 */
export function decodeXorChunk(data: Uint8Array, timestamps: number[], values: number[]): number {
  if (data.length < 2) throw new ChunkDecodeError('XOR chunk shorter than its header');
  const count = (data[0] << 8) | data[1];
  const r = reader;
  r.reset(data, 16);
  let appended = 0;
  let t = 0;
  let delta = 0;
  let hi = 0;
  let lo = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      const u = uvarint(r);
      // zigzag: even values are positive, odd ones negative.
      t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      hi = r.read(32);
      lo = r.read(32);
    } else {
      if (i === 1) {
        delta = uvarint(r);
      } else if (r.bit() !== 0) {
        let dod: number;
        if (r.bit() === 0) dod = signed(r.read(14), 14);
        else if (r.bit() === 0) dod = signed(r.read(17), 17);
        else if (r.bit() === 0) dod = signed(r.read(20), 20);
        else dod = (r.read(32) | 0) * TWO32 + r.read(32);
        delta += dod;
      }
      t += delta;
      // The value, XORed with the previous one.
      if (r.bit() !== 0) {
        if (r.bit() !== 0) {
          leading = r.read(5);
          let significant = r.read(6);
          if (significant === 0) significant = 64;
          trailing = 64 - leading - significant;
        }
        const significant = 64 - leading - trailing;
        let xhi = 0;
        let xlo: number;
        if (significant > 32) {
          xhi = r.read(significant - 32);
          xlo = r.read(32);
        } else {
          xlo = r.read(significant);
        }
        // (xhi, xlo) << trailing, as 64 bits.
        if (trailing >= 32) {
          xhi = trailing === 64 ? 0 : (xlo << (trailing - 32)) >>> 0;
          xlo = 0;
        } else if (trailing > 0) {
          xhi = ((xhi << trailing) | (xlo >>> (32 - trailing))) >>> 0;
          xlo = (xlo << trailing) >>> 0;
        }
        hi = (hi ^ xhi) >>> 0;
        lo = (lo ^ xlo) >>> 0;
      }
    }
    if (hi === STALE_NAN_BITS_HI && lo === STALE_NAN_BITS_LO) continue;
    timestamps.push(t);
    values.push(joinFloat(hi, lo));
    appended++;
  }
  if (r.pos > data.length * 8) throw new ChunkDecodeError('XOR chunk: ran out of bits');
  return appended;
}

const TWO32 = 2 ** 32;

/** A two's complement `n`-bit field; Prometheus reads values above 2^(n-1) as negative. */
function signed(bits: number, n: number): number {
  return bits > 2 ** (n - 1) ? bits - 2 ** n : bits;
}
