import type { Labels } from '../labels.js';
import { FloatHistogram } from '../native-histogram/index.js';
import type { HistogramValue } from '../sample.js';

/** One metric of a family written in protobuf. */
export interface ProtoMetricOut {
  /** Label pairs in the order they are written (`__name__` is not among them). */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly timestampMs?: number;
  /** counter, gauge, untyped. */
  readonly value?: number;
  /** summary. */
  readonly summary?: { readonly count: number; readonly sum: number; readonly quantiles: ReadonlyArray<readonly [number, number]> };
  /** histogram: classic buckets ([upper bound, cumulative count]), count and sum. */
  readonly classic?: { readonly count: number; readonly sum: number; readonly buckets: ReadonlyArray<readonly [number, number]> };
  /** histogram: the native histogram (integer counts as deltas, float counts as absolute counts). */
  readonly histogram?: HistogramValue;
}

export interface ProtoFamilyOut {
  readonly name: string;
  readonly help?: string;
  readonly type: 'counter' | 'gauge' | 'summary' | 'untyped' | 'histogram';
  readonly metrics: readonly ProtoMetricOut[];
}

const TYPE_NUMBER = { counter: 0, gauge: 1, summary: 2, untyped: 3, histogram: 4 } as const;

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

  packedSints(field: number, vs: readonly number[]): void {
    if (vs.length === 0) return;
    const child = new ProtoWireWriter();
    for (const v of vs) child.varint(v >= 0 ? v * 2 : -v * 2 - 1);
    this.bytes(field, child.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * The delimited protobuf exposition (`io.prometheus.client.MetricFamily` messages, each prefixed
 * with its varint length) of `families`: Prometheus' federation writes floats as untyped metrics
 * and float native histograms (`sample_count_float`, `zero_count_float`, absolute
 * `positive_count`/`negative_count`); the Pushgateway writes every type, integer native
 * histograms with deltas. Fields at their default value are left out.
 */
export function writeDelimitedProtobuf(families: readonly ProtoFamilyOut[]): Buffer {
  const out = new ProtoWireWriter();
  for (const f of families) {
    const msg = new ProtoWireWriter();
    msg.string(1, f.name);
    if (f.help !== undefined && f.help !== '') msg.string(2, f.help);
    if (TYPE_NUMBER[f.type] !== 0) msg.uint(3, TYPE_NUMBER[f.type]);
    for (const m of f.metrics) msg.message(4, (w) => writeMetric(w, m, f.type));
    out.delimited(msg.finish());
  }
  return Buffer.from(out.finish());
}

function writeMetric(w: ProtoWireWriter, m: ProtoMetricOut, type: ProtoFamilyOut['type']): void {
  for (const [name, value] of m.labels) {
    w.message(1, (l) => {
      if (name !== '') l.string(1, name);
      if (value !== '') l.string(2, value);
    });
  }
  const value = (u: ProtoWireWriter) => { if (m.value !== 0) u.double(1, m.value ?? 0); };
  switch (type) {
    case 'counter': w.message(3, value); break;
    case 'gauge': w.message(2, value); break;
    case 'untyped': w.message(5, value); break;
    case 'summary': w.message(4, (s) => writeSummary(s, m.summary ?? { count: 0, sum: 0, quantiles: [] })); break;
    case 'histogram': w.message(7, (h) => writeHistogram(h, m)); break;
  }
  if (m.timestampMs !== undefined && m.timestampMs !== 0) {
    w.tag(6, 0);
    w.varint(m.timestampMs);
  }
}

function writeSummary(w: ProtoWireWriter, s: NonNullable<ProtoMetricOut['summary']>): void {
  if (s.count !== 0) w.uint(1, s.count);
  if (s.sum !== 0) w.double(2, s.sum);
  for (const [q, v] of s.quantiles) {
    w.message(3, (qm) => {
      if (q !== 0) qm.double(1, q);
      if (v !== 0) qm.double(2, v);
    });
  }
}

/** Summary and classic counts are uint64 when whole, else their `_float` twin. */
function isWhole(v: number): boolean {
  return Number.isInteger(v) && v >= 0;
}

function writeHistogram(w: ProtoWireWriter, m: ProtoMetricOut): void {
  const h = m.histogram;
  const float = h instanceof FloatHistogram;
  const count = h?.count ?? m.classic?.count ?? 0;
  const sum = h?.sum ?? m.classic?.sum ?? 0;
  if (!float && count !== 0 && isWhole(count)) w.uint(1, count);
  if (sum !== 0) w.double(2, sum);
  for (const [ub, c] of m.classic?.buckets ?? []) {
    w.message(3, (b) => {
      if (isWhole(c)) { if (c !== 0) b.uint(1, c); } else b.double(4, c);
      if (ub !== 0) b.double(2, ub);
    });
  }
  if ((float || !isWhole(count)) && count !== 0) w.double(4, count);
  if (h === undefined) return;
  if (h.schema !== 0) w.sint(5, h.schema);
  if (h.zeroThreshold !== 0) w.double(6, h.zeroThreshold);
  if (h.zeroCount !== 0) {
    if (float) w.double(8, h.zeroCount);
    else w.uint(7, h.zeroCount);
  }
  for (const s of h.negativeSpans) w.message(9, (sp) => spanFields(sp, s));
  if (float) w.packedDoubles(11, h.negativeBuckets);
  else w.packedSints(10, h.negativeBuckets);
  for (const s of h.positiveSpans) w.message(12, (sp) => spanFields(sp, s));
  if (float) w.packedDoubles(14, h.positiveBuckets);
  else w.packedSints(13, h.positiveBuckets);
}

function spanFields(w: ProtoWireWriter, s: { offset: number; length: number }): void {
  if (s.offset !== 0) w.sint(1, s.offset);
  if (s.length !== 0) w.uint(2, s.length);
}

/**
 * Whether the Accept header's most preferred format Tidemark writes is the delimited protobuf
 * exposition (expfmt.Negotiate): entries by descending q, the first protobuf-delimited or
 * text/plain one wins; none means text.
 */
export function prefersDelimitedProtobuf(accept: string | undefined): boolean {
  const entries = (accept ?? '').split(',').map((part, i) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    return { type, params, q: Number.isNaN(q) ? 0 : q, i };
  });
  entries.sort((a, b) => b.q - a.q || a.i - b.i);
  for (const e of entries) {
    if (e.q <= 0) continue;
    if (e.type === 'application/vnd.google.protobuf') {
      if (e.params.includes('proto=io.prometheus.client.metricfamily') && e.params.includes('encoding=delimited')) return true;
    } else if (e.type === 'text/plain') return false;
  }
  return false;
}

/** The label pairs of a series for a protobuf metric: every label but `__name__`, in `labels`' order. */
export function protoLabelPairs(labels: Labels): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const k in labels) if (k !== '__name__') out.push([k, labels[k]!]);
  return out;
}
