import { capSchema, FloatHistogram, Histogram, HistogramError, type CounterResetHint, type Span } from '../../schemas/native-histogram/index.js';
import type { HistogramValue } from '../../schemas/sample.js';
import { WriteRequestDecodeError } from './errors.js';

/** A decoded Histogram message: its sample, or why Prometheus would refuse it. */
export interface DecodedHistogram {
  readonly timestampMs: number;
  readonly histogram: HistogramValue;
  /** remote write 2.0's start_timestamp (ms), 0 when not set. */
  readonly startTimestampMs: number;
  /** Prometheus' validation message (spans against buckets, negative counts, ...); undefined when valid. */
  readonly invalid: string | undefined;
}

/** The native histograms of one series, column-wise. */
export interface DecodedHistograms {
  readonly timestamps: number[];
  readonly histograms: HistogramValue[];
  /** Start timestamps beside `timestamps` (0: not set), when any histogram has one. */
  startTimestamps?: number[];
  /** The first invalid histogram of the series: its timestamp and what is wrong. */
  invalid?: { readonly timestampMs: number; readonly message: string };
}

/** Adds a decoded histogram to a series' column (made on the first one). */
export function addHistogram(to: DecodedHistograms | undefined, h: DecodedHistogram): DecodedHistograms {
  const col = to ?? { timestamps: [], histograms: [] };
  if (h.startTimestampMs !== 0) (col.startTimestamps ??= new Array<number>(col.timestamps.length).fill(0)).push(h.startTimestampMs);
  else col.startTimestamps?.push(0);
  col.timestamps.push(h.timestampMs);
  col.histograms.push(h.histogram);
  if (h.invalid !== undefined && col.invalid === undefined) col.invalid = { timestampMs: h.timestampMs, message: h.invalid };
  return col;
}

/** ResetHint of remote write: UNKNOWN, YES, NO, GAUGE. */
const RESET_HINTS: readonly CounterResetHint[] = ['unknown', 'reset', 'not_reset', 'gauge'];

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/**
 * Reads a `Histogram` message of remote write 1.0 (prompb/types.proto) or 2.0 (the same fields in
 * io.prometheus.write.v2): {1: count_int uint64 | 2: count_float double, 3: sum, 4: schema sint32,
 * 5: zero_threshold, 6: zero_count_int | 7: zero_count_float, 8: negative_spans, 9: negative_deltas
 * sint64, 10: negative_counts double, 11: positive_spans, 12: positive_deltas, 13: positive_counts,
 * 14: reset_hint, 15: timestamp int64, 16: custom_values double, 17: start_timestamp int64 (2.0)}; BucketSpan{1: offset sint32,
 * 2: length uint32}. An integer count makes an integer histogram, a float count a float one.
 * Repeated numbers are read packed or not, as protobuf allows.
 */
export function readHistogramMessage(buf: Buffer, start: number, end: number): DecodedHistogram {
  const r = new MessageReader(buf, start, end);
  let isFloat = false;
  let count = 0;
  let zeroCount = 0;
  let sum = 0;
  let schema = 0;
  let zeroThreshold = 0;
  let hint: CounterResetHint = 'unknown';
  let timestampMs = 0;
  let startTimestampMs = 0;
  const negativeSpans: Span[] = [];
  const positiveSpans: Span[] = [];
  const negativeDeltas: number[] = [];
  const positiveDeltas: number[] = [];
  const negativeCounts: number[] = [];
  const positiveCounts: number[] = [];
  const customValues: number[] = [];
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1: count = r.expect(wire, VARINT, 'count_int') && r.varint(); break;
      case 2: isFloat = true; count = r.expect(wire, FIXED64, 'count_float') && r.double(); break;
      case 3: sum = r.expect(wire, FIXED64, 'sum') && r.double(); break;
      case 4: schema = r.expect(wire, VARINT, 'schema') && zigzag(r.varint()); break;
      case 5: zeroThreshold = r.expect(wire, FIXED64, 'zero_threshold') && r.double(); break;
      case 6: zeroCount = r.expect(wire, VARINT, 'zero_count_int') && r.varint(); break;
      case 7: isFloat = true; zeroCount = r.expect(wire, FIXED64, 'zero_count_float') && r.double(); break;
      case 8: negativeSpans.push(r.span(wire)); break;
      case 9: r.repeatedVarint(wire, negativeDeltas, true, 'negative_deltas'); break;
      case 10: r.repeatedDouble(wire, negativeCounts, 'negative_counts'); break;
      case 11: positiveSpans.push(r.span(wire)); break;
      case 12: r.repeatedVarint(wire, positiveDeltas, true, 'positive_deltas'); break;
      case 13: r.repeatedDouble(wire, positiveCounts, 'positive_counts'); break;
      case 14: hint = RESET_HINTS[r.expect(wire, VARINT, 'reset_hint') && r.varint()] ?? 'unknown'; break;
      case 15: timestampMs = r.expect(wire, VARINT, 'timestamp') && r.int64(); break;
      case 16: r.repeatedDouble(wire, customValues, 'custom_values'); break;
      case 17: startTimestampMs = r.expect(wire, VARINT, 'start_timestamp') && r.int64(); break;
      default: r.skip(tag);
    }
  }
  if (r.pos > end) throw new WriteRequestDecodeError('histogram runs past its enclosing message', end);
  const common = { counterResetHint: hint, schema, zeroThreshold, zeroCount, count, sum, positiveSpans, negativeSpans, customValues };
  const histogram: HistogramValue = isFloat
    ? new FloatHistogram({ ...common, positiveBuckets: positiveCounts, negativeBuckets: negativeCounts })
    : new Histogram({ ...common, positiveBuckets: positiveDeltas, negativeBuckets: negativeDeltas });
  let invalid: string | undefined;
  try {
    // Schemas 9..52 (from a newer sender) are reduced to 8, as Prometheus 3's write handler does.
    capSchema(histogram);
    histogram.validate();
  } catch (err) {
    if (!(err instanceof HistogramError)) throw err;
    invalid = err.message;
  }
  return { timestampMs, histogram, startTimestampMs, invalid };
}

function zigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** The few protobuf primitives a Histogram message needs, with byte offsets in errors. */
class MessageReader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  /** Checks a field's wire type; returns 1 so it can prefix a read with `&&`. */
  expect(wire: number, want: number, what: string): 1 {
    if (wire !== want) throw new WriteRequestDecodeError(`histogram field ${what} has wire type ${wire}, expected ${want}`, this.pos);
    return 1;
  }

  /** An unsigned varint up to 2^53 (counts, lengths, zigzag payloads). */
  varint(): number {
    let r = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WriteRequestDecodeError('truncated varint in histogram', this.pos);
      const b = this.buf[this.pos++];
      r += (b & 0x7f) * mul;
      if (b < 0x80) return r;
      mul *= 128;
    }
    throw new WriteRequestDecodeError('varint too long in histogram', this.pos);
  }

  /** A two's complement int64 (timestamps before 1970 are negative: ten bytes, read exactly as a bigint). */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (v <= Number.MAX_SAFE_INTEGER) return v;
    let big = 0n;
    for (let i = start, shift = 0n; i < this.pos; i++, shift += 7n) big |= BigInt(this.buf[i] & 0x7f) << shift;
    return Number(BigInt.asIntN(64, big));
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WriteRequestDecodeError('truncated double in histogram', this.pos);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  private lenEnd(what: string): number {
    const len = this.varint();
    const stop = this.pos + len;
    if (stop > this.end) throw new WriteRequestDecodeError(`histogram ${what} of ${len} bytes runs past its enclosing message`, this.pos);
    return stop;
  }

  span(wire: number): Span {
    this.expect(wire, LEN, 'span');
    const stop = this.lenEnd('span');
    let offset = 0;
    let length = 0;
    while (this.pos < stop) {
      const tag = this.varint();
      if (tag === 0x08) offset = zigzag(this.varint());
      else if (tag === 0x10) length = this.varint();
      else this.skip(tag);
    }
    return { offset, length };
  }

  repeatedVarint(wire: number, out: number[], signed: boolean, what: string): void {
    const one = () => (signed ? zigzag(this.varint()) : this.varint());
    if (wire === VARINT) {
      out.push(one());
      return;
    }
    this.expect(wire, LEN, what);
    const stop = this.lenEnd(what);
    while (this.pos < stop) out.push(one());
  }

  repeatedDouble(wire: number, out: number[], what: string): void {
    if (wire === FIXED64) {
      out.push(this.double());
      return;
    }
    this.expect(wire, LEN, what);
    const stop = this.lenEnd(what);
    if ((stop - this.pos) % 8 !== 0) throw new WriteRequestDecodeError(`histogram ${what}: ${stop - this.pos} bytes is not a whole number of doubles`, this.pos);
    while (this.pos < stop) out.push(this.double());
  }

  skip(tag: number): void {
    if (tag >>> 3 === 0) throw new WriteRequestDecodeError('invalid field number 0 in histogram', this.pos);
    switch (tag & 7) {
      case VARINT: this.varint(); break;
      case FIXED64: this.pos += 8; break;
      case LEN: this.pos = this.lenEnd('field'); break;
      case FIXED32: this.pos += 4; break;
      default: throw new WriteRequestDecodeError(`unsupported wire type ${tag & 7} in histogram`, this.pos);
    }
  }
}
