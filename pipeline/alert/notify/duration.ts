import { DurationParseError } from './errors.js';

const UNITS: readonly [string, number][] = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

// prometheus/common model.ParseDuration: units in descending order, each at most once.
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parse a Prometheus duration (`1h30m`, `5m`, `0s`, `0`) into milliseconds. */
export function parseDuration(s: string): number {
  if (s === '') throw new DurationParseError('empty duration string', s);
  if (s === '0') return 0;
  const m = DURATION_RE.exec(s);
  if (m === null) throw new DurationParseError(`not a valid duration string: "${s}"`, s);
  let total = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const g = m[i + 1];
    if (g !== undefined) total += Number(g) * UNITS[i]![1];
  }
  if (!Number.isSafeInteger(total)) throw new DurationParseError(`duration out of range: "${s}"`, s);
  return total;
}

/** Format milliseconds as Prometheus does (`4h`, `1h30m`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
