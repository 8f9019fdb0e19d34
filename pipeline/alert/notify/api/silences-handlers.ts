import { randomUUID } from 'node:crypto';

import { NotifyApiError } from '../errors.js';
import { parseMatcher } from '../matcher-parse.js';
import type { Matcher } from '../matchers.js';
import { matcherFromApi, matcherToApi, silenceState, validateSilence, type ApiMatcher, type Silence } from '../silence.js';
import type { ApiDeps, ApiHandler } from './api-deps.js';
import { boolParam, formatTime, parseTime, readJson, sendJson } from './http-io.js';

type Annotated = Silence & { readonly annotations?: Readonly<Record<string, string>> };

function gettable(s: Annotated, now: number) {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: formatTime(s.updatedAt ?? s.startsAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: formatTime(s.endsAt),
    matchers: s.matchers.map(matcherToApi),
    startsAt: formatTime(s.startsAt),
    ...(s.annotations !== undefined ? { annotations: s.annotations } : {}),
  };
}

const STATE_ORDER = { active: 0, pending: 1, expired: 2 } as const;

/** Alertmanager's order: active by end, pending by start, then expired, most recently ended first. */
function compareSilences(now: number) {
  return (a: Silence, b: Silence): number => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return STATE_ORDER[sa] - STATE_ORDER[sb];
    if (sa === 'active') return a.endsAt - b.endsAt;
    if (sa === 'pending') return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  };
}

/** A silence matches filter matchers when they match the label set its equality matchers describe. */
function matchesFilter(s: Silence, filter: readonly Matcher[]): boolean {
  const labels: Record<string, string> = {};
  for (const m of s.matchers) if (m.type === '=') labels[m.name] = m.value;
  return filter.every((f) => f.matches(labels[f.name] ?? ''));
}

export function getSilences(d: ApiDeps): ApiHandler {
  return async (_req, res, url) => {
    const filter = url.searchParams.getAll('filter').map((f) => {
      try { return parseMatcher(f); } catch (err) { throw new NotifyApiError(400, `bad matcher format: ${f}`, { cause: err }); }
    });
    const keep = { active: boolParam(url, 'active', true), pending: boolParam(url, 'pending', true), expired: boolParam(url, 'expired', true) };
    const now = d.clock.now();
    const all = (await d.store.listSilences()).filter((s) => keep[silenceState(s, now)] && matchesFilter(s, filter));
    sendJson(res, 200, all.sort(compareSilences(now)).map((s) => gettable(s, now)));
  };
}

function parseApiMatchers(v: unknown): Matcher[] {
  if (!Array.isArray(v)) throw new NotifyApiError(400, 'matchers in body is required');
  return v.map((m: unknown, i) => {
    const o = m as Partial<ApiMatcher> | null;
    if (o === null || typeof o !== 'object' || typeof o.name !== 'string' || typeof o.value !== 'string' || typeof o.isRegex !== 'boolean') {
      throw new NotifyApiError(400, `matchers.${i} must have string name and value and boolean isRegex`);
    }
    try {
      return matcherFromApi({ name: o.name, value: o.value, isRegex: o.isRegex, isEqual: typeof o.isEqual === 'boolean' ? o.isEqual : true });
    } catch (err) {
      throw new NotifyApiError(400, `invalid silence: invalid label matcher ${i}: ${(err as Error).message}`, { cause: err });
    }
  });
}

function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
  return a.length === b.length && a.every((m, i) => m.toString() === b[i]!.toString());
}

/** silences.canUpdate: same matchers, and only the times the silence's state allows. */
function canUpdate(prev: Silence, next: Silence, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case 'active': return next.startsAt === prev.startsAt && next.endsAt >= now;
    case 'pending': return next.startsAt >= now;
    case 'expired': return false;
  }
}

/** POST /api/v2/silences: create, update in place, or replace (expire + create), as Silences.Set. */
export function postSilences(d: ApiDeps): ApiHandler {
  return async (req, res) => {
    const body = await readJson(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NotifyApiError(400, 'body must be a silence object');
    const b = body as Record<string, unknown>;
    const matchers = parseApiMatchers(b.matchers);
    const startsAt = parseTime(b.startsAt, 'startsAt');
    const endsAt = parseTime(b.endsAt, 'endsAt');
    if (startsAt === undefined) throw new NotifyApiError(400, 'startsAt in body is required');
    if (endsAt === undefined) throw new NotifyApiError(400, 'endsAt in body is required');
    const now = d.clock.now();
    if (startsAt >= endsAt) throw new NotifyApiError(400, 'Failed to create silence: start time must be before end time');
    if (endsAt < now) throw new NotifyApiError(400, "Failed to create silence: end time can't be in the past");
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const annotations = typeof b.annotations === 'object' && b.annotations !== null ? (b.annotations as Record<string, string>) : undefined;
    const id = str(b.id);
    let sil: Annotated = { id, matchers, startsAt, endsAt, createdBy: str(b.createdBy), comment: str(b.comment), updatedAt: now, ...(annotations ? { annotations } : {}) };
    const problem = validateSilence(sil);
    if (problem !== undefined) throw new NotifyApiError(400, `invalid silence: ${problem}`);
    const prev = id === '' ? undefined : (await d.store.listSilences()).find((s) => s.id === id);
    if (id !== '' && prev === undefined) return sendJson(res, 404, 'silence not found');
    if (prev !== undefined && canUpdate(prev, sil, now)) {
      await d.store.putSilence(sil);
      return sendJson(res, 200, { silenceID: id });
    }
    if (prev !== undefined && silenceState(prev, now) !== 'expired') await d.store.putSilence(expire(prev, now));
    sil = { ...sil, id: randomUUID(), startsAt: Math.max(sil.startsAt, now) };
    await d.store.putSilence(sil);
    sendJson(res, 200, { silenceID: sil.id });
  };
}

function expire(s: Silence, now: number): Silence {
  return silenceState(s, now) === 'pending' ? { ...s, startsAt: now, endsAt: now, updatedAt: now } : { ...s, endsAt: now, updatedAt: now };
}

function silenceId(url: URL): string {
  return decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
}

/** GET /api/v2/silence/{id}. */
export function getSilence(d: ApiDeps): ApiHandler {
  return async (_req, res, url) => {
    const s = (await d.store.listSilences()).find((x) => x.id === silenceId(url));
    if (s === undefined) return void res.writeHead(404).end();
    sendJson(res, 200, gettable(s, d.clock.now()));
  };
}

/** DELETE /api/v2/silence/{id}: expire it (it stays listed as expired). */
export function deleteSilence(d: ApiDeps): ApiHandler {
  return async (_req, res, url) => {
    const id = silenceId(url);
    const s = (await d.store.listSilences()).find((x) => x.id === id);
    if (s === undefined) return void res.writeHead(404).end();
    const now = d.clock.now();
    if (silenceState(s, now) === 'expired') return sendJson(res, 500, `silence ${id} already expired`);
    await d.store.putSilence(expire(s, now));
    res.writeHead(200).end();
  };
}
