/**
 * A minimal protobuf encoder for Prometheus' remote-write `WriteRequest` (prompb: timeseries = 1;
 * TimeSeries: labels = 1, samples = 2; Label: name = 1, value = 2; Sample: value = 1 (double),
 * timestamp = 2 (int64)). Enough to load a peer with the benchmark's series.
 */
import { labelFields, ProtoWriter } from '../../../connectors/remote-write/write-request-writer.js';

export interface RwSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly values: ArrayLike<number>;
  readonly timestamps: ArrayLike<number>;
  readonly from: number;
  readonly to: number;
}

/** Scratch space reused by every call (the result is copied out). */
const out = new ProtoWriter(1 << 16);
const samples = new ProtoWriter(1 << 16);

export function encodeWriteRequest(series: readonly RwSeries[]): Buffer {
  out.len = 0;
  for (const s of series) {
    const labels = labelFields(s.labels);
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
    out.raw(labels);
    out.raw(samples.view());
  }
  return Buffer.from(out.buf.subarray(0, out.len));
}
