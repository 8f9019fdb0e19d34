/**
 * The alert history on the alerts topic: one record per state change of one alert, Avro
 * single-object encoded (schemas/codec.ts) with the `tidemark.AlertEvent` v1 schema below. The
 * schema lives in code because the build copies only `schemas/*.avsc`; it is also what
 * `alertEventSchema` exports for readers in other languages. Records are placed by the alert's
 * label hash, so one alert's history stays in order on one partition. Records that
 * `tidemark replay --rules` computed over history carry the REPLAYED_HEADER: readers that act
 * on live alerts skip them.
 */
import avro from 'avsc';
import { SingleObjectCodec } from '../../../schemas/index.js';
import type { AlertEvent } from './alert-event-of.js';

export { alertEventOf, type AlertEvent } from './alert-event-of.js';

export const alertEventSchema = {
  type: 'record',
  name: 'AlertEvent',
  namespace: 'tidemark',
  doc: 'One state change of one alert, written by the rules role (v1).',
  fields: [
    { name: 'group', type: 'string', doc: 'Rule group name' },
    { name: 'file', type: 'string', doc: 'Rule file the group came from' },
    { name: 'rule', type: 'string', doc: 'Alerting rule name (alertname)' },
    { name: 'state', type: { type: 'enum', name: 'AlertState', symbols: ['inactive', 'pending', 'firing'] }, doc: 'State after the change; inactive = resolved' },
    { name: 'previous', type: 'AlertState', doc: 'State before the change' },
    { name: 'labels', type: { type: 'map', values: 'string' } },
    { name: 'annotations', type: { type: 'map', values: 'string' } },
    { name: 'at', type: 'long', doc: 'Evaluation instant of the change, Unix ms (event time)' },
    { name: 'activeAt', type: 'long', doc: 'Unix ms the alert became active' },
    { name: 'firedAt', type: 'long', doc: 'Unix ms it started firing; 0 if it never fired' },
    { name: 'resolvedAt', type: 'long', doc: 'Unix ms it resolved; 0 if it has not' },
    { name: 'value', type: 'double', doc: 'Value of the alert expression at the last evaluation' },
  ],
} as const;

/**
 * Record header marking an alert-history record as replayed (computed over history by
 * `tidemark replay --rules`, not by the live evaluator); its value names the replay run.
 */
export const REPLAYED_HEADER = 'tidemark-replayed';

const codec = new SingleObjectCodec<AlertEvent>(avro.Type.forSchema(alertEventSchema as unknown as avro.Schema));

export function encodeAlertEvent(e: AlertEvent): Buffer {
  return codec.encode(e);
}

/** Throws RecordDecodeError for bytes that are not an AlertEvent. */
export function decodeAlertEvent(bytes: Buffer): AlertEvent {
  return codec.decode(bytes);
}
