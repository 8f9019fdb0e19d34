import { SingleObjectCodec, loadSchema } from './codec.js';

/** A label matcher as delete_series takes it (`=`, `!=`, `=~`, `!~`). */
export interface SeriesMatcher {
  readonly type: '=' | '!=' | '=~' | '!~';
  readonly name: string;
  readonly value: string;
}

/** delete_series carried on a samples topic (series-deletion.v1.avsc). */
export interface SeriesDeletion {
  /** Series matching any of these (every matcher of one) lose their samples in [startMs, endMs]. */
  readonly selectors: readonly (readonly SeriesMatcher[])[];
  readonly startMs: number;
  readonly endMs: number;
  readonly requestedAtMs: number;
}

type AvroMatchType = 'EQ' | 'NEQ' | 'RE' | 'NRE';
interface AvroSeriesDeletion {
  selectors: { type: AvroMatchType; name: string; value: string }[][];
  startMs: number;
  endMs: number;
  requestedAtMs: number;
}

const TO_AVRO: Record<SeriesMatcher['type'], AvroMatchType> = { '=': 'EQ', '!=': 'NEQ', '=~': 'RE', '!~': 'NRE' };
const FROM_AVRO: Record<AvroMatchType, SeriesMatcher['type']> = { EQ: '=', NEQ: '!=', RE: '=~', NRE: '!~' };

const codec = new SingleObjectCodec<AvroSeriesDeletion>(loadSchema('series-deletion.v1.avsc'));

export function encodeSeriesDeletion(d: SeriesDeletion): Buffer {
  return codec.encode({
    selectors: d.selectors.map((s) => s.map((m) => ({ type: TO_AVRO[m.type], name: m.name, value: m.value }))),
    startMs: d.startMs,
    endMs: d.endMs,
    requestedAtMs: d.requestedAtMs,
  });
}

export function decodeSeriesDeletion(bytes: Buffer): SeriesDeletion {
  const d = codec.decode(bytes);
  return { ...d, selectors: d.selectors.map((s) => s.map((m) => ({ type: FROM_AVRO[m.type], name: m.name, value: m.value }))) };
}

/** Whether a samples-topic record is a deletion (its header names the deletion schema). */
export function isSeriesDeletion(bytes: Buffer): boolean {
  return bytes.length >= codec.header.length && codec.header.equals(bytes.subarray(0, codec.header.length));
}
