import type { Labels } from '../labels.js';
import type { FloatHistogram } from '../native-histogram/index.js';

/** One metric of a family written in protobuf: a float (untyped) or a float native histogram. */
export interface ProtoMetricOut {
  /** Label pairs in the order they are written (`__name__` is not among them). */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly timestampMs?: number;
  readonly value?: number;
  readonly histogram?: FloatHistogram;
}

export interface ProtoFamilyOut {
  readonly name: string;
  /** `untyped` families hold float metrics, `histogram` ones native histograms. */
  readonly type: 'untyped' | 'histogram';
  readonly metrics: readonly ProtoMetricOut[];
}

const TYPE_NUMBER = { untyped: 3, histogram: 4 } as const;

/** A growable buffer with the protobuf primitives; nested messages are written to a child and copied in. */
class ProtoWireWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.room(10);
    if (v < 0) {
      // A negative int64 is ten bytes of two's complement.
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) {
        this.buf[this.len++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buf[this.len++] = Number(big);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.room(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
  }

  sint(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  uint(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.delimited(b);
  }

  /** `b` prefixed with its varint length and no tag (a length-delimited field's body, or a delimited message). */
  delimited(b: Uint8Array): void {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, write: (w: ProtoWireWriter) => void): void {
    const child = new ProtoWireWriter();
    write(child);
    this.bytes(field, child.finish());
  }

  packedDoubles(field: number, vs: readonly number[]): void {
    if (vs.length === 0) return;
    const child = new ProtoWireWriter();
    child.room(vs.length * 8);
    for (const v of vs) {
      child.view.setFloat64(child.len, v, true);
      child.len += 8;
    }
    this.bytes(field, child.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * The delimited protobuf exposition (`io.prometheus.client.MetricFamily` messages, each prefixed
 * with its varint length) of `families`, as Prometheus' federation writes it: floats as untyped
 * metrics, native histograms with the float count fields (`sample_count_float`, `zero_count_float`,
 * absolute `positive_count`/`negative_count`). Fields at their default value are left out.
 */
export function writeDelimitedProtobuf(families: readonly ProtoFamilyOut[]): Buffer {
  const out = new ProtoWireWriter();
  for (const f of families) {
    const msg = new ProtoWireWriter();
    msg.string(1, f.name);
    msg.uint(3, TYPE_NUMBER[f.type]);
    for (const m of f.metrics) msg.message(4, (w) => writeMetric(w, m));
    out.delimited(msg.finish());
  }
  return Buffer.from(out.finish());
}

function writeMetric(w: ProtoWireWriter, m: ProtoMetricOut): void {
  for (const [name, value] of m.labels) {
    w.message(1, (l) => {
      if (name !== '') l.string(1, name);
      if (value !== '') l.string(2, value);
    });
  }
  if (m.histogram !== undefined) w.message(7, (h) => writeHistogram(h, m.histogram!));
  else w.message(5, (u) => { if (m.value !== 0) u.double(1, m.value ?? 0); });
  if (m.timestampMs !== undefined && m.timestampMs !== 0) {
    w.tag(6, 0);
    w.varint(m.timestampMs);
  }
}

function writeHistogram(w: ProtoWireWriter, h: FloatHistogram): void {
  if (h.sum !== 0) w.double(2, h.sum);
  if (h.count !== 0) w.double(4, h.count);
  if (h.schema !== 0) w.sint(5, h.schema);
  if (h.zeroThreshold !== 0) w.double(6, h.zeroThreshold);
  if (h.zeroCount !== 0) w.double(8, h.zeroCount);
  for (const s of h.negativeSpans) w.message(9, (sp) => spanFields(sp, s));
  w.packedDoubles(11, h.negativeBuckets);
  for (const s of h.positiveSpans) w.message(12, (sp) => spanFields(sp, s));
  w.packedDoubles(14, h.positiveBuckets);
}

function spanFields(w: ProtoWireWriter, s: { offset: number; length: number }): void {
  if (s.offset !== 0) w.sint(1, s.offset);
  if (s.length !== 0) w.uint(2, s.length);
}

/** The label pairs of a series for a protobuf metric: every label but `__name__`, in `labels`' order. */
export function protoLabelPairs(labels: Labels): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const k in labels) if (k !== '__name__') out.push([k, labels[k]!]);
  return out;
}
