import { matchesAll, Matcher, type MatchType } from './matchers.js';

type LabelSet = Readonly<Record<string, string>>;

/** A silence as the v2 API holds it; times are Unix milliseconds. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly updatedAt?: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

/** The v2 API matcher shape (`isEqual` defaults to true). */
export interface ApiMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual?: boolean;
}

/** Convert an API matcher; throws RegexCompileError for a bad regex. */
export function matcherFromApi(m: ApiMatcher): Matcher {
  const eq = m.isEqual ?? true;
  const type: MatchType = m.isRegex ? (eq ? '=~' : '!~') : eq ? '=' : '!=';
  return new Matcher(type, m.name, m.value);
}

export function matcherToApi(m: Matcher): ApiMatcher {
  return { name: m.name, value: m.value, isRegex: m.type === '=~' || m.type === '!~', isEqual: m.type === '=' || m.type === '=~' };
}

/** pending before startsAt, expired after endsAt, active in between (both ends included, as upstream). */
export function silenceState(s: Silence, now: number): SilenceState {
  if (s.startsAt > now) return 'pending';
  if (s.endsAt < now) return 'expired';
  return 'active';
}

/** Whether the silence's matchers all match the labels (state not considered). */
export function silenceMatches(s: Silence, labels: LabelSet): boolean {
  return matchesAll(s.matchers, labels);
}

/** IDs of the active silences that mute an alert with these labels, sorted. */
export function silencedBy(silences: Iterable<Silence>, labels: LabelSet, now: number): string[] {
  const ids: string[] = [];
  for (const s of silences) if (silenceState(s, now) === 'active' && silenceMatches(s, labels)) ids.push(s.id);
  return ids.sort();
}

/** Alertmanager's silence validation; returns the problem or undefined. */
export function validateSilence(s: Pick<Silence, 'matchers' | 'startsAt' | 'endsAt'>): string | undefined {
  if (s.matchers.length === 0) return 'at least one matcher required';
  for (const m of s.matchers) if (m.name === '') return 'invalid label matcher: invalid label name ""';
  if (s.matchers.every((m) => m.matches(''))) return 'at least one matcher must not match the empty string';
  if (!Number.isFinite(s.startsAt) || s.startsAt <= 0) return 'invalid zero start timestamp';
  if (!Number.isFinite(s.endsAt) || s.endsAt <= 0) return 'invalid zero end timestamp';
  if (s.endsAt < s.startsAt) return 'end time must not be before start time';
  return undefined;
}
