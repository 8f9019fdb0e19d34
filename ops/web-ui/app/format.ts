/** Prometheus durations: `1h30m`, `15s`, `2d`, `500ms`. */
const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** Milliseconds of a Prometheus duration (`1h30m`, or plain seconds `90`), or undefined when it is none. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+)(ms|y|w|d|h|m|s)/gy;
  let ms = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t)) !== null) {
    ms += Number(m[1]) * (UNITS.find(([u]) => u === m![2])?.[1] ?? 0);
    end = re.lastIndex;
  }
  return end === t.length && end > 0 ? ms : undefined;
}

/** The shortest Prometheus duration for `ms` (`1h30m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [u, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return out;
}

/** `2024-05-01 13:04:05` in UTC (the Prometheus UI's end-time format). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/** Parses formatTime's output (UTC), or undefined. */
export function parseTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?$/.exec(text.trim());
  if (m === null) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
}

/** "3.2s ago" / "in 4s" for a time, relative to now. */
export function ago(iso: string | number): string {
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t) || t <= 0 || (typeof iso === 'string' && iso.startsWith('0001-'))) return 'never';
  const d = Date.now() - t;
  const s = formatSeconds(Math.abs(d) / 1000);
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

/** Seconds as `12.345ms`, `1.234s`, `3m4s`. */
export function formatSeconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(3).replace(/\.?0+$/, '')}ms`;
  if (s < 60) return `${s.toFixed(3).replace(/\.?0+$/, '')}s`;
  return formatDuration(Math.round(s) * 1000);
}
