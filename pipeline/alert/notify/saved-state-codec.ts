/**
 * What the notifier's state files hold (see `state-file.ts` for the envelope): silences, the
 * notification log and tenants' uploaded configurations as JSON. Decoding checks every field and
 * names the first one that is wrong, so a damaged file is reported, never half loaded.
 */
import type { NotificationLogEntry } from './dedup.js';
import { NotifyStateFileError } from './errors.js';
import { Matcher, type MatchType } from './matchers.js';
import type { LoggedNotification } from './memory-state-store.js';
import type { Silence } from './silence.js';

export const SILENCES_KIND = 'silences';
export const NFLOG_KIND = 'nflog';
export const TENANT_CONFIGS_KIND = 'tenant-configs';

const MATCH_TYPES: ReadonlySet<string> = new Set<MatchType>(['=', '!=', '=~', '!~']);

type Obj = Record<string, unknown>;

/** Reads fields of one JSON value, throwing with the file and the field's path. */
class Reader {
  constructor(private readonly file: string) {}

  fail(path: string, problem: string, cause?: unknown): never {
    throw new NotifyStateFileError(this.file, `${path}: ${problem}`, { cause });
  }

  obj(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Obj;
  }

  arr(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'expected an array');
    return v;
  }

  str(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, 'expected a string');
    return v;
  }

  num(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, 'expected a number');
    return v;
  }

  strings(v: unknown, path: string): string[] {
    return this.arr(v, path).map((x, i) => this.str(x, `${path}[${i}]`));
  }
}

export function encodeSilences(silences: Iterable<Silence>): Obj {
  return { silences: [...silences].map((s) => ({ ...s, matchers: s.matchers.map((m) => ({ type: m.type, name: m.name, value: m.value })) })) };
}

/** The silences of a file, leaving out those that ended before `endedAfter`. */
export function decodeSilences(file: string, body: Obj, endedAfter: number): Silence[] {
  const r = new Reader(file);
  const out: Silence[] = [];
  r.arr(body.silences, 'silences').forEach((v, i) => {
    const at = `silences[${i}]`;
    const o = r.obj(v, at);
    const endsAt = r.num(o.endsAt, `${at}.endsAt`);
    const matchers = r.arr(o.matchers, `${at}.matchers`).map((mv, j) => {
      const m = r.obj(mv, `${at}.matchers[${j}]`);
      const type = r.str(m.type, `${at}.matchers[${j}].type`);
      if (!MATCH_TYPES.has(type)) r.fail(`${at}.matchers[${j}].type`, `unknown matcher type ${JSON.stringify(type)}`);
      try {
        return new Matcher(type as MatchType, r.str(m.name, `${at}.matchers[${j}].name`), r.str(m.value, `${at}.matchers[${j}].value`));
      } catch (err) {
        return r.fail(`${at}.matchers[${j}]`, (err as Error).message, err);
      }
    });
    const s: Silence = {
      ...o,
      id: r.str(o.id, `${at}.id`),
      matchers,
      startsAt: r.num(o.startsAt, `${at}.startsAt`),
      endsAt,
      createdBy: r.str(o.createdBy, `${at}.createdBy`),
      comment: r.str(o.comment, `${at}.comment`),
      ...(o.updatedAt !== undefined ? { updatedAt: r.num(o.updatedAt, `${at}.updatedAt`) } : {}),
    };
    if (endsAt >= endedAfter) out.push(s);
  });
  return out;
}

export function encodeLog(entries: Iterable<LoggedNotification>): Obj {
  return { entries: [...entries] };
}

/** The log entries of a file that expire after `now`. */
export function decodeLog(file: string, body: Obj, now: number): LoggedNotification[] {
  const r = new Reader(file);
  const out: LoggedNotification[] = [];
  r.arr(body.entries, 'entries').forEach((v, i) => {
    const at = `entries[${i}]`;
    const o = r.obj(v, at);
    const e = r.obj(o.entry, `${at}.entry`);
    const entry: NotificationLogEntry = {
      firingAlerts: r.strings(e.firingAlerts, `${at}.entry.firingAlerts`),
      resolvedAlerts: r.strings(e.resolvedAlerts, `${at}.entry.resolvedAlerts`),
      timestamp: r.num(e.timestamp, `${at}.entry.timestamp`),
    };
    const n = { groupKey: r.str(o.groupKey, `${at}.groupKey`), integration: r.str(o.integration, `${at}.integration`), entry, expiresAt: r.num(o.expiresAt, `${at}.expiresAt`) };
    if (n.expiresAt > now) out.push(n);
  });
  return out;
}

export function encodeTenantConfigs(configs: ReadonlyMap<string, string>): Obj {
  return { tenants: Object.fromEntries(configs) };
}

export function decodeTenantConfigs(file: string, body: Obj): Map<string, string> {
  const r = new Reader(file);
  const out = new Map<string, string>();
  for (const [tenant, text] of Object.entries(r.obj(body.tenants, 'tenants'))) out.set(tenant, r.str(text, `tenants.${tenant}`));
  return out;
}
