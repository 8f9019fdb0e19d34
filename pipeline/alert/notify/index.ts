export * from './config/index.js';
export { AlertmanagerConfigError, MatcherParseError, RegexCompileError, TimeIntervalError, formatYamlPath } from './errors.js';
export { DurationError, formatDuration, parseDuration } from '../../../schemas/duration.js';
export { formatLabelSet, goQuote } from './go-quote.js';
export { compileMatcherRegexp } from './matchers.js';
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
export type {
  ClaimedGroup, DeliveryFailure, GroupInsert, GroupMeta, GroupState, NotifyPeer, NotifyStateStore, PendingNotification, ResolvedSnapshot,
} from './notify-state-store.js';
export { MemoryStateStore, type LoggedNotification } from './memory-state-store.js';
export { FileBackedStateStore, type FileBackedStateStoreSettings } from './file-backed-state-store.js';
export { compareAlerts, isResolvedAt, mergeAlerts, putOver, type Alert } from './alert.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export { DEFAULT_RETRY, deliverWithRetry, type DeliveryOutcome, type RetryPolicy } from './deliver.js';
export { Dispatcher, loadTemplateFiles, type DispatcherSettings } from './dispatcher.js';
export type { NotifyLogger } from './group-flush.js';
export { NotifyMetrics } from './metrics.js';
export { buildNotifierPlan, type NotifierPlan } from './notifier-plan.js';
export { TenantPlans } from './tenant-plans.js';
export { RedisStateStore, type RedisStateStoreSettings } from './redis-state-store.js';
export { createNotifier, type Notifier, type NotifierSettings } from './notifier.js';
export { notifyApiRoutes, parsePostableAlerts, type ApiRoute, type GettableAlert } from './api/index.js';
export { NotifyApiError, NotifyStateFileError } from './errors.js';
