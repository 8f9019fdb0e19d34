import { decodeDecimalInto, encodeDecimalView, ENCODING_DECIMAL } from './decimal-chunk.js';
import { ENCODING_MIXED } from './mixed-chunk.js';
import type { SampleTarget } from './sample-target.js';
import { ENCODING_XOR, XorAppender } from './xor-chunk.js';
import { decodeXorInto } from './xor-decode.js';

/** An encoded chunk of either encoding, with its time range. */
export interface EncodedChunk {
  readonly encoding: number;
  readonly bytes: Uint8Array;
  readonly minT: number;
  readonly maxT: number;
}

/** Both encodings start with the sample count as a big-endian u16. */
export function encodedSampleCount(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  return length >= 2 ? (bytes[offset] << 8) | bytes[offset + 1] : 0;
}

/** Rollup chunks (downsampled blocks only); their layout is in downsample/rollup-chunk.ts. */
export const ENCODING_ROLLUP = 3;

/** Float chunks with start timestamps; their layout is in start-timestamp-chunk.ts. */
export const ENCODING_STARTS = 5;

export function isKnownEncoding(encoding: number): boolean {
  return encoding === ENCODING_XOR || encoding === ENCODING_DECIMAL || encoding === ENCODING_MIXED || encoding === ENCODING_STARTS;
}

/** The XOR encoding encodeBest tries (reset per chunk; encodeBest copies what it keeps, encodeBestView hands out a view). */
const trial = new XorAppender(256);

/**
 * Encodes samples [from, to) (ascending, distinct timestamps) in the smaller of the two encodings.
 * `xor` may pass an XOR encoding of the same samples the caller already has.
 */
export function encodeBest(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, from = 0, to = ts.length, xor?: Uint8Array): EncodedChunk {
  const c = encodeBestView(ts, vs, stale, from, to, xor);
  return c.bytes === xor ? c : { encoding: c.encoding, bytes: c.bytes.slice(), minT: c.minT, maxT: c.maxT };
}

/**
 * encodeBest, the bytes (unless they are `xor`) a view of an encoder's own buffer, valid until
 * the next encoding: for a caller that copies them at once (the head's chunk arena).
 */
export function encodeBestView(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, from = 0, to = ts.length, xor?: Uint8Array): EncodedChunk {
  const dec = encodeDecimalView(ts, vs, stale, from, to);
  const minT = ts[from];
  const maxT = ts[to - 1];
  let x = xor;
  if (x === undefined) {
    // The XOR encoding is given up once it is longer than the decimal one: it can only grow, and
    // exposition values (a few decimals) are mostly the smaller as decimal.
    const limit = dec === null ? Infinity : dec.length * 8;
    const a = trial;
    a.reset();
    for (let i = from; i < to; i++) {
      a.appendAt(ts, vs, i, stale !== null && stale[i] === 1);
      if (a.bitLength > limit) return { encoding: ENCODING_DECIMAL, bytes: dec!, minT, maxT };
    }
    x = a.view();
  }
  if (dec !== null && dec.length < x.length) return { encoding: ENCODING_DECIMAL, bytes: dec, minT, maxT };
  return { encoding: ENCODING_XOR, bytes: x, minT, maxT };
}

/** Decodes a chunk of any encoding into `out` (room for its sample count reserved), keeping [mint, maxt]. */
export function decodeInto(encoding: number, bytes: Uint8Array, out: SampleTarget, mint: number, maxt: number): void {
  if (encoding === ENCODING_DECIMAL) decodeDecimalInto(bytes, out, mint, maxt);
  // Histograms need a SampleBuffer (pushEncoded); float columns alone cannot hold them.
  else if (encoding === ENCODING_MIXED) throw new RangeError('a mixed chunk (native histograms) decodes only into a SampleBuffer');
  else if (encoding === ENCODING_STARTS) throw new RangeError('a chunk with start timestamps decodes only into a SampleBuffer');
  else decodeXorInto(bytes, out, mint, maxt);
}
