import { ByteReader, ByteWriter } from '../block/encoding.js';
import { encodeBest, ENCODING_ROLLUP, isKnownEncoding, SampleBuffer } from '../chunks/index.js';
import { CorruptionError } from '../errors.js';
import { ROLLUP_FIELDS, type RollupColumn, type RollupField, type RollupWindows } from './rollup-windows.js';

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
    let col = w[f].slice(from, to);
    if (f === 'firstT' || f === 'lastT') col = col.map((t, i) => ends[i] - t);
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
 * Appends the windows of a rollup chunk that end in [mint, maxt] to `out`. Only the fields in
 * `fields` are decoded (the others are filled with NaN): a rate reads five of the nine.
 */
export function decodeRollupChunk(bytes: Uint8Array, out: RollupWindows, mint: number, maxt: number, file = 'rollup chunk', fields: ReadonlySet<RollupField> = ALL_FIELDS): void {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new ByteReader(buf, file, 2);
  const n = (buf[0] << 8) | buf[1];
  const base = out.ends.length;
  let got = -1;
  const skipped: RollupField[] = [];
  for (const f of ROLLUP_FIELDS) {
    const len = r.uvarint();
    const encoding = r.byte();
    if (!isKnownEncoding(encoding)) throw new CorruptionError(file, r.pos, `unknown encoding ${encoding} in rollup chunk`);
    if (r.pos + len > buf.length) throw new CorruptionError(file, r.pos, 'truncated rollup chunk');
    if (!fields.has(f)) {
      r.pos += len;
      skipped.push(f);
      continue;
    }
    scratch.resetFor(n);
    scratch.pushEncoded(encoding, buf.subarray(r.pos, r.pos + len), mint, maxt);
    r.pos += len;
    if (got === -1) {
      got = scratch.length;
      for (let i = 0; i < got; i++) out.ends.push(scratch.t[i]);
    } else if (scratch.length !== got) throw new CorruptionError(file, r.pos, 'rollup chunk columns differ in length');
    const col = out[f];
    if (f === 'firstT' || f === 'lastT') for (let i = 0; i < got; i++) col.push(out.ends[base + i] - scratch.v[i]);
    else for (let i = 0; i < got; i++) col.push(scratch.v[i]);
  }
  for (const f of skipped) for (let i = 0; i < got; i++) out[f].push(NaN);
}

const ALL_FIELDS: ReadonlySet<RollupField> = new Set(ROLLUP_FIELDS);

/** The fields a column of a rollup select is computed from. */
export function fieldsOf(column: RollupColumn): ReadonlySet<RollupField> {
  return FIELDS_OF[column];
}

const FIELDS_OF: Readonly<Record<RollupColumn, ReadonlySet<RollupField>>> = {
  counter: new Set(['firstT', 'firstV', 'lastT', 'lastV', 'increase']),
  sum: new Set(['sum']),
  count: new Set(['count']),
  min: new Set(['min']),
  max: new Set(['max']),
};
