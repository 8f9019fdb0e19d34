/**
 * The body of `POST /api/v1/alert_history/replayed`, by which `tidemark replay --url` hands the
 * alert state changes it computed to a running Tidemark (whose embedded bus only that process may
 * write): `{"run": "host/pid/start", "events": [AlertEvent, ...]}`, an AlertEvent's fields as the
 * alerts topic's schema names them, `value` as a string (Prometheus' JSON form: NaN and ±Inf
 * included).
 */
import type { AlertEvent } from '../../pipeline/alert/rules/index.js';

export const REPLAYED_ALERT_HISTORY_PATH = '/api/v1/alert_history/replayed';

export interface ReplayedAlertEvents {
  /** Names the replay run; every record gets it as its REPLAYED_HEADER. */
  readonly run: string;
  readonly events: readonly AlertEvent[];
}

/** A value as Prometheus' JSON writes one: `+Inf`, `-Inf`, `NaN` or the number. */
function promValue(v: number): string {
  return v === Number.POSITIVE_INFINITY ? '+Inf' : v === Number.NEGATIVE_INFINITY ? '-Inf' : String(v);
}

export function encodeReplayedAlertEvents(body: ReplayedAlertEvents): string {
  return JSON.stringify({ run: body.run, events: body.events.map((e) => ({ ...e, value: promValue(e.value) })) });
}

const STATES: ReadonlySet<string> = new Set(['inactive', 'pending', 'firing']);
const MS_FIELDS = ['at', 'activeAt', 'firedAt', 'resolvedAt'] as const;
const EVENT_FIELDS = new Set(['group', 'file', 'rule', 'state', 'previous', 'labels', 'annotations', 'value', ...MS_FIELDS]);

/**
 * Checked by hand rather than with a zod schema: a replay sends thousands of changes at once, which
 * a schema checked several times slower (and compiled on first use, in a request's time).
 */
function eventAt(v: unknown, path: string): AlertEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ReplayedAlertEventsError(`${path}: expected an object`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!EVENT_FIELDS.has(k)) throw new ReplayedAlertEventsError(`${path}.${k}: unknown field`);
  for (const k of ['group', 'file', 'rule'] as const) if (typeof o[k] !== 'string') throw new ReplayedAlertEventsError(`${path}.${k}: expected a string`);
  if (o['rule'] === '') throw new ReplayedAlertEventsError(`${path}.rule: empty`);
  for (const k of ['state', 'previous'] as const) {
    if (typeof o[k] !== 'string' || !STATES.has(o[k])) throw new ReplayedAlertEventsError(`${path}.${k}: expected inactive, pending or firing`);
  }
  for (const k of ['labels', 'annotations'] as const) stringMap(o[k], `${path}.${k}`);
  for (const k of MS_FIELDS) if (!Number.isSafeInteger(o[k])) throw new ReplayedAlertEventsError(`${path}.${k}: expected Unix milliseconds`);
  const value = o['value'];
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^([+-]?Inf|NaN|[-+0-9.eE]+)$/.test(value) ? Number(value.replace('Inf', 'Infinity')) : undefined;
  if (n === undefined || (typeof value === 'string' && Number.isNaN(n) && value !== 'NaN')) throw new ReplayedAlertEventsError(`${path}.value: expected a number`);
  return { ...(o as unknown as AlertEvent), value: n };
}

function stringMap(v: unknown, path: string): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ReplayedAlertEventsError(`${path}: expected an object of strings`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw new ReplayedAlertEventsError(`${path}.${k}: expected a string`);
}

/** Thrown for a body that is not ReplayedAlertEvents; the message names the first bad field. */
export class ReplayedAlertEventsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayedAlertEventsError';
  }
}

export function parseReplayedAlertEvents(text: string): ReplayedAlertEvents {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ReplayedAlertEventsError(`body is not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ReplayedAlertEventsError('body: expected an object');
  const { run, events, ...rest } = json as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new ReplayedAlertEventsError(`${extra}: unknown field`);
  if (typeof run !== 'string' || run === '') throw new ReplayedAlertEventsError('run: expected the name of the replay run');
  if (!Array.isArray(events)) throw new ReplayedAlertEventsError('events: expected a list');
  return { run, events: events.map((e, i) => eventAt(e, `events.${i}`)) };
}
