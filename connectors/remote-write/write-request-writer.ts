/**
 * Building blocks of a remote_write 1.0 `WriteRequest` (prompb: timeseries = 1; TimeSeries: labels
 * = 1, samples = 2; Label: name = 1, value = 2; Sample: value = 1 double, timestamp = 2 int64):
 * a growing protobuf writer and a series' label fields, encoded once per label object. For what
 * sends remote_write (`tidemark replay`, the benchmarks' peers).
 */

/** A protobuf writer into one growing buffer, reused by resetting `len`. */
export class ProtoWriter {
  buf: Buffer;
  len = 0;

  constructor(size = 64) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
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

  /** A length-delimited field. */
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

  /** The bytes written so far, without copying (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of the bytes written so far. */
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Bytes of a varint. */
export function varintSize(x: number): number {
  let n = 1;
  for (let v = x; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

const encodedLabels = new WeakMap<object, Buffer>();

/**
 * A TimeSeries' `labels` fields, names sorted, encoded once per label object: senders hand the
 * same object on for every request of a series.
 */
export function labelFields(labels: Readonly<Record<string, string>>): Buffer {
  let b = encodedLabels.get(labels);
  if (b !== undefined) return b;
  const w = new ProtoWriter(256);
  const label = new ProtoWriter();
  for (const name of Object.keys(labels).sort()) {
    label.len = 0;
    label.bytes(1, Buffer.from(name));
    label.bytes(2, Buffer.from(labels[name]!));
    w.bytes(1, label.view());
  }
  b = w.result();
  encodedLabels.set(labels, b);
  return b;
}
