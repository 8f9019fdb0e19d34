import type { Alert } from '../alert.js';
import { NotifyApiError } from '../errors.js';
import { alertFingerprint } from '../fingerprint.js';
import { parseTime } from './http-io.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// A lone UTF-16 surrogate: the value is not valid UTF-8 in Go.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface ParsedAlerts {
  readonly alerts: Alert[];
  /** Alertmanager's validation messages for the alerts left out. */
  readonly errors: string[];
}

function labelSet(v: unknown, field: string, i: number): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new NotifyApiError(400, `${i}.${field} in body must be of type object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new NotifyApiError(400, `${i}.${field}.${k} in body must be of type string: "${typeof x}"`);
    out[k] = x;
  }
  return out;
}

function validateSet(s: Record<string, string>): string | undefined {
  for (const [k, v] of Object.entries(s)) {
    if (!LABEL_NAME.test(k)) return `invalid name "${k}"`;
    if (LONE_SURROGATE.test(v)) return `invalid value "${v}"`;
  }
  return undefined;
}

/**
 * The v2 API's postAlertsHandler: defaults (startsAt = now or endsAt; endsAt = now +
 * resolve_timeout, marked as timeout), empty labels removed, then types.Alert.Validate. A body
 * of the wrong shape is a NotifyApiError (400); invalid alerts are left out and reported.
 */
export function parsePostableAlerts(body: unknown, now: number, resolveTimeoutMs: number): ParsedAlerts {
  if (!Array.isArray(body)) throw new NotifyApiError(400, 'body must be a JSON array of alerts');
  const alerts: Alert[] = [];
  const errors: string[] = [];
  body.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new NotifyApiError(400, `${i} in body must be of type object`);
    const r = raw as Record<string, unknown>;
    if (r.labels === undefined || r.labels === null) throw new NotifyApiError(400, `${i}.labels in body is required`);
    const labels = labelSet(r.labels, 'labels', i);
    const annotations = labelSet(r.annotations, 'annotations', i);
    if (r.generatorURL !== undefined && typeof r.generatorURL !== 'string') throw new NotifyApiError(400, `${i}.generatorURL in body must be of type string`);
    let startsAt = parseTime(r.startsAt, `${i}.startsAt`);
    let endsAt = parseTime(r.endsAt, `${i}.endsAt`);
    startsAt ??= endsAt ?? now;
    let timeout = false;
    if (endsAt === undefined) {
      timeout = true;
      endsAt = now + resolveTimeoutMs;
    }
    for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
    let problem: string | undefined;
    if (endsAt < startsAt) problem = 'start time must be before end time';
    else {
      const bad = validateSet(labels);
      if (bad !== undefined) problem = `invalid label set: ${bad}`;
      else if (Object.keys(labels).length === 0) problem = 'at least one label pair required';
      else {
        const badAnn = validateSet(annotations);
        if (badAnn !== undefined) problem = `invalid annotations: ${badAnn}`;
      }
    }
    if (problem !== undefined) {
      errors.push(problem);
      return;
    }
    alerts.push({
      fingerprint: alertFingerprint(labels), labels, annotations, startsAt, endsAt,
      generatorURL: (r.generatorURL as string | undefined) ?? '', updatedAt: now, timeout,
    });
  });
  return { alerts, errors };
}
