/**
 * The STREAMED_XOR_CHUNKS answer of remote read, as Prometheus streams it
 * (`storage/remote/chunked.go`): frames of a uvarint size, the frame's CRC-32C (Castagnoli,
 * big-endian) and a `ChunkedReadResponse` holding one series' chunks and the index of the query
 * it answers. Float samples go in XOR chunks (staleness markers kept, as their bits are exact
 * there), native histograms in float-histogram chunks; a series whose samples change type gets a
 * chunk per run, in time order. A series with more than a frame's worth of chunks is split over
 * several frames with the same labels, as Prometheus splits it.
 */
import { ENCODING_FLOAT_HISTOGRAM, encodeFloatHistogramChunks } from '../tsdb/chunks/prometheus-histogram-chunk.js';
import { ENCODING_XOR, SAMPLES_PER_CHUNK, XorChunk } from '../tsdb/chunks/xor-chunk.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { crc32c } from '../../schemas/crc32c.js';

/** Prometheus' frame bound: chunks are added to a frame until it holds this many bytes. */
const MAX_BYTES_IN_FRAME = 1024 * 1024;

export const CHUNKED_READ_CONTENT_TYPE = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';

/** One series of a select, restricted to the read's range. */
export interface ChunkSource {
  readonly labels: readonly { readonly name: string; readonly value: string }[];
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly stale: ArrayLike<number> | null;
  readonly histograms?: ArrayLike<FloatHistogram | null | undefined> | null;
}

export interface EncodedChunk {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** The series' samples in [start, end] as Prometheus chunks, in time order. */
export function seriesChunks(s: ChunkSource, start: number, end: number): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  const n = s.timestamps.length;
  let i = 0;
  while (i < n && s.timestamps[i]! < start) i++;
  while (i < n && s.timestamps[i]! <= end) {
    const isHistogram = s.histograms?.[i] != null;
    let j = i;
    while (j < n && s.timestamps[j]! <= end && (s.histograms?.[j] != null) === isHistogram) j++;
    if (isHistogram) {
      const ts: number[] = [];
      const hs: FloatHistogram[] = [];
      for (let k = i; k < j; k++) {
        ts.push(s.timestamps[k]!);
        hs.push(s.histograms![k]!);
      }
      for (const c of encodeFloatHistogramChunks(ts, hs)) out.push({ minTimeMs: c.minT, maxTimeMs: c.maxT, type: ENCODING_FLOAT_HISTOGRAM, data: c.bytes });
    } else {
      for (let k = i; k < j; k += SAMPLES_PER_CHUNK) {
        const c = XorChunk.encode(s.timestamps, s.values, s.stale, k, Math.min(j, k + SAMPLES_PER_CHUNK));
        out.push({ minTimeMs: c.minT, maxTimeMs: c.maxT, type: ENCODING_XOR, data: c.bytes });
      }
    }
    i = j;
  }
  return out;
}

// ---- protobuf, written by hand: the message is small and fixed, and this spares a copy of the chunk bytes.

class ProtoWriter {
  private parts: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  uvarint(v: number): void {
    const bytes: number[] = [];
    let x = v;
    while (x >= 0x80) {
      bytes.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    bytes.push(x);
    this.push(Uint8Array.from(bytes));
  }

  /** An int64 field value as protobuf writes it: two's complement varint (ten bytes when negative). */
  int64(v: number): void {
    if (v >= 0) {
      this.uvarint(v);
      return;
    }
    let x = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    while (x >= 0x80n) {
      bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    bytes.push(Number(x));
    this.push(Uint8Array.from(bytes));
  }

  tag(field: number, wire: number): void {
    this.uvarint(field * 8 + wire);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.uvarint(b.length);
    this.push(b);
  }

  message(field: number, m: ProtoWriter): void {
    this.tag(field, 2);
    this.uvarint(m.length);
    for (const p of m.parts) this.push(p);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

const utf8 = new TextEncoder();

function chunkedSeries(labels: ChunkSource['labels'], chunks: readonly EncodedChunk[]): ProtoWriter {
  const s = new ProtoWriter();
  for (const l of labels) {
    const m = new ProtoWriter();
    m.bytes(1, utf8.encode(l.name));
    m.bytes(2, utf8.encode(l.value));
    s.message(1, m);
  }
  for (const c of chunks) {
    const m = new ProtoWriter();
    m.tag(1, 0);
    m.int64(c.minTimeMs);
    m.tag(2, 0);
    m.int64(c.maxTimeMs);
    m.tag(3, 0);
    m.uvarint(c.type);
    m.bytes(4, c.data);
    s.message(2, m);
  }
  return s;
}

function frame(msg: Uint8Array): Uint8Array {
  const head = new ProtoWriter();
  head.uvarint(msg.length);
  const h = head.finish();
  const out = new Uint8Array(h.length + 4 + msg.length);
  out.set(h, 0);
  new DataView(out.buffer).setUint32(h.length, crc32c(msg));
  out.set(msg, h.length + 4);
  return out;
}

/**
 * The frames answering query `queryIndex` for one series: its chunks, a frame per megabyte of
 * chunk data (a series without samples in the range sends nothing).
 */
export function seriesFrames(queryIndex: number, labels: ChunkSource['labels'], chunks: readonly EncodedChunk[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let from = 0;
  while (from < chunks.length) {
    let bytes = 0;
    let to = from;
    while (to < chunks.length && (to === from || bytes + chunks[to]!.data.length <= MAX_BYTES_IN_FRAME)) bytes += chunks[to++]!.data.length;
    const msg = new ProtoWriter();
    msg.message(1, chunkedSeries(labels, chunks.slice(from, to)));
    if (queryIndex !== 0) {
      msg.tag(2, 0);
      msg.int64(queryIndex);
    }
    frames.push(frame(msg.finish()));
    from = to;
  }
  return frames;
}

/** One `ChunkedSeries` of a streamed answer, as read back. */
export interface ReadChunkedSeries {
  readonly queryIndex: number;
  readonly labels: Record<string, string>;
  readonly chunks: EncodedChunk[];
}

export class ChunkedReadDecodeError extends Error {
  constructor(message: string) {
    super(`streamed remote read answer: ${message}`);
    this.name = 'ChunkedReadDecodeError';
  }
}

class ProtoReader {
  constructor(readonly buf: Uint8Array, public pos: number, readonly end: number) {}

  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ChunkedReadDecodeError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ChunkedReadDecodeError(`varint too long at byte ${this.pos}`);
  }

  int64(): number {
    const start = this.pos;
    const v = this.uvarint();
    if (this.pos - start < 10) return v;
    let big = 0n;
    for (let i = 0; i < 10; i++) big |= BigInt(this.buf[start + i]! & 0x7f) << BigInt(7 * i);
    return Number(BigInt.asIntN(64, big));
  }

  bytes(): Uint8Array {
    const len = this.uvarint();
    if (this.pos + len > this.end) throw new ChunkedReadDecodeError(`field of ${len} bytes at byte ${this.pos} runs past its message`);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  skip(wire: number): void {
    if (wire === 0) this.uvarint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new ChunkedReadDecodeError(`unsupported wire type ${wire} at byte ${this.pos}`);
  }
}

const utf8d = new TextDecoder();

/** Reads the frames of a streamed answer (checksums checked) into its series, in order. */
export function decodeChunkedReadFrames(buf: Uint8Array): ReadChunkedSeries[] {
  const out: ReadChunkedSeries[] = [];
  const top = new ProtoReader(buf, 0, buf.length);
  while (top.pos < top.end) {
    const size = top.uvarint();
    const crcAt = top.pos;
    if (crcAt + 4 + size > buf.length) throw new ChunkedReadDecodeError(`frame of ${size} bytes at byte ${crcAt} runs past the answer`);
    const msg = buf.subarray(crcAt + 4, crcAt + 4 + size);
    const want = new DataView(buf.buffer, buf.byteOffset + crcAt, 4).getUint32(0);
    if (crc32c(msg) !== want) throw new ChunkedReadDecodeError(`frame at byte ${crcAt}: checksum mismatch`);
    top.pos = crcAt + 4 + size;
    const r = new ProtoReader(msg, 0, msg.length);
    const series: { labels: Record<string, string>; chunks: EncodedChunk[] }[] = [];
    let queryIndex = 0;
    while (r.pos < r.end) {
      const tag = r.uvarint();
      if (tag === (1 << 3) + 2) {
        const sb = r.bytes();
        const s = new ProtoReader(sb, 0, sb.length);
        const labels: Record<string, string> = {};
        const chunks: EncodedChunk[] = [];
        while (s.pos < s.end) {
          const st = s.uvarint();
          if (st === (1 << 3) + 2) {
            const lb = s.bytes();
            const l = new ProtoReader(lb, 0, lb.length);
            let name = '';
            let value = '';
            while (l.pos < l.end) {
              const lt = l.uvarint();
              if (lt === (1 << 3) + 2) name = utf8d.decode(l.bytes());
              else if (lt === (2 << 3) + 2) value = utf8d.decode(l.bytes());
              else l.skip(lt & 7);
            }
            labels[name] = value;
          } else if (st === (2 << 3) + 2) {
            const cb = s.bytes();
            const c = new ProtoReader(cb, 0, cb.length);
            let minTimeMs = 0;
            let maxTimeMs = 0;
            let type = 0;
            let data: Uint8Array = new Uint8Array(0);
            while (c.pos < c.end) {
              const ct = c.uvarint();
              if (ct === (1 << 3)) minTimeMs = c.int64();
              else if (ct === (2 << 3)) maxTimeMs = c.int64();
              else if (ct === (3 << 3)) type = c.uvarint();
              else if (ct === (4 << 3) + 2) data = c.bytes();
              else c.skip(ct & 7);
            }
            chunks.push({ minTimeMs, maxTimeMs, type, data });
          } else s.skip(st & 7);
        }
        series.push({ labels, chunks });
      } else if (tag === (2 << 3)) queryIndex = r.int64();
      else r.skip(tag & 7);
    }
    for (const s of series) out.push({ queryIndex, ...s });
  }
  return out;
}
