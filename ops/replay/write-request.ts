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

/** Samples grouped into one TimeSeries per label set, labels sorted by name. */
export function encodeWriteRequest(samples: readonly WriteSample[]): Buffer {
  const bySeries = new Map<string, { labels: Labels; samples: WriteSample[] }>();
  for (const s of samples) {
    const key = canonicalLabels(s.labels);
    let e = bySeries.get(key);
    if (e === undefined) bySeries.set(key, (e = { labels: s.labels, samples: [] }));
    e.samples.push(s);
  }
  const out = new ProtoWriter(1 << 16);
  for (const { labels, samples: ss } of bySeries.values()) {
    const ts = new ProtoWriter();
    for (const name of Object.keys(labels).sort()) {
      const l = new ProtoWriter();
      l.bytes(1, Buffer.from(name));
      l.bytes(2, Buffer.from(labels[name]!));
      ts.bytes(1, l.result());
    }
    ss.sort((a, b) => a.t - b.t);
    const sm = new ProtoWriter();
    for (const s of ss) {
      sm.len = 0;
      sm.double(1, s.value, s.stale);
      sm.varint(2 << 3);
      sm.varint(s.t);
      ts.bytes(2, sm.view());
    }
    out.bytes(1, ts.result());
  }
  return Buffer.from(SnappyJS.compress(out.result()));
}
