import { COUNTER_RESET_HINTS, FloatHistogram, type Span } from '../../../schemas/native-histogram/index.js';
import { CorruptionError } from '../errors.js';

/**
 * The byte layout of one native-histogram sample value (FORMAT.md "Histogram value"), shared by
 * mixed chunks and write-ahead-log records. Counts are stored as float64, so integer and float
 * histograms (PromQL computes with float ones) take the same path.
 */
export class HistogramByteWriter {
  buf: Uint8Array;
  length = 0;
  private view: DataView;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  f64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, x);
    this.length += 8;
  }

  uvarint(x: number): void {
    this.ensure(10);
    let v = x;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  varint(x: number): void {
    this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  /** The written bytes (a copy). */
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Reads what HistogramByteWriter wrote; `where` names the chunk or record in errors. */
export class HistogramByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array, readonly where: string, pos = 0) {
    this.pos = pos;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new CorruptionError(this.where, this.pos, `truncated histogram data (need ${n} bytes)`);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    let out = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      out += (b & 0x7f) * mul;
      if (b < 0x80) return out;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new CorruptionError(this.where, this.pos, 'varint too long');
    }
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}

function writeSpans(w: HistogramByteWriter, spans: readonly Span[]): void {
  w.uvarint(spans.length);
  for (const s of spans) {
    w.varint(s.offset);
    w.uvarint(s.length);
  }
}

function readSpans(r: HistogramByteReader): Span[] {
  const n = r.uvarint();
  const out: Span[] = [];
  for (let i = 0; i < n; i++) out.push({ offset: r.varint(), length: r.uvarint() });
  return out;
}

function writeCounts(w: HistogramByteWriter, counts: readonly number[]): void {
  w.uvarint(counts.length);
  for (const c of counts) w.f64(c);
}

function readCounts(r: HistogramByteReader): number[] {
  const n = r.uvarint();
  if (n * 8 > r.buf.length - r.pos) throw new CorruptionError(r.where, r.pos, `bucket count ${n} exceeds the data`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.f64();
  return out;
}

/** Appends one histogram value. */
export function writeHistogram(w: HistogramByteWriter, h: FloatHistogram): void {
  w.byte(COUNTER_RESET_HINTS.indexOf(h.counterResetHint));
  w.varint(h.schema);
  w.f64(h.zeroThreshold);
  w.f64(h.zeroCount);
  w.f64(h.count);
  w.f64(h.sum);
  writeSpans(w, h.positiveSpans);
  writeCounts(w, h.positiveBuckets);
  writeSpans(w, h.negativeSpans);
  writeCounts(w, h.negativeBuckets);
  writeCounts(w, h.customValues);
}

/** Reads one histogram value. */
export function readHistogram(r: HistogramByteReader): FloatHistogram {
  const hint = COUNTER_RESET_HINTS[r.byte()];
  if (hint === undefined) throw new CorruptionError(r.where, r.pos - 1, 'unknown counter reset hint');
  const schema = r.varint();
  const zeroThreshold = r.f64();
  const zeroCount = r.f64();
  const count = r.f64();
  const sum = r.f64();
  const positiveSpans = readSpans(r);
  const positiveBuckets = readCounts(r);
  const negativeSpans = readSpans(r);
  const negativeBuckets = readCounts(r);
  const customValues = readCounts(r);
  return new FloatHistogram({ counterResetHint: hint, schema, zeroThreshold, zeroCount, count, sum, positiveSpans, positiveBuckets, negativeSpans, negativeBuckets, customValues });
}
