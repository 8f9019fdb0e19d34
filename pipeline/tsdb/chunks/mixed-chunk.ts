import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { ByteReader, ByteWriter } from '../block/encoding.js';
import { readHistogram, writeHistogram } from './histogram-codec.js';

/**
 * Mixed chunks (encoding id 4, FORMAT.md): the samples of a series that holds native histograms
 * or start timestamps, floats and staleness markers among them, in time order. Self-describing and byte-aligned:
 * simpler than Prometheus' histogram chunk (no XOR of bucket counts), and only series that have
 * histograms pay for it; float-only series keep the XOR and decimal encodings.
 */
export const ENCODING_MIXED = 4;

const KIND_FLOAT = 0;
const KIND_STALE = 1;
const KIND_HISTOGRAM = 2;
/** Set in a kind byte when the sample has a start timestamp (a varint of t - st follows t). */
const FLAG_START = 0x80;

/** Where a mixed chunk's samples are decoded to. */
export interface MixedSampleSink {
  pushFloat(t: number, v: number, stale: boolean): void;
  pushHistogram(t: number, h: FloatHistogram): void;
  /** The start timestamp of the sample at `t` (pushed before the sample itself). */
  pushStartTimestamp(t: number, st: number): void;
}

/**
 * Encodes samples [from, to) (ascending, distinct timestamps): `hs[i]` non-null makes sample i a
 * histogram, else it is the float `vs[i]` (a staleness marker where `stale[i]` is 1). `sts[i]`,
 * where not 0, is sample i's start timestamp.
 */
export function encodeMixed(ts: ArrayLike<number>, vs: ArrayLike<number>, stale: ArrayLike<number> | null, hs: ArrayLike<FloatHistogram | null> | null, from = 0, to = ts.length, sts: ArrayLike<number> | null = null): Uint8Array {
  const n = to - from;
  if (n < 1 || n > 0xffff) throw new RangeError(`a mixed chunk holds 1..65535 samples, got ${n}`);
  const w = new ByteWriter(64 + n * 16);
  w.byte(n >>> 8);
  w.byte(n & 0xff);
  for (let i = from; i < to; i++) {
    const h = hs === null ? null : hs[i];
    const kind = h !== null ? KIND_HISTOGRAM : stale !== null && stale[i] === 1 ? KIND_STALE : KIND_FLOAT;
    const st = sts === null ? 0 : sts[i];
    w.byte(st !== 0 ? kind | FLAG_START : kind);
    if (i === from) w.varint(ts[i]);
    else w.uvarint(ts[i] - ts[i - 1]);
    if (st !== 0) w.varint(ts[i] - st);
    if (kind === KIND_FLOAT) w.f64(vs[i]);
    else if (kind === KIND_HISTOGRAM) writeHistogram(w, h!);
  }
  // A copy: the chunk outlives the writer's spare capacity.
  return new Uint8Array(w.result());
}

/** Decodes the samples of a mixed chunk that fall in [mint, maxt]. */
export function decodeMixedInto(bytes: Uint8Array, out: MixedSampleSink, mint: number, maxt: number): void {
  const r = new ByteReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'mixed chunk');
  const n = (r.byte() << 8) | r.byte();
  let t = 0;
  for (let i = 0; i < n; i++) {
    const flagged = r.byte();
    const kind = flagged & ~FLAG_START;
    t = i === 0 ? r.varint() : t + r.uvarint();
    if (flagged !== kind) {
      const st = t - r.varint();
      if (t >= mint && t <= maxt) out.pushStartTimestamp(t, st);
    }
    if (kind === KIND_FLOAT) {
      const v = r.f64();
      if (t >= mint && t <= maxt) out.pushFloat(t, v, false);
    } else if (kind === KIND_STALE) {
      if (t >= mint && t <= maxt) out.pushFloat(t, NaN, true);
    } else if (kind === KIND_HISTOGRAM) {
      const h = readHistogram(r);
      if (t >= mint && t <= maxt) out.pushHistogram(t, h);
    } else {
      throw new RangeError(`mixed chunk: unknown sample kind ${kind} at byte ${r.pos - 1}`);
    }
    if (t > maxt) return;
  }
}
