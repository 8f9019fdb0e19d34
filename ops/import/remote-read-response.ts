/**
 * Decodes a remote-read `ReadResponse` of response type SAMPLES (prompb: results = 1; QueryResult:
 * timeseries = 1; TimeSeries: labels = 1, samples = 2; Label: name = 1, value = 2; Sample: value =
 * 1 double, timestamp = 2 int64). Read by hand rather than through protobufjs so a staleness
 * marker is recognised by its bit pattern before the double becomes a JavaScript number.
 */
import { STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/index.js';
import { setLabel } from '../../schemas/labels.js';
import { crc32c } from '../../schemas/crc32c.js';
import { readHistogramMessage } from '../../connectors/remote-write/histogram-message-reader.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { decodeHistogramChunk } from '../../pipeline/tsdb/chunks/prometheus-histogram-chunk.js';
import { decodeXorChunk } from './xor-chunk.js';

/** A series' native-histogram samples, by timestamp. */
export interface ReadHistograms {
  readonly timestamps: number[];
  readonly histograms: FloatHistogram[];
}

/** One series of a remote-read answer (or a block); staleness markers are left out. */
export interface ReadSeries {
  readonly labels: Record<string, string>;
  readonly timestamps: number[];
  readonly values: number[];
  /** Native histograms (histogram chunks of a streamed answer or a block), when the series has any. */
  readonly histograms?: ReadHistograms;
}

/** Appends the non-stale histograms of a chunk of encoding 2 or 3 within [start, end] to `out`. */
export function readHistogramChunk(encoding: number, data: Uint8Array, out: ReadHistograms, start = Number.NEGATIVE_INFINITY, end = Number.POSITIVE_INFINITY): void {
  const d = decodeHistogramChunk(encoding, data);
  for (let i = 0; i < d.timestamps.length; i++) {
    const h = d.histograms[i];
    const t = d.timestamps[i]!;
    if (h === undefined || t < start || t > end) continue;
    out.timestamps.push(t);
    out.histograms.push(h);
  }
}

export class RemoteReadDecodeError extends Error {
  constructor(message: string) {
    super(`remote read response: ${message}`);
    this.name = 'RemoteReadDecodeError';
  }
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RemoteReadDecodeError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RemoteReadDecodeError(`varint too long at byte ${this.pos}`);
  }

  /** A varint int64: a negative one is ten bytes of two's complement, which a double cannot add up exactly. */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (this.pos - start < 10) return v;
    let big = 0n;
    for (let i = 0; i < 10; i++) big |= BigInt(this.buf[start + i] & 0x7f) << BigInt(7 * i);
    return Number(BigInt.asIntN(64, big));
  }

  sub(): Reader {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new RemoteReadDecodeError(`field of ${len} bytes runs past its message at byte ${this.pos}`);
    const r = new Reader(this.buf, this.pos, end);
    this.pos = end;
    return r;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new RemoteReadDecodeError(`unsupported wire type ${wire} at byte ${this.pos}`);
  }
}

/** The series of every query of an uncompressed `ReadResponse`, in answer order. */
export function decodeReadResponse(buf: Buffer): ReadSeries[] {
  const out: ReadSeries[] = [];
  const top = new Reader(buf);
  while (top.pos < top.end) {
    const tag = top.varint();
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
      top.skip(tag & 7);
      continue;
    }
    const result = top.sub();
    while (result.pos < result.end) {
      const t = result.varint();
      if (t >>> 3 === 1 && (t & 7) === 2) out.push(decodeTimeSeries(result.sub()));
      else result.skip(t & 7);
    }
  }
  return out;
}

/** One prometheus.Label message (name = 1, value = 2) into `labels`. */
function readLabel(l: Reader, labels: Record<string, string>): void {
  let name = '';
  let value = '';
  while (l.pos < l.end) {
    const lt = l.varint();
    if ((lt & 7) !== 2) {
      l.skip(lt & 7);
      continue;
    }
    const len = l.varint();
    const text = l.buf.toString('utf8', l.pos, l.pos + len);
    l.pos += len;
    if (lt >>> 3 === 1) name = text;
    else if (lt >>> 3 === 2) value = text;
  }
  setLabel(labels, name, value);
}

function decodeTimeSeries(r: Reader): ReadSeries {
  const labels: Record<string, string> = {};
  const timestamps: number[] = [];
  const values: number[] = [];
  const histograms: ReadHistograms = { timestamps: [], histograms: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) {
      readLabel(r.sub(), labels);
    } else if (field === 2 && (tag & 7) === 2) {
      const s = r.sub();
      let value = 0;
      let ts = 0;
      let stale = false;
      while (s.pos < s.end) {
        const st = s.varint();
        if (st >>> 3 === 1 && (st & 7) === 1) {
          stale = s.buf.readUInt32LE(s.pos + 4) === STALE_NAN_BITS_HI && s.buf.readUInt32LE(s.pos) === STALE_NAN_BITS_LO;
          value = s.buf.readDoubleLE(s.pos);
          s.pos += 8;
        } else if (st >>> 3 === 2 && (st & 7) === 0) {
          ts = s.int64();
        } else {
          s.skip(st & 7);
        }
      }
      // A staleness marker cannot travel through the JSON import format: it is left out.
      if (stale) continue;
      timestamps.push(ts);
      values.push(value);
    } else if (field === 4 && (tag & 7) === 2) {
      const h = r.sub();
      const d = readHistogramMessage(h.buf, h.pos, h.end);
      // A staleness marker (its sum is the staleness NaN) is left out, as for floats.
      const stale = h.end - h.pos > 0 && isStaleSum(h.buf, h.pos, h.end);
      if (d.invalid !== undefined) throw new RemoteReadDecodeError(`series ${JSON.stringify(labels)}: histogram at ${d.timestampMs}: ${d.invalid}`);
      if (!stale) {
        histograms.timestamps.push(d.timestampMs);
        histograms.histograms.push(d.histogram instanceof FloatHistogram ? d.histogram : d.histogram.toFloat());
      }
    } else {
      r.skip(tag & 7);
    }
  }
  return histograms.timestamps.length > 0 ? { labels, timestamps, values, histograms } : { labels, timestamps, values };
}

/** Whether a prompb Histogram message's sum (field 3, a double) is Prometheus' staleness NaN. */
function isStaleSum(buf: Buffer, start: number, end: number): boolean {
  const r = new Reader(buf, start, end);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === (3 << 3 | 1)) return buf.readUInt32LE(r.pos + 4) === STALE_NAN_BITS_HI && buf.readUInt32LE(r.pos) === STALE_NAN_BITS_LO;
    r.skip(tag & 7);
  }
  return false;
}

/**
 * Decodes a streamed remote-read answer (response type STREAMED_XOR_CHUNKS) as it arrives: frames
 * of a uvarint size, a big-endian CRC-32C and a `ChunkedReadResponse` (chunked_series = 1;
 * ChunkedSeries: labels = 1, chunks = 2; Chunk: min_time_ms = 1, max_time_ms = 2, type = 3, data
 * = 4). Whole chunks come back, so samples outside [start, end] are dropped (the next time range
 * returns the same chunk); a series split over frames is joined again, so a series is handed over
 * once the next one begins (or the answer ends).
 */
export class ChunkedReadDecoder {
  /** Bytes received and not decoded yet: the start of a frame that has not all arrived. */
  private pieces: Buffer[] = [];
  private held = 0;
  /** Bytes the frame at the start of `pieces` needs in all, once its size is known. */
  private needed = 0;
  /** Bytes of the answer before `pieces`, for messages. */
  private offset = 0;
  private last: ReadSeries | undefined;
  private lastKey = '';

  constructor(
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** Takes the next bytes of the answer; returns the series they complete. */
  push(bytes: Buffer): ReadSeries[] {
    const out: ReadSeries[] = [];
    this.pieces.push(bytes);
    this.held += bytes.length;
    // A large frame arrives in many pieces: they are joined once it is all here, not piece by piece.
    if (this.held < this.needed) return out;
    const buf = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.held);
    let pos = 0;
    this.needed = 0;
    while (pos < buf.length) {
      const frame = frameAt(buf, pos, this.offset);
      if (frame === undefined || frame.msgEnd > buf.length) {
        if (frame !== undefined) this.needed = frame.msgEnd - pos;
        break;
      }
      if (crc32c(buf, frame.msgStart, frame.msgEnd) !== buf.readUInt32BE(frame.msgStart - 4)) throw new RemoteReadDecodeError(`frame at byte ${this.offset + frame.msgStart - 4}: checksum mismatch`);
      this.frame(new Reader(buf, frame.msgStart, frame.msgEnd), out);
      pos = frame.msgEnd;
    }
    this.offset += pos;
    const rest = buf.subarray(pos);
    this.pieces = rest.length === 0 ? [] : [rest];
    this.held = rest.length;
    return out;
  }

  /** The answer ended: the series held back, if any. */
  finish(): ReadSeries[] {
    if (this.held > 0) throw new RemoteReadDecodeError(`the answer ends inside a frame at byte ${this.offset}`);
    const last = this.last;
    this.last = undefined;
    return last === undefined ? [] : [last];
  }

  private frame(msg: Reader, out: ReadSeries[]): void {
    const { start, end } = this;
    while (msg.pos < msg.end) {
      const tag = msg.varint();
      if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
        msg.skip(tag & 7);
        continue;
      }
      const series = msg.sub();
      const labels: Record<string, string> = {};
      const timestamps: number[] = [];
      const values: number[] = [];
      const histograms: ReadHistograms = { timestamps: [], histograms: [] };
      while (series.pos < series.end) {
        const st = series.varint();
        if (st >>> 3 === 1 && (st & 7) === 2) {
          readLabel(series.sub(), labels);
        } else if (st >>> 3 === 2 && (st & 7) === 2) {
          const c = series.sub();
          let type = 0;
          let data: Buffer | undefined;
          while (c.pos < c.end) {
            const ct = c.varint();
            if (ct >>> 3 === 3 && (ct & 7) === 0) type = c.varint();
            else if (ct >>> 3 === 4 && (ct & 7) === 2) {
              const len = c.varint();
              data = c.buf.subarray(c.pos, c.pos + len);
              c.pos += len;
            } else c.skip(ct & 7);
          }
          if (type === 2 || type === 3) {
            if (data !== undefined) readHistogramChunk(type, data, histograms, start, end);
          } else if (type !== 1) {
            throw new RemoteReadDecodeError(`chunk of type ${type}; XOR (1), histogram (2) and float histogram (3) chunks are read`);
          } else if (data !== undefined) decodeXorChunk(data, timestamps, values);
        } else {
          series.skip(st & 7);
        }
      }
      let keep = 0;
      for (let i = 0; i < timestamps.length; i++) {
        if (timestamps[i] < start || timestamps[i] > end) continue;
        timestamps[keep] = timestamps[i];
        values[keep++] = values[i];
      }
      timestamps.length = keep;
      values.length = keep;
      const key = JSON.stringify(labels);
      const last = this.last;
      if (last !== undefined && key === this.lastKey) {
        for (let i = 0; i < keep; i++) {
          last.timestamps.push(timestamps[i]);
          last.values.push(values[i]);
        }
        if (histograms.timestamps.length > 0) {
          if (last.histograms === undefined) this.last = { ...last, histograms };
          else {
            last.histograms.timestamps.push(...histograms.timestamps);
            last.histograms.histograms.push(...histograms.histograms);
          }
        }
      } else {
        if (last !== undefined) out.push(last);
        this.last = histograms.timestamps.length > 0 ? { labels, timestamps, values, histograms } : { labels, timestamps, values };
        this.lastKey = key;
      }
    }
  }
}

/** Where the frame at `pos` has its message, or undefined while its size has not all arrived; `offset` places `buf` in the answer. */
function frameAt(buf: Buffer, pos: number, offset: number): { msgStart: number; msgEnd: number } | undefined {
  let size = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) return undefined;
    const b = buf[pos + i];
    size += (b & 0x7f) * mul;
    if (b < 0x80) {
      const msgStart = pos + i + 1 + 4;
      return { msgStart, msgEnd: msgStart + size };
    }
    mul *= 128;
  }
  throw new RemoteReadDecodeError(`varint too long at byte ${offset + pos}`);
}
