import { ByteReader, ByteWriter } from '../block/encoding.js';
import { CorruptionError } from '../errors.js';
import { decodeInto, encodeBest, ENCODING_STARTS } from './chunk-codec.js';
import type { SampleTarget } from './sample-target.js';

/**
 * Float chunks with start timestamps (encoding id 5, FORMAT.md): the samples in the smaller of the
 * XOR and decimal encodings, then their start timestamps in runs. A cumulative counter's start
 * stays the same from sample to sample and a delta series' start trails its timestamp by the
 * same interval, so a run of either kind is a few bytes however long it is; a series with start
 * timestamps costs about what it costs without them (a mixed chunk spends a byte-aligned f64
 * and a varint on each sample).
 */
export { ENCODING_STARTS };

/** A run whose samples share one start timestamp (0: none). */
const RUN_SAME_START = 0;
/** A run whose samples' start timestamps trail their timestamps by one offset. */
const RUN_SAME_OFFSET = 1;

/** Where a chunk with start timestamps is decoded to. */
export interface StartTimestampTarget extends SampleTarget {
  push(t: number, v: number, stale: boolean): void;
  pushStartTimestamp(t: number, st: number): void;
}

/**
 * Encodes float samples [from, to) (ascending, distinct timestamps; `sts[i]` 0 where sample i has
 * no start timestamp): `count u16 | inner encoding u8 | inner length uvarint | inner chunk |
 * runs`, each run `length uvarint | kind u8 | value varint` (kind 0: the start timestamp itself,
 * kind 1: timestamp minus start timestamp).
 */
export function encodeWithStarts(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, sts: ArrayLike<number>, from = 0, to = ts.length): Uint8Array {
  const n = to - from;
  if (n < 1 || n > 0xffff) throw new RangeError(`a chunk holds 1..65535 samples, got ${n}`);
  const inner = encodeBest(ts, vs, stale, from, to);
  const w = new ByteWriter(32 + inner.bytes.length);
  w.byte(n >>> 8);
  w.byte(n & 0xff);
  w.byte(inner.encoding);
  w.uvarint(inner.bytes.length);
  w.bytes(inner.bytes);
  let i = from;
  while (i < to) {
    // The longer of the two runs starting here (a lone sample is a run of its start).
    let same = i + 1;
    while (same < to && sts[same] === sts[i]) same++;
    let offset = i + 1;
    const off = ts[i] - sts[i];
    while (sts[i] !== 0 && offset < to && sts[offset] !== 0 && ts[offset] - sts[offset] === off) offset++;
    if (offset > same) {
      w.uvarint(offset - i);
      w.byte(RUN_SAME_OFFSET);
      w.varint(off);
      i = offset;
    } else {
      w.uvarint(same - i);
      w.byte(RUN_SAME_START);
      w.varint(sts[i]);
      i = same;
    }
  }
  return new Uint8Array(w.result());
}

/** Decodes the samples in [mint, maxt] of a chunk with start timestamps, with their start timestamps. */
export function decodeWithStartsInto(bytes: Uint8Array, out: StartTimestampTarget, mint: number, maxt: number): void {
  const r = new ByteReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'start timestamp chunk');
  const n = (r.byte() << 8) | r.byte();
  const encoding = r.byte();
  const len = r.uvarint();
  if (r.pos + len > bytes.length) throw new CorruptionError('start timestamp chunk', r.pos, `inner chunk of ${len} bytes exceeds the data`);
  const inner = bytes.subarray(r.pos, r.pos + len);
  r.pos += len;
  const samples: SampleTarget = { t: new Float64Array(n), v: new Float64Array(n), s: new Uint8Array(n), length: 0, staleCount: 0, unsorted: false };
  decodeInto(encoding, inner, samples, -Infinity, Infinity);
  if (samples.length !== n) throw new CorruptionError('start timestamp chunk', 0, `${samples.length} samples in the inner chunk, ${n} in the header`);
  let i = 0;
  while (i < n) {
    const run = r.uvarint();
    const kind = r.byte();
    const value = r.varint();
    if (run < 1 || i + run > n || kind > RUN_SAME_OFFSET) throw new CorruptionError('start timestamp chunk', r.pos, `bad run of ${run} (kind ${kind}) at sample ${i} of ${n}`);
    for (const end = i + run; i < end; i++) {
      const t = samples.t[i];
      if (t < mint || t > maxt) continue;
      const st = kind === RUN_SAME_START ? value : t - value;
      if (st !== 0) out.pushStartTimestamp(t, st);
      out.push(t, samples.v[i], samples.s[i] === 1);
    }
  }
}
