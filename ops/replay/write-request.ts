/**
 * Prometheus remote_write 1.0 `WriteRequest` encoding (prompb: timeseries = 1; TimeSeries: labels
 * = 1, samples = 2; Label: name = 1, value = 2; Sample: value = 1 double, timestamp = 2 int64),
 * snappy block compressed as the protocol sends it. Staleness markers are Prometheus' StaleNaN.
 */
import SnappyJS from 'snappyjs';
import { labelFields, ProtoWriter, varintSize } from '../../connectors/remote-write/write-request-writer.js';
import type { Labels } from '../../schemas/index.js';
import { canonicalLabels } from '../../schemas/labels.js';
import { STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/sample.js';

export interface WriteSample {
  readonly labels: Labels;
  readonly t: number;
  readonly value: number;
  readonly stale: boolean;
}

/** A series' canonical key and label fields, per label object (a replay's rules hand the same object on at every instant). */
interface EncodedSeries {
  readonly key: string;
  readonly labels: Buffer;
}

const encodedSeries = new WeakMap<Labels, EncodedSeries>();

function seriesOf(labels: Labels): EncodedSeries {
  let e = encodedSeries.get(labels);
  if (e === undefined) encodedSeries.set(labels, (e = { key: canonicalLabels(labels), labels: labelFields(labels) }));
  return e;
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
      out.varint((1 << 3) | 1);
      out.ensure(8);
      if (s.stale) {
        out.buf.writeUInt32LE(STALE_NAN_BITS_LO, out.len);
        out.buf.writeUInt32LE(STALE_NAN_BITS_HI, out.len + 4);
      } else {
        out.buf.writeDoubleLE(s.value, out.len);
      }
      out.len += 8;
      out.varint(2 << 3);
      out.varint(s.t);
    }
  }
  return Buffer.from(SnappyJS.compress(out.view()));
}
