/**
 * Prometheus duration strings (`1h30m`, `15s`, `500ms`, `2d`, `1w`, `1y`, `0`): units in
 * descending order, each at most once, as Prometheus' model.ParseDuration accepts them.
 */
const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export class DurationError extends Error {
  readonly code = 'invalid_duration';
  readonly retryable = false;
  /** `message` defaults to model.ParseDuration's wording for a malformed string. */
  constructor(readonly input: string, message = `not a valid duration string: ${JSON.stringify(input)}`) {
    super(message);
    this.name = 'DurationError';
  }
}

/** Milliseconds of a Prometheus duration string; throws DurationError. */
export function parseDuration(text: string): number {
  if (text === '') throw new DurationError(text, 'empty duration string');
  if (text === '0') return 0;
  const m = DURATION_RE.exec(text);
  if (m === null) throw new DurationError(text);
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * UNITS[i][1];
  }
  if (!Number.isSafeInteger(ms)) throw new DurationError(text, `duration out of range: ${JSON.stringify(text)}`);
  return ms;
}

/**
 * Renders milliseconds as model.Duration.String does (`1h30m`, `0s`): years and weeks only when
 * they divide the rest exactly (`2w`, but `90d` rather than `12w6d`).
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = ms < 0 ? '-' : '';
  rest = Math.abs(rest);
  for (const [unit, size] of UNITS) {
    if ((unit === 'y' || unit === 'w') && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
