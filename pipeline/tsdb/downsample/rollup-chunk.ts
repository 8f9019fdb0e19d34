import { ByteReader, ByteWriter } from '../block/encoding.js';
import { encodeBest, ENCODING_ROLLUP, isKnownEncoding, SampleBuffer } from '../chunks/index.js';
import { CorruptionError } from '../errors.js';
import { ROLLUP_FIELDS, type RollupWindows } from './rollup-windows.js';

export { ENCODING_ROLLUP };

/**
 * Encodes windows [from, to) as a rollup chunk: the window count (u16, as every chunk starts), then
 * per field in ROLLUP_FIELDS order one ordinary chunk (XOR or decimal, whichever is smaller) of
 * (window end, value) samples. First and last sample times are stored as their distance to the
 * window end: small integers that the decimal encoding packs into a few bits.
 */
export function encodeRollupChunk(w: RollupWindows, from: number, to: number): Uint8Array {
  const n = to - from;
  if (n < 1 || n > 0xffff) throw new RangeError(`a rollup chunk holds 1 to 65535 windows, not ${n}`);
  const ends = w.ends.slice(from, to);
  const out = new ByteWriter(64 + n * 16);
  out.byte(n >> 8);
  out.byte(n & 0xff);
  for (const f of ROLLUP_FIELDS) {
    const col = w[f].slice(from, to);
    if (f === 'firstT' || f === 'lastT') for (let i = 0; i < n; i++) col[i] = ends[i] - col[i];
    const c = encodeBest(ends, col, null);
    out.uvarint(c.bytes.length);
    out.byte(c.encoding);
    out.bytes(c.bytes);
  }
  return out.result();
}

/** One decode buffer, reused: rollup chunks are decoded one at a time. */
const scratch = new SampleBuffer(0);

/**
 * Appends the windows of a rollup chunk that end in [mint, maxt] to `out`. Only the fields `out`
 * keeps are decoded (a rate reads five of the nine); the others are skipped over.
 */
export function decodeRollupChunk(bytes: Uint8Array, out: RollupWindows, mint: number, maxt: number, file = 'rollup chunk'): void {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new ByteReader(buf, file, 2);
  const n = (buf[0] << 8) | buf[1];
  out.reserve(n);
  const base = out.length;
  let got = -1;
  for (const f of ROLLUP_FIELDS) {
    const len = r.uvarint();
    const encoding = r.byte();
    if (!isKnownEncoding(encoding)) throw new CorruptionError(file, r.pos, `unknown encoding ${encoding} in rollup chunk`);
    if (r.pos + len > buf.length) throw new CorruptionError(file, r.pos, 'truncated rollup chunk');
    if (!out.has(f)) {
      r.pos += len;
      continue;
    }
    scratch.resetFor(n);
    scratch.pushEncoded(encoding, buf.subarray(r.pos, r.pos + len), mint, maxt);
    r.pos += len;
    if (got === -1) {
      got = scratch.length;
      if (got > n) throw new CorruptionError(file, r.pos, `rollup chunk column holds ${got} windows, its header ${n}`);
      out.ends.set(scratch.t.subarray(0, got), base);
    } else if (scratch.length !== got) throw new CorruptionError(file, r.pos, 'rollup chunk columns differ in length');
    const col = out[f];
    if (f === 'firstT' || f === 'lastT') {
      const ends = out.ends;
      const v = scratch.v;
      for (let i = 0; i < got; i++) col[base + i] = ends[base + i] - v[i];
    } else col.set(scratch.v.subarray(0, got), base);
  }
  if (got > 0) out.length = base + got;
}
