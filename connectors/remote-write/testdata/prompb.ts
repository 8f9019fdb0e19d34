import protobuf from 'protobufjs';
import { snappyBlockCompress } from '../../../schemas/snappy-block.js';

// int64 fields as JS numbers instead of Long objects (TEST-SERVICES.md §7).
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

/** prompb Histogram's fields, the same in remote_write 1.0 and 2.0 (`BucketSpan` beside it). */
export const HISTOGRAM_FIELDS = {
  countInt: { type: 'uint64', id: 1 },
  countFloat: { type: 'double', id: 2 },
  sum: { type: 'double', id: 3 },
  schema: { type: 'sint32', id: 4 },
  zeroThreshold: { type: 'double', id: 5 },
  zeroCountInt: { type: 'uint64', id: 6 },
  zeroCountFloat: { type: 'double', id: 7 },
  negativeSpans: { rule: 'repeated', type: 'BucketSpan', id: 8 },
  negativeDeltas: { rule: 'repeated', type: 'sint64', id: 9 },
  negativeCounts: { rule: 'repeated', type: 'double', id: 10 },
  positiveSpans: { rule: 'repeated', type: 'BucketSpan', id: 11 },
  positiveDeltas: { rule: 'repeated', type: 'sint64', id: 12 },
  positiveCounts: { rule: 'repeated', type: 'double', id: 13 },
  resetHint: { type: 'int32', id: 14 },
  timestamp: { type: 'int64', id: 15 },
  customValues: { rule: 'repeated', type: 'double', id: 16 },
  /** remote write 2.0 only (io.prometheus.write.v2.Histogram). */
  startTimestamp: { type: 'int64', id: 17 },
};
export const HISTOGRAM_ONEOFS = { count: { oneof: ['countInt', 'countFloat'] }, zeroCount: { oneof: ['zeroCountInt', 'zeroCountFloat'] } };

/** A Histogram message as protobufjs takes it (resetHint: 0 unknown, 1 yes, 2 no, 3 gauge). */
export interface PbHistogram {
  countInt?: number;
  countFloat?: number;
  sum?: number;
  schema?: number;
  zeroThreshold?: number;
  zeroCountInt?: number;
  zeroCountFloat?: number;
  negativeSpans?: { offset: number; length: number }[];
  negativeDeltas?: number[];
  negativeCounts?: number[];
  positiveSpans?: { offset: number; length: number }[];
  positiveDeltas?: number[];
  positiveCounts?: number[];
  resetHint?: number;
  timestamp: number;
  customValues?: number[];
  startTimestamp?: number;
}

/**
 * The wire schema of remote_write 1.0 (prompb types.proto + remote.proto, package `prometheus`,
 * gogoproto options dropped: they do not change the wire format), for building test requests
 * with an independent encoder (protobufjs) and for comparing decoders in the benchmark.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
            metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
          },
        },
        MetricMetadata: {
          fields: {
            type: { type: 'int32', id: 1 },
            metricFamilyName: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
            unit: { type: 'string', id: 5 },
          },
        },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        Exemplar: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            value: { type: 'double', id: 2 },
            timestamp: { type: 'int64', id: 3 },
          },
        },
        BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
        Histogram: { oneofs: HISTOGRAM_ONEOFS, fields: HISTOGRAM_FIELDS },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            exemplars: { rule: 'repeated', type: 'Exemplar', id: 3 },
            histograms: { rule: 'repeated', type: 'Histogram', id: 4 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
      },
    },
  },
});

export const WriteRequestType = root.lookupType('prometheus.WriteRequest');

export interface PbLabel {
  name: string;
  value: string;
}
export interface PbSample {
  value: number;
  timestamp: number;
}
export interface PbTimeSeries {
  labels: PbLabel[];
  samples?: PbSample[];
  exemplars?: { labels: PbLabel[]; value: number; timestamp: number }[];
  histograms?: PbHistogram[];
}
export interface PbWriteRequest {
  timeseries: PbTimeSeries[];
  metadata?: { type: number; metricFamilyName: string; help: string; unit: string }[];
}

export function encodeWriteRequest(req: PbWriteRequest): Buffer {
  return Buffer.from(WriteRequestType.encode(WriteRequestType.fromObject(req)).finish());
}

export function snappyWriteRequest(req: PbWriteRequest): Buffer {
  return snappyBlockCompress(encodeWriteRequest(req));
}

/** Labels from an object, sorted by name as a conforming sender sends them. */
export function pbLabels(labels: Record<string, string>): PbLabel[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name] }));
}

/** Overwrites the 8 value bytes of the `n`th occurrence of `value` with Prometheus' staleness NaN. */
export function withStaleNaN(encoded: Buffer, marker: number): Buffer {
  const probe = Buffer.alloc(8);
  probe.writeDoubleLE(marker);
  const at = encoded.indexOf(probe);
  if (at < 0) throw new Error('marker value not found in the encoded request');
  const out = Buffer.from(encoded);
  out.writeUInt32LE(0x00000002, at);
  out.writeUInt32LE(0x7ff00000, at + 4);
  return out;
}
