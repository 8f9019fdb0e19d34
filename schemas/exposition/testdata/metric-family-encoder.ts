import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

// int64 fields as JS numbers instead of Long objects.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

/**
 * Prometheus' client_model `metrics.proto` (the copy under test/conformance/testdata/exposition/proto,
 * provenance in its SOURCES.md), compiled with protobufjs: an encoder independent of the parser
 * under test. The gogoproto import and options are dropped (they do not change the wire format);
 * google.protobuf.Timestamp comes from protobufjs' bundled well-known types.
 */
const PROTO_PATH = fileURLToPath(new URL('../../../test/conformance/testdata/exposition/proto/metrics.proto', import.meta.url));
const source = readFileSync(PROTO_PATH, 'utf8')
  .replace(/^import "gogoproto\/gogo\.proto";$/m, '')
  .replace(/\s*\[\(gogoproto\.[a-z_]+\) = [a-z]+\]/g, '');
const root = new protobuf.Root();
root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
protobuf.parse(source, root, { keepCase: true });
root.resolveAll();
const MetricFamily = root.lookupType('io.prometheus.client.MetricFamily');

/** MetricType of metrics.proto. */
export const METRIC_TYPE = { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 } as const;

/** A MetricFamily message in metrics.proto's field names (snake_case), as protobufjs takes it. */
export type MetricFamilyMessage = Record<string, unknown>;

/** The delimited protobuf exposition of `families`: each message prefixed with its varint length. */
export function encodeDelimited(families: readonly MetricFamilyMessage[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const f of families) {
    const err = MetricFamily.verify(f);
    if (err !== null) throw new Error(`invalid MetricFamily ${JSON.stringify(f.name)}: ${err}`);
    parts.push(MetricFamily.encodeDelimited(MetricFamily.fromObject(f)).finish());
  }
  return Buffer.concat(parts);
}

/** The families of a delimited protobuf exposition, decoded by protobufjs (for comparing with a real exporter's page). */
export function decodeDelimited(body: Uint8Array): MetricFamilyMessage[] {
  const reader = protobuf.Reader.create(body);
  const out: MetricFamilyMessage[] = [];
  while (reader.pos < reader.len) out.push(MetricFamily.toObject(MetricFamily.decodeDelimited(reader), { defaults: false }) as MetricFamilyMessage);
  return out;
}
