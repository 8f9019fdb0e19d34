import { z } from 'zod';

import { DurationError, parseDuration } from '../../../../schemas/duration.js';

// Field types as Alertmanager's Go structs decode them from yaml.v2. A YAML null on an optional
// field is the Go zero value, so it reads as "absent".

const nullToUndefined = (v: unknown): unknown => (v === null ? undefined : v);

/** An optional field: YAML null or a missing key both give undefined. */
export function opt<T extends z.ZodType>(schema: T) {
  return z.preprocess(nullToUndefined, schema.optional());
}

export const str = z.string();

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

/** YAML 1.1 booleans, as yaml.v2 reads them. */
export const bool = z.preprocess((v) => (typeof v === 'string' ? (TRUE.has(v) ? true : FALSE.has(v) ? false : v) : v), z.boolean());

export const int = z.preprocess((v) => (typeof v === 'string' && /^[-+]?\d+$/.test(v) ? Number(v) : v), z.number().int());

export const float = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), z.number());

/** A Prometheus duration (`5m`, `1h30m`) in milliseconds. */
export const duration = z.string().transform((s, ctx) => {
  try {
    return parseDuration(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
    return z.NEVER;
  }
});

/** A Go `time.Duration` text (`10s`, `1m30s`, `1.5h`, `300ms`), in milliseconds. */
export const goDuration = z.string().transform((s, ctx) => {
  const m = /^([0-9.]+(?:ns|us|µs|ms|s|m|h))+$/.test(s) || s === '0';
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `time: invalid duration "${s}"` });
    return z.NEVER;
  }
  const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3600_000 };
  let total = 0;
  for (const part of s.matchAll(/([0-9.]+)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * mult[part[2]!]!;
  return total;
});

export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Validate an http(s) URL as amcommoncfg.ParseURL does. Returns an error message or undefined. */
export function urlProblem(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `parse "${s}": invalid URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `unsupported scheme "${u.protocol.replace(/:$/, '')}" for URL`;
  if (u.host === '') return 'host is missing in URL';
  return undefined;
}

export const url = z.string().superRefine((s, ctx) => {
  const p = urlProblem(s);
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
});

/** A secret URL: `<secret>` (an API round-trip placeholder) is accepted as upstream does. */
export const secretUrl = z.string().superRefine((s, ctx) => {
  if (s === '<secret>') return;
  const p = urlProblem(s);
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
});

/** A URL that may be a Go template (`{{ … }}`): only non-templated values are checked. */
export const templateUrl = z.string().superRefine((s, ctx) => {
  if (s === '' || s === '<secret>' || s.includes('{{')) return;
  const p = urlProblem(s);
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: `invalid URL: ${p}` });
});

/** `host:port` as net.SplitHostPort accepts it; "" is allowed (unset). */
export const hostPort = z.string().superRefine((s, ctx) => {
  if (s === '') return;
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(s);
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: s.includes(':') ? `address ${s}: too many colons in address` : `address ${s}: missing port in address` });
    return;
  }
  if (m[3] === '') ctx.addIssue({ code: 'custom', message: `address "${s}": port cannot be empty` });
});

/** map[string]string: null values read as "". */
export const stringMap = z.record(z.string(), z.preprocess((v) => (v === null ? '' : v), z.string()));

export const stringList = z.array(z.string());
