/**
 * A minimal protobuf encoder for Prometheus' remote-write `WriteRequest` (prompb: timeseries = 1;
 * TimeSeries: labels = 1, samples = 2; Label: name = 1, value = 2; Sample: value = 1 (double),
 * timestamp = 2 (int64)). Enough to load a peer with the benchmark's series.
 */
export interface RwSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly values: ArrayLike<number>;
  readonly timestamps: ArrayLike<number>;
  readonly from: number;
  readonly to: number;
}

class Out {
  buf = Buffer.allocUnsafe(1 << 16);
  len = 0;
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
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
}

function str(tag: number, s: string): Buffer {
  const b = Buffer.from(s);
  const o = new Out();
  o.varint((tag << 3) | 2);
  o.varint(b.length);
  o.bytes(b);
  return o.buf.subarray(0, o.len);
}

/** Encoded label fields by label set: callers that send the same series many times reuse them. */
const labelFields = new WeakMap<object, Buffer>();

function encodedLabels(labels: Readonly<Record<string, string>>): Buffer {
  let b = labelFields.get(labels);
  if (b === undefined) {
    const parts: Buffer[] = [];
    for (const name of Object.keys(labels).sort()) {
      const body = Buffer.concat([str(1, name), str(2, labels[name])]);
      parts.push(Buffer.from([(1 << 3) | 2]), varintBuf(body.length), body);
    }
    b = Buffer.concat(parts);
    labelFields.set(labels, b);
  }
  return b;
}

/** Scratch space reused by every call (the result is copied out). */
const out = new Out();
const samples = new Out();

export function encodeWriteRequest(series: readonly RwSeries[]): Buffer {
  out.len = 0;
  for (const s of series) {
    const labels = encodedLabels(s.labels);
    samples.len = 0;
    for (let i = s.from; i < s.to; i++) {
      samples.ensure(24);
      const b = samples.buf;
      const at = samples.len;
      let n = at + 2;
      b[n++] = (1 << 3) | 1;
      b.writeDoubleLE(s.values[i], n);
      n += 8;
      b[n++] = 2 << 3;
      let t = s.timestamps[i];
      while (t >= 0x80) {
        b[n++] = (t % 0x80) | 0x80;
        t = Math.floor(t / 0x80);
      }
      b[n++] = t;
      b[at] = (2 << 3) | 2;
      b[at + 1] = n - at - 2;
      samples.len = n;
    }
    out.varint((1 << 3) | 2);
    out.varint(labels.length + samples.len);
    out.bytes(labels);
    out.bytes(samples.buf.subarray(0, samples.len));
  }
  return Buffer.from(out.buf.subarray(0, out.len));
}

function varintBuf(x: number): Buffer {
  const o = new Out();
  o.varint(x);
  return Buffer.from(o.buf.subarray(0, o.len));
}
