export * from './config/index.js';
export { AlertmanagerConfigError, DurationParseError, MatcherParseError, RegexCompileError, TimeIntervalError, formatYamlPath } from './errors.js';
export { formatDuration, parseDuration } from './duration.js';
export { formatLabelSet, goQuote } from './go-quote.js';
export { compileAnchoredGoRegex } from './go-regex.js';
export { Matcher, formatMatchers, matchesAll, sortMatchers, type MatchType } from './matchers.js';
export { parseMatcher, parseMatchers } from './matcher-parse.js';
export { DEFAULT_ROUTE_OPTS, Route, buildRouteTree, isRouteMutedAt, type RouteOpts } from './route.js';
export { groupKey, groupLabels } from './group-key.js';
export { alertFingerprint } from './fingerprint.js';
export { findInhibition, isInhibited, type Inhibition } from './inhibit.js';
export {
  matcherFromApi, matcherToApi, silenceMatches, silenceState, silencedBy, validateSilence,
  type ApiMatcher, type Silence, type SilenceState,
} from './silence.js';
export { anyIntervalContains, intervalContains, parseTimeInterval, type TimeInterval, type TimeIntervalSpec } from './time-intervals.js';
export { nextLogEntry, notificationReason, type DedupInput, type NotificationLogEntry, type NotificationReason } from './dedup.js';
export type { GroupState, NotifyStateStore } from './notify-state-store.js';
export { MemoryStateStore } from './memory-state-store.js';
