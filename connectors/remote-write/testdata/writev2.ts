import protobuf from 'protobufjs';
import { snappyBlockCompress } from '../../../schemas/snappy-block.js';
import { HISTOGRAM_FIELDS, HISTOGRAM_ONEOFS, type PbHistogram } from './prompb.js';

// int64 fields as JS numbers instead of Long objects.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

/**
 * remote_write 2.0's wire schema (io/prometheus/write/v2/types.proto of the Prometheus
 * repository, as kept in the conformance data; gogoproto options dropped, they do not change the
 * wire format; Histogram's fields are prompb's, see prompb.ts), for building
 * test requests with an independent encoder.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    io: { nested: { prometheus: { nested: { write: { nested: { v2: { nested: {
      Request: { fields: { symbols: { rule: 'repeated', type: 'string', id: 4 }, timeseries: { rule: 'repeated', type: 'TimeSeries', id: 5 } } },
      TimeSeries: {
        fields: {
          labelsRefs: { rule: 'repeated', type: 'uint32', id: 1 },
          samples: { rule: 'repeated', type: 'Sample', id: 2 },
          histograms: { rule: 'repeated', type: 'Histogram', id: 3 },
          exemplars: { rule: 'repeated', type: 'Exemplar', id: 4 },
          metadata: { type: 'Metadata', id: 5 },
          createdTimestamp: { type: 'int64', id: 6 },
        },
      },
      Exemplar: { fields: { labelsRefs: { rule: 'repeated', type: 'uint32', id: 1 }, value: { type: 'double', id: 2 }, timestamp: { type: 'int64', id: 3 } } },
      Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 }, startTimestamp: { type: 'int64', id: 3 } } },
      Metadata: { fields: { type: { type: 'int32', id: 1 }, helpRef: { type: 'uint32', id: 3 }, unitRef: { type: 'uint32', id: 4 } } },
      BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
      Histogram: { oneofs: HISTOGRAM_ONEOFS, fields: HISTOGRAM_FIELDS },
    } } } } } } } },
  },
});

const RequestType = root.lookupType('io.prometheus.write.v2.Request');

export interface V2Series {
  labels: Record<string, string>;
  samples?: { value: number; timestamp: number; startTimestamp?: number }[];
  exemplars?: { labels: Record<string, string>; value: number; timestamp: number }[];
  metadata?: { type: number; help?: string; unit?: string };
  histograms?: PbHistogram[];
  /** TimeSeries.created_timestamp of earlier 2.0 drafts. */
  createdTimestamp?: number;
}

/** A v2 Request with its symbol table built as a sender builds it ("" first, each string once). */
export function encodeV2Request(series: V2Series[]): Buffer {
  const symbols = [''];
  const ref = (s: string) => {
    let i = symbols.indexOf(s);
    if (i < 0) i = symbols.push(s) - 1;
    return i;
  };
  const refs = (labels: Record<string, string>) => Object.keys(labels).sort().flatMap((k) => [ref(k), ref(labels[k])]);
  const timeseries = series.map((s) => ({
    labelsRefs: refs(s.labels),
    samples: s.samples ?? [],
    exemplars: (s.exemplars ?? []).map((e) => ({ labelsRefs: refs(e.labels), value: e.value, timestamp: e.timestamp })),
    metadata: s.metadata === undefined ? undefined : { type: s.metadata.type, helpRef: ref(s.metadata.help ?? ''), unitRef: ref(s.metadata.unit ?? '') },
    histograms: s.histograms ?? [],
    ...(s.createdTimestamp === undefined ? {} : { createdTimestamp: s.createdTimestamp }),
  }));
  return Buffer.from(RequestType.encode(RequestType.fromObject({ symbols, timeseries })).finish());
}

export function snappyV2Request(series: V2Series[]): Buffer {
  return snappyBlockCompress(encodeV2Request(series));
}

export const V2_CONTENT_TYPE = 'application/x-protobuf;proto=io.prometheus.write.v2.Request';
