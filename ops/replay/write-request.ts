/**
 * Prometheus remote_write 1.0 `WriteRequest` encoding (prompb: timeseries = 1; TimeSeries: labels
 * = 1, samples = 2; Label: name = 1, value = 2; Sample: value = 1 double, timestamp = 2 int64),
 * snappy block compressed as the protocol sends it. Staleness markers are Prometheus' StaleNaN.
 */
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { labelFields, ProtoWriter, varintSize } from '../../connectors/remote-write/write-request-writer.js';
import type { Labels } from '../../schemas/index.js';
import { canonicalLabels } from '../../schemas/labels.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/sample.js';

export interface WriteSample {
  readonly labels: Labels;
  readonly t: number;
  readonly value: number;
  readonly stale: boolean;
  /** A native-histogram sample (written apart: see PrometheusHttp.remoteWrite); `value` is then unused. */
  readonly histogram?: FloatHistogram;
}

/** One TimeSeries of the request being encoded. */
interface SeriesSamples {
  readonly labels: Buffer;
  readonly samples: WriteSample[];
  ordered: boolean;
}

/**
 * A series' canonical key and label fields, per label object (a replay's rules hand the same
 * object on at every instant), and the TimeSeries it joined in the request being encoded: the
 * key is looked up once per label object and request, not once per sample.
 */
interface EncodedSeries {
  readonly key: string;
  readonly labels: Buffer;
  request: number;
  series: SeriesSamples | undefined;
}

const encodedSeries = new WeakMap<Labels, EncodedSeries>();
let requests = 0;

function seriesOf(labels: Labels): EncodedSeries {
  let e = encodedSeries.get(labels);
  if (e === undefined) encodedSeries.set(labels, (e = { key: canonicalLabels(labels), labels: labelFields(labels), request: -1, series: undefined }));
  return e;
}

/** Samples grouped into one TimeSeries per label set, labels sorted by name. */
export function encodeWriteRequest(samples: readonly WriteSample[]): Buffer {
  const request = requests++;
  const byKey = new Map<string, SeriesSamples>();
  for (const s of samples) {
    const enc = seriesOf(s.labels);
    let e = enc.request === request ? enc.series! : undefined;
    if (e === undefined) {
      // Another label object with the same labels joins the same TimeSeries.
      e = byKey.get(enc.key);
      if (e === undefined) byKey.set(enc.key, (e = { labels: enc.labels, samples: [], ordered: true }));
      enc.request = request;
      enc.series = e;
    }
    const ss = e.samples;
    if (ss.length > 0 && s.t < ss[ss.length - 1]!.t) e.ordered = false;
    ss.push(s);
  }
  const out = new ProtoWriter(1 << 16);
  for (const { labels, samples: ss, ordered } of byKey.values()) {
    // A chunk's samples arrive instant by instant, so a series' are in time order already.
    if (!ordered) ss.sort((a, b) => a.t - b.t);
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
    // The label object keeps its SeriesSamples until its next request: not this request's samples.
    ss.length = 0;
  }
  return snappyBlockCompress(out.view());
}
