import { FIXED64, LEN, ProtoWireReader, VARINT, WireError } from './proto-wire-reader.js';

/**
 * The messages of Prometheus' protobuf exposition (`io.prometheus.client`, the client_model
 * `metrics.proto` kept in `test/conformance/testdata/exposition/proto/`), decoded into plain
 * objects. Field numbers are listed beside each reader.
 */

/** MetricType of metrics.proto, in enum order. */
export const PROTO_METRIC_TYPES = ['counter', 'gauge', 'summary', 'untyped', 'histogram', 'gaugehistogram'] as const;
export type ProtoMetricType = (typeof PROTO_METRIC_TYPES)[number];

export interface ProtoLabelPair {
  readonly name: string;
  readonly value: string;
}

export interface ProtoExemplar {
  readonly labels: ProtoLabelPair[];
  readonly value: number;
  /** Milliseconds; undefined when the exemplar has no timestamp. */
  readonly timestampMs: number | undefined;
}

export interface ProtoBucket {
  cumulativeCount: number;
  cumulativeCountFloat: number;
  upperBound: number;
  exemplar: ProtoExemplar | undefined;
}

export interface ProtoSpan {
  offset: number;
  length: number;
}

export interface ProtoHistogram {
  sampleCount: number;
  sampleCountFloat: number;
  sampleSum: number;
  buckets: ProtoBucket[];
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  zeroCountFloat: number;
  negativeSpans: ProtoSpan[];
  negativeDeltas: number[];
  negativeCounts: number[];
  positiveSpans: ProtoSpan[];
  positiveDeltas: number[];
  positiveCounts: number[];
  exemplars: ProtoExemplar[];
}

export interface ProtoSummary {
  sampleCount: number;
  sampleSum: number;
  quantiles: Array<{ quantile: number; value: number }>;
}

export interface ProtoMetric {
  labels: ProtoLabelPair[];
  /** gauge, counter or untyped value (whichever the message held). */
  value: number;
  counterExemplar: ProtoExemplar | undefined;
  summary: ProtoSummary | undefined;
  histogram: ProtoHistogram | undefined;
  /** 0 when absent: proto3 cannot tell an unset timestamp from the epoch (nor can Prometheus). */
  timestampMs: number;
}

export interface ProtoMetricFamily {
  name: string;
  help: string;
  /** The raw enum value; `PROTO_METRIC_TYPES[type]` when known. */
  type: number;
  unit: string;
  metrics: ProtoMetric[];
}

/** MetricFamily {1: name, 2: help, 3: type, 4: metric, 5: unit}. */
export function readMetricFamily(r: ProtoWireReader): ProtoMetricFamily {
  const f: ProtoMetricFamily = { name: '', help: '', type: 0, unit: '', metrics: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, LEN, 'name'); f.name = r.string(); break;
      case 2: r.expect(wire, LEN, 'help'); f.help = r.string(); break;
      case 3: r.expect(wire, VARINT, 'type'); f.type = r.varint(); break;
      case 4: f.metrics.push(nested(r, wire, 'metric', readMetric)); break;
      case 5: r.expect(wire, LEN, 'unit'); f.unit = r.string(); break;
      default: r.skip(tag);
    }
  }
  return f;
}

/** Reads a length-delimited sub-message with `read`, leaving the reader after it. */
function nested<T>(r: ProtoWireReader, wire: number, field: string, read: (r: ProtoWireReader) => T): T {
  r.expect(wire, LEN, field);
  const stop = r.lenEnd();
  const outerEnd = r.end;
  r.end = stop;
  const v = read(r);
  if (r.pos !== stop) throw new WireError(r.pos, `${field} overruns its length`);
  r.end = outerEnd;
  return v;
}

/** A message with a single double at field 1 (Gauge, Untyped). */
function readSingleValue(r: ProtoWireReader): number {
  let v = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, FIXED64, 'value');
      v = r.double();
    } else r.skip(tag);
  }
  return v;
}

/** Metric {1: label, 2: gauge, 3: counter, 4: summary, 5: untyped, 7: histogram, 6: timestamp_ms}. */
function readMetric(r: ProtoWireReader): ProtoMetric {
  const m: ProtoMetric = { labels: [], value: 0, counterExemplar: undefined, summary: undefined, histogram: undefined, timestampMs: 0 };
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: m.labels.push(nested(r, wire, 'label', readLabelPair)); break;
      case 2: m.value = nested(r, wire, 'gauge', readSingleValue); break;
      case 3: nested(r, wire, 'counter', (c) => readCounter(c, m)); break;
      case 4: m.summary = nested(r, wire, 'summary', readSummary); break;
      case 5: m.value = nested(r, wire, 'untyped', readSingleValue); break;
      case 6: r.expect(wire, VARINT, 'timestamp_ms'); m.timestampMs = r.int64(); break;
      case 7: m.histogram = nested(r, wire, 'histogram', readHistogram); break;
      default: r.skip(tag);
    }
  }
  return m;
}

/** LabelPair {1: name, 2: value}. */
function readLabelPair(r: ProtoWireReader): ProtoLabelPair {
  let name = '';
  let value = '';
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, LEN, 'label name'); name = r.string(); break;
      case 2: r.expect(wire, LEN, 'label value'); value = r.string(); break;
      default: r.skip(tag);
    }
  }
  return { name, value };
}

/** Counter {1: value, 2: exemplar, 3: start_timestamp}. */
function readCounter(r: ProtoWireReader, into: ProtoMetric): void {
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, FIXED64, 'counter value'); into.value = r.double(); break;
      case 2: into.counterExemplar = nested(r, wire, 'exemplar', readExemplar); break;
      default: r.skip(tag);
    }
  }
}

/** Exemplar {1: label, 2: value, 3: timestamp (google.protobuf.Timestamp {1: seconds, 2: nanos})}. */
function readExemplar(r: ProtoWireReader): ProtoExemplar {
  const labels: ProtoLabelPair[] = [];
  let value = 0;
  let timestampMs: number | undefined;
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: labels.push(nested(r, wire, 'exemplar label', readLabelPair)); break;
      case 2: r.expect(wire, FIXED64, 'exemplar value'); value = r.double(); break;
      case 3: timestampMs = nested(r, wire, 'exemplar timestamp', readTimestampMs); break;
      default: r.skip(tag);
    }
  }
  return { labels, value, timestampMs };
}

function readTimestampMs(r: ProtoWireReader): number {
  let seconds = 0;
  let nanos = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, VARINT, 'seconds'); seconds = r.int64(); break;
      case 2: r.expect(wire, VARINT, 'nanos'); nanos = r.int64(); break;
      default: r.skip(tag);
    }
  }
  return seconds * 1000 + Math.trunc(nanos / 1e6);
}

/** Summary {1: sample_count, 2: sample_sum, 3: quantile {1: quantile, 2: value}, 4: start_timestamp}. */
function readSummary(r: ProtoWireReader): ProtoSummary {
  const s: ProtoSummary = { sampleCount: 0, sampleSum: 0, quantiles: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, VARINT, 'sample_count'); s.sampleCount = r.varint(); break;
      case 2: r.expect(wire, FIXED64, 'sample_sum'); s.sampleSum = r.double(); break;
      case 3: s.quantiles.push(nested(r, wire, 'quantile', readQuantile)); break;
      default: r.skip(tag);
    }
  }
  return s;
}

function readQuantile(r: ProtoWireReader): { quantile: number; value: number } {
  let quantile = 0;
  let value = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, FIXED64, 'quantile'); quantile = r.double(); break;
      case 2: r.expect(wire, FIXED64, 'quantile value'); value = r.double(); break;
      default: r.skip(tag);
    }
  }
  return { quantile, value };
}

/**
 * Histogram {1: sample_count, 4: sample_count_float, 2: sample_sum, 3: bucket, 15: start_timestamp,
 * 5: schema, 6: zero_threshold, 7: zero_count, 8: zero_count_float, 9: negative_span,
 * 10: negative_delta, 11: negative_count, 12: positive_span, 13: positive_delta,
 * 14: positive_count, 16: exemplars}.
 */
function readHistogram(r: ProtoWireReader): ProtoHistogram {
  const h: ProtoHistogram = {
    sampleCount: 0, sampleCountFloat: 0, sampleSum: 0, buckets: [], schema: 0, zeroThreshold: 0, zeroCount: 0, zeroCountFloat: 0,
    negativeSpans: [], negativeDeltas: [], negativeCounts: [], positiveSpans: [], positiveDeltas: [], positiveCounts: [], exemplars: [],
  };
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, VARINT, 'sample_count'); h.sampleCount = r.varint(); break;
      case 2: r.expect(wire, FIXED64, 'sample_sum'); h.sampleSum = r.double(); break;
      case 3: h.buckets.push(nested(r, wire, 'bucket', readBucket)); break;
      case 4: r.expect(wire, FIXED64, 'sample_count_float'); h.sampleCountFloat = r.double(); break;
      case 5: r.expect(wire, VARINT, 'schema'); h.schema = r.sint(); break;
      case 6: r.expect(wire, FIXED64, 'zero_threshold'); h.zeroThreshold = r.double(); break;
      case 7: r.expect(wire, VARINT, 'zero_count'); h.zeroCount = r.varint(); break;
      case 8: r.expect(wire, FIXED64, 'zero_count_float'); h.zeroCountFloat = r.double(); break;
      case 9: h.negativeSpans.push(nested(r, wire, 'negative_span', readSpan)); break;
      case 10: r.repeatedVarint(wire, h.negativeDeltas, true, 'negative_delta'); break;
      case 11: r.repeatedDouble(wire, h.negativeCounts, 'negative_count'); break;
      case 12: h.positiveSpans.push(nested(r, wire, 'positive_span', readSpan)); break;
      case 13: r.repeatedVarint(wire, h.positiveDeltas, true, 'positive_delta'); break;
      case 14: r.repeatedDouble(wire, h.positiveCounts, 'positive_count'); break;
      case 16: h.exemplars.push(nested(r, wire, 'exemplars', readExemplar)); break;
      default: r.skip(tag);
    }
  }
  return h;
}

/** Bucket {1: cumulative_count, 4: cumulative_count_float, 2: upper_bound, 3: exemplar}. */
function readBucket(r: ProtoWireReader): ProtoBucket {
  const b: ProtoBucket = { cumulativeCount: 0, cumulativeCountFloat: 0, upperBound: 0, exemplar: undefined };
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, VARINT, 'cumulative_count'); b.cumulativeCount = r.varint(); break;
      case 2: r.expect(wire, FIXED64, 'upper_bound'); b.upperBound = r.double(); break;
      case 3: b.exemplar = nested(r, wire, 'bucket exemplar', readExemplar); break;
      case 4: r.expect(wire, FIXED64, 'cumulative_count_float'); b.cumulativeCountFloat = r.double(); break;
      default: r.skip(tag);
    }
  }
  return b;
}

/** BucketSpan {1: offset sint32, 2: length uint32}. */
function readSpan(r: ProtoWireReader): ProtoSpan {
  const s: ProtoSpan = { offset: 0, length: 0 };
  while (r.pos < r.end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wire, VARINT, 'span offset'); s.offset = r.sint(); break;
      case 2: r.expect(wire, VARINT, 'span length'); s.length = r.varint(); break;
      default: r.skip(tag);
    }
  }
  return s;
}
