/**
 * Prometheus remote_write 1.0 `WriteRequest` encoding (prompb: timeseries = 1; TimeSeries: labels
 * = 1, samples = 2; Label: name = 1, value = 2; Sample: value = 1 double, timestamp = 2 int64),
 * snappy block compressed as the protocol sends it. Staleness markers are Prometheus' StaleNaN.
 */
import SnappyJS from 'snappyjs';
import { canonicalLabels, STALE_NAN_BITS_HI, STALE_NAN_BITS_LO, type Labels } from '../../schemas/index.js';

export interface WriteSample {
  readonly labels: Labels;
  readonly t: number;
  readonly value: number;
  readonly stale: boolean;
}

class ProtoWriter {
  private buf: Buffer;
  len = 0;

  constructor(size = 64) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  varint(x: number): void {
    this.ensure(10);
    let v = x;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  bytes(tag: number, b: Uint8Array): void {
    this.varint((tag << 3) | 2);
    this.varint(b.length);
    this.raw(b);
  }

  /** Bytes already encoded, as they are. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  double(tag: number, v: number, stale: boolean): void {
    this.varint((tag << 3) | 1);
    this.ensure(8);
    if (stale) {
      this.buf.writeUInt32LE(STALE_NAN_BITS_LO, this.len);
      this.buf.writeUInt32LE(STALE_NAN_BITS_HI, this.len + 4);
    } else {
      this.buf.writeDoubleLE(v, this.len);
    }
    this.len += 8;
  }

  /** The bytes written so far, without copying (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** A series' `labels` fields, encoded once per label object (a replay's rules hand the same object on at every instant). */
interface EncodedSeries {
  readonly key: string;
  readonly labels: Buffer;
}

const encodedSeries = new WeakMap<Labels, EncodedSeries>();

function seriesOf(labels: Labels): EncodedSeries {
  let e = encodedSeries.get(labels);
  if (e !== undefined) return e;
  const w = new ProtoWriter(256);
  const l = new ProtoWriter();
  for (const name of Object.keys(labels).sort()) {
    l.len = 0;
    l.bytes(1, Buffer.from(name));
    l.bytes(2, Buffer.from(labels[name]!));
    w.bytes(1, l.view());
  }
  e = { key: canonicalLabels(labels), labels: w.result() };
  encodedSeries.set(labels, e);
  return e;
}

function varintSize(x: number): number {
  let n = 1;
  for (let v = x; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

function inTimeOrder(ss: readonly WriteSample[]): boolean {
  for (let i = 1; i < ss.length; i++) if (ss[i]!.t < ss[i - 1]!.t) return false;
  return true;
}

/** Samples grouped into one TimeSeries per label set, labels sorted by name. */
export function encodeWriteRequest(samples: readonly WriteSample[]): Buffer {
  const bySeries = new Map<string, { labels: Buffer; samples: WriteSample[] }>();
  for (const s of samples) {
    const series = seriesOf(s.labels);
    let e = bySeries.get(series.key);
    if (e === undefined) bySeries.set(series.key, (e = { labels: series.labels, samples: [] }));
    e.samples.push(s);
  }
  const out = new ProtoWriter(1 << 16);
  for (const { labels, samples: ss } of bySeries.values()) {
    // A chunk's samples arrive instant by instant, so a series' are in time order already.
    if (!inTimeOrder(ss)) ss.sort((a, b) => a.t - b.t);
    // Sample: value (tag 1, 8 bytes) and timestamp (tag 2, varint), each behind a one-byte tag.
    let size = labels.length;
    for (const s of ss) {
      const sample = 10 + varintSize(s.t);
      size += 1 + varintSize(sample) + sample;
    }
    out.varint((1 << 3) | 2);
    out.varint(size);
    out.raw(labels);
    for (const s of ss) {
      out.varint((2 << 3) | 2);
      out.varint(10 + varintSize(s.t));
      out.double(1, s.value, s.stale);
      out.varint(2 << 3);
      out.varint(s.t);
    }
  }
  return Buffer.from(SnappyJS.compress(out.view()));
}
