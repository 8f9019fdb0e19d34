import { buildNotification, type Integration, type NotificationAlert } from '../receivers/index.js';
import { compareAlerts, isResolvedAt, type Alert } from './alert.js';
import type { Clock } from './clock.js';
import { nextLogEntry, notificationReason, type NotificationLogEntry } from './dedup.js';
import { deliverWithRetry, type DeliveryOutcome, type RetryPolicy } from './deliver.js';
import { isInhibited } from './inhibit.js';
import type { NotifyMetrics } from './metrics.js';
import type { NotifierPlan } from './notifier-plan.js';
import type { ClaimedGroup, NotifyStateStore, PendingNotification, ResolvedSnapshot } from './notify-state-store.js';
import { isRouteMutedAt } from './route.js';
import { silencedBy, type Silence } from './silence.js';

type LabelSet = Readonly<Record<string, string>>;

export interface NotifyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What one flush needs besides the group: shared per tick so a batch of groups reads state once. */
export interface FlushContext {
  readonly store: NotifyStateStore;
  readonly plan: NotifierPlan;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  readonly metrics: NotifyMetrics;
  readonly logger: NotifyLogger;
  readonly externalURL: string;
  readonly leaseMs: number;
  readonly silences: readonly Silence[];
  /** Labels of the alerts firing now (inhibition sources); empty when there are no inhibit rules. */
  readonly firing: readonly LabelSet[];
  readonly signal: AbortSignal;
  /** Re-route alerts of a group whose route no longer exists (config reloaded). */
  readonly reroute: (alerts: readonly Alert[]) => Promise<void>;
}

function toNotificationAlert(a: Alert, now: number): NotificationAlert {
  const resolved = isResolvedAt(a, now);
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    // Alertmanager zeroes endsAt of alerts still firing at flush time.
    endsAt: resolved ? a.endsAt : 0,
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
  };
}

/**
 * One aggregation-group flush, as Alertmanager's aggrGroup.flush plus the notify pipeline:
 * deliver what a dead holder left pending, then mute (inhibition, time intervals, silences),
 * dedup against the notification log per integration, write each notification ahead, deliver
 * with retries, log it, and finally drop resolved alerts that did not change meanwhile.
 */
export async function flushGroup(ctx: FlushContext, c: ClaimedGroup): Promise<void> {
  const { store, clock } = ctx;
  const gk = c.meta.groupKey;
  const renew = setInterval(() => {
    store.renewClaim(gk, c.token, clock.now(), ctx.leaseMs).catch(() => undefined);
  }, Math.max(50, Math.floor(ctx.leaseMs / 3)));
  try {
    let allOk = true;
    // The log as of the claim, plus what recovered pending notifications add to it.
    const log = new Map(c.log);
    for (const p of c.pending) {
      const integration = findIntegration(ctx, p.integration);
      const ok = await deliverPending(ctx, c, p, integration);
      if (ok) log.set(p.integration, p.entry);
      allOk &&= ok;
    }
    const now = clock.now();
    const route = ctx.plan.routesById.get(c.meta.routeId);
    const alerts = [...c.alerts].sort(compareAlerts);
    const missing = c.members.filter((fp) => !alerts.some((a) => a.fingerprint === fp));
    const gone: ResolvedSnapshot[] = missing.map((fingerprint) => ({ fingerprint, updatedAt: -1 }));
    if (route === undefined || route.opts.receiver !== c.meta.receiver) {
      // The config changed under this group (a route or its receiver is gone, or the group's
      // tenant got a configuration of its own or lost it): retire the group, then hand its alerts
      // to the new tree, in that order, since the new tree may give them a group of the same key.
      await store.finishFlush(gk, c.token, [...gone, ...alerts.map((a) => ({ fingerprint: a.fingerprint, updatedAt: a.updatedAt }))], now);
      await ctx.reroute(alerts);
      return;
    }
    const nextFlushAt = c.dueAt + route.opts.groupInterval > now ? c.dueAt + route.opts.groupInterval : now + route.opts.groupInterval;
    const resolved = alerts.filter((a) => isResolvedAt(a, now)).map((a) => ({ fingerprint: a.fingerprint, updatedAt: a.updatedAt }));
    ctx.metrics.flushes.inc();
    if (alerts.length > 0 && !isRouteMutedAt(route, ctx.plan.timeIntervals, now)) {
      const kept = alerts.filter((a) => !isInhibited(ctx.plan.inhibitRules, a.labels, ctx.firing) && silencedBy(ctx.silences, a.labels, now).length === 0);
      if (kept.length > 0) {
        const integrations = ctx.plan.integrations.get(c.meta.receiver) ?? [];
        const results = await Promise.all(integrations.map((i) => notifyIntegration(ctx, c, log, route.opts.repeatInterval, i, kept, now)));
        allOk &&= results.every(Boolean);
      }
    }
    await store.finishFlush(gk, c.token, allOk ? [...gone, ...resolved] : gone, nextFlushAt);
  } catch (err) {
    ctx.metrics.errors.inc({ type: (err as Error).name, stage: 'flush' });
    ctx.logger.error({ err, groupKey: gk }, 'flushing aggregation group failed; it is retried when its lease runs out');
  } finally {
    clearInterval(renew);
  }
}

function findIntegration(ctx: FlushContext, key: string): Integration | undefined {
  const receiver = key.slice(0, key.indexOf('/'));
  return ctx.plan.integrations.get(receiver)?.find((i) => i.key === key);
}

/** Dedup stage, write-ahead, delivery, log. Returns false if the notification was not delivered. */
async function notifyIntegration(
  ctx: FlushContext, c: ClaimedGroup, log: ReadonlyMap<string, NotificationLogEntry>, repeatInterval: number, i: Integration, alerts: readonly Alert[], now: number,
): Promise<boolean> {
  const gk = c.meta.groupKey;
  const firing = new Set<string>();
  const resolved = new Set<string>();
  for (const a of alerts) (isResolvedAt(a, now) ? resolved : firing).add(a.fingerprint);
  const sendResolved = i.receiver.sendResolved;
  const entry = log.get(i.key);
  const reason = notificationReason({ entry, firing, resolved, sendResolved, repeatInterval, now });
  if (reason === undefined) return true;
  const retainMs = 2 * repeatInterval;
  const next = nextLogEntry(firing, resolved, sendResolved, now);
  if (!sendResolved && firing.size === 0) {
    // Only resolved alerts and the integration does not send those: log to clear the firing state.
    await ctx.store.putLog(gk, i.key, next, retainMs);
    return true;
  }
  const sent = alerts.filter((a) => sendResolved || !isResolvedAt(a, now)).map((a) => toNotificationAlert(a, now));
  const pending: PendingNotification = { integration: i.key, alerts: sent, reason, entry: next, retainMs, createdAt: now };
  if (!(await ctx.store.writePending(gk, c.token, pending))) {
    ctx.logger.warn({ groupKey: gk, integration: i.key }, 'lost the group lease before sending; another replica takes over');
    return false;
  }
  return deliverPending(ctx, c, pending, i);
}

/** Deliver a written-ahead notification and resolve it: logged when delivered, recorded as a failure when given up. */
async function deliverPending(ctx: FlushContext, c: ClaimedGroup, p: PendingNotification, i: Integration | undefined): Promise<boolean> {
  const gk = c.meta.groupKey;
  const route = ctx.plan.routesById.get(c.meta.routeId);
  let outcome: DeliveryOutcome;
  if (i === undefined) {
    outcome = { ok: false, attempts: 0, error: new Error(`integration ${p.integration} is no longer configured`), retryable: false };
  } else {
    const n = buildNotification({
      receiver: c.meta.receiver,
      groupKey: gk,
      groupLabels: c.meta.labels,
      externalURL: ctx.externalURL,
      notificationReason: p.reason,
      routeLabels: route?.opts.labels ?? {},
      alerts: p.alerts,
      timestamp: p.createdAt,
    });
    outcome = await deliverWithRetry(i.receiver, n, ctx.retry, ctx.signal, (ok) => {
      ctx.metrics.requests.inc({ integration: i.receiver.kind });
      if (!ok) ctx.metrics.requestsFailed.inc({ integration: i.receiver.kind });
    });
  }
  const kind = i?.receiver.kind ?? 'unknown';
  if (!outcome.ok && ctx.signal.aborted) {
    // Shutting down: leave it pending; whoever holds the group next delivers it.
    return false;
  }
  if (outcome.ok) {
    ctx.metrics.notifications.inc({ integration: kind });
  } else {
    ctx.metrics.notificationsFailed.inc({ integration: kind, reason: outcome.retryable === true ? 'retries_exhausted' : 'permanent' });
    ctx.logger.error({ groupKey: gk, integration: p.integration, attempts: outcome.attempts, err: outcome.error }, 'notification could not be delivered');
    await ctx.store.recordFailure({ groupKey: gk, integration: p.integration, error: outcome.error?.message ?? 'unknown error', attempts: outcome.attempts, alerts: p.alerts.length, at: ctx.clock.now() });
  }
  const stillHeld = await ctx.store.resolvePending(gk, c.token, p.integration, outcome.ok ? p.entry : undefined, p.retainMs);
  if (!stillHeld) ctx.logger.warn({ groupKey: gk, integration: p.integration }, 'group lease expired during delivery; the notification may be sent again by another replica');
  return outcome.ok;
}
