/**
 * One alert state change as an alert history record (alert-event.ts encodes it for the alerts
 * topic). Apart from the codec, so that what only builds records (a replay sending them to a
 * server over HTTP) does not load Avro and the bus schemas.
 */
import type { Labels } from '../../../schemas/labels.js';
import type { AlertState, AlertTransition } from './alerting-rule.js';

export interface AlertEvent {
  readonly group: string;
  readonly file: string;
  readonly rule: string;
  readonly state: AlertState;
  readonly previous: AlertState;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly at: number;
  readonly activeAt: number;
  readonly firedAt: number;
  readonly resolvedAt: number;
  readonly value: number;
}

/** The history record of one state change of an alert of `group`. */
export function alertEventOf(group: { readonly name: string; readonly file: string }, t: AlertTransition): AlertEvent {
  const a = t.alert;
  return {
    group: group.name, file: group.file, rule: a.labels['alertname'] ?? '', state: a.state, previous: t.from,
    labels: a.labels, annotations: a.annotations, at: t.at, activeAt: a.activeAt, firedAt: a.firedAt, resolvedAt: a.resolvedAt, value: a.value,
  };
}
