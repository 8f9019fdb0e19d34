/** Alertmanager's template functions (alertmanager/template.DefaultFuncs). */
import { goFunc, type FuncMap } from './go-func.js';
import { GoRegexp } from '../../../schemas/regexp/index.js';
import { GoDuration, GoTime } from './go-time.js';
import { humanizeDuration } from './humanize.js';
import { isGoMap, kindOf, mapGet, mapKeys, toNumber } from './go-value.js';

/** html/template's HTML and URL: trusted content that HTML output does not escape. */
export class SafeHtml {
  static readonly goType = 'template.HTML';
  constructor(readonly text: string) {}
  String(): string { return this.text; }
}

/** cases.Title(language.AmericanEnglish): first letter of each word upper, the rest lower. */
export function titleCase(s: string): string {
  return s.replace(/[\p{L}\p{N}_'’]+/gu, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
}

/** url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** encoding/json.Marshal of template values (maps with sorted keys, times as RFC 3339). */
export function toGoJson(v: unknown): unknown {
  if (v instanceof GoTime) return v.Format('2006-01-02T15:04:05.999999999Z07:00');
  if (v instanceof GoDuration) return v.ns;
  if (v instanceof SafeHtml) return v.text;
  switch (kindOf(v)) {
    case 'invalid': case 'nil': return null;
    case 'int': case 'float': return toNumber(v);
    case 'slice': return (v as unknown[]).map(toGoJson);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const k of mapKeys(v)) out[k] = toGoJson(mapGet(v, k));
      return out;
    }
    case 'struct': {
      if (isGoMap(v)) return toGoJson(Object.fromEntries(v.mapKeys().map((k) => [k, v.mapGet(k)])));
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as object)) out[k] = toGoJson(x);
      return out;
    }
    default: return v;
  }
}

export function alertmanagerFuncs(now: () => number = Date.now): FuncMap {
  return {
    toUpper: goFunc(['string'], (s: string) => s.toUpperCase()),
    toLower: goFunc(['string'], (s: string) => s.toLowerCase()),
    title: goFunc(['string'], titleCase),
    trimSpace: goFunc(['string'], (s: string) => s.trim()),
    join: goFunc(['string', '[]string'], (sep: string, s: string[] | null) => (s ?? []).join(sep)),
    match: goFunc(['string', 'string'], (pattern: string, s: string) => GoRegexp.compile(pattern).test(s)),
    safeHtml: goFunc(['string'], (s: string) => new SafeHtml(s)),
    safeUrl: goFunc(['string'], (s: string) => new SafeHtml(s)),
    urlUnescape: goFunc(['string'], queryUnescape),
    reReplaceAll: goFunc(['string', 'string', 'string'], (pattern: string, repl: string, s: string) => GoRegexp.compile(pattern).replaceAll(s, repl)),
    stringSlice: goFunc([], (...s: string[]) => s, 'string'),
    date: goFunc(['string', 'time'], (layout: string, t: GoTime) => t.Format(layout)),
    tz: goFunc(['string', 'time'], (name: string, t: GoTime) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: name === 'Local' ? 'UTC' : name });
      } catch {
        throw new Error(`unknown time zone ${name}`);
      }
      return t.In(name === 'Local' ? 'UTC' : name);
    }),
    since: goFunc(['time'], (t: GoTime) => new GoDuration((now() - t.ms) * 1e6 - t.nsRem)),
    now: goFunc([], () => new GoTime(now())),
    humanizeDuration: goFunc(['any'], humanizeDuration),
    toJson: goFunc(['any'], (v: unknown) => JSON.stringify(toGoJson(v))),
  };
}
