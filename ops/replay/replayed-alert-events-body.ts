/**
 * The body of `POST /api/v1/alert_history/replayed`, by which `tidemark replay --url` hands the
 * alert state changes it computed to a running Tidemark (whose embedded bus only that process may
 * write): `{"run": "host/pid/start", "events": [AlertEvent, ...]}`, an AlertEvent's fields as the
 * alerts topic's schema names them, `value` as a string (Prometheus' JSON form: NaN and ±Inf
 * included).
 */
import { z } from 'zod';
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

const state = z.enum(['inactive', 'pending', 'firing']);
const labels = z.record(z.string(), z.string());
const ms = z.number().int();
const eventSchema = z
  .object({
    group: z.string(),
    file: z.string(),
    rule: z.string().min(1),
    state,
    previous: state,
    labels,
    annotations: labels,
    at: ms,
    activeAt: ms,
    firedAt: ms,
    resolvedAt: ms,
    value: z.union([z.number(), z.string().regex(/^([+-]?Inf|NaN|[-+0-9.eE]+)$/, 'not a number')]).transform((v) => (typeof v === 'number' ? v : Number(v.replace('Inf', 'Infinity')))),
  })
  .strict();
const bodySchema = z.object({ run: z.string().min(1), events: z.array(eventSchema) }).strict();

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
  const r = bodySchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ReplayedAlertEventsError(`${issue.path.length === 0 ? 'body' : issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}
