/**
 * Alertmanager's API v2 as the Alertmanager pages use it. Its answers are bare JSON (not
 * Prometheus' `{status, data}` envelope), so these calls have their own fetch.
 */

export interface AmMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** false for `!=` and `!~` (absent in old clients: true). */
  readonly isEqual?: boolean;
}

export interface AmAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
  readonly generatorURL?: string;
  readonly receivers: { name: string }[];
  readonly status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

export interface AmAlertGroup {
  readonly labels: Record<string, string>;
  readonly receiver: { name: string };
  readonly alerts: AmAlert[];
}

export interface AmSilence {
  readonly id: string;
  readonly matchers: AmMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: { state: 'active' | 'pending' | 'expired' };
}

export type MatchOp = '=' | '!=' | '=~' | '!~';
export const MATCH_OPS: readonly MatchOp[] = ['=', '!=', '=~', '!~'];

export function opOf(m: AmMatcher): MatchOp {
  const eq = m.isEqual !== false;
  return m.isRegex ? (eq ? '=~' : '!~') : eq ? '=' : '!=';
}

export function matcherOf(name: string, op: MatchOp, value: string): AmMatcher {
  return { name, value, isRegex: op === '=~' || op === '!~', isEqual: op === '=' || op === '=~' };
}

/** `name="value"` as Alertmanager's `filter` parameter and amtool write a matcher. */
export function matcherText(m: AmMatcher): string {
  return `${m.name}${opOf(m)}${JSON.stringify(m.value)}`;
}

/**
 * Parses `{a="x", b=~"y.*"}` (braces optional) into matchers; values are double-quoted strings
 * with JSON escapes, or bare words. Throws with the position on anything else.
 */
export function parseMatchers(text: string): AmMatcher[] {
  let s = text.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  const out: AmMatcher[] = [];
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,"\s]*)\s*(,|$)/y;
  let at = 0;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (m === null) throw new Error(`bad matcher at ${JSON.stringify(s.slice(at))}`);
    const value = m[3].startsWith('"') ? (JSON.parse(m[3]) as string) : m[3];
    out.push(matcherOf(m[1], m[2] as MatchOp, value));
    at = re.lastIndex;
    if (m[4] === '') break;
  }
  return out;
}

export class AmApiError extends Error {
  override readonly name = 'AmApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls Alertmanager's API on this origin; a non-2xx answer throws with its text. */
export async function amFetch<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    method,
    signal,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new AmApiError(res.status, `${method} ${path}: ${res.status} ${text.trim() || res.statusText}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** `?filter=...&filter=...` for these matchers plus extra parameters. */
export function filterQuery(matchers: readonly AmMatcher[], extra: Record<string, string> = {}): string {
  const p = new URLSearchParams(extra);
  for (const m of matchers) p.append('filter', matcherText(m));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}
