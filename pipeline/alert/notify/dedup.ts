/** What the notification log remembers about the last notification of a group to one integration. */
export interface NotificationLogEntry {
  /** Fingerprints of the alerts that were firing in the last notification. */
  readonly firingAlerts: readonly string[];
  /** Fingerprints of the alerts that were resolved in the last notification. */
  readonly resolvedAlerts: readonly string[];
  /** When it was sent (Unix ms). */
  readonly timestamp: number;
}

export type NotificationReason = 'first notification' | 'new alerts added' | 'some alerts resolved' | 'all alerts resolved' | 'repeat interval elapsed';

export interface DedupInput {
  readonly entry: NotificationLogEntry | undefined;
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  readonly sendResolved: boolean;
  readonly repeatInterval: number;
  readonly now: number;
}

function subset(xs: ReadonlySet<string>, of: readonly string[]): boolean {
  if (xs.size > of.length) return false;
  const s = new Set(of);
  for (const x of xs) if (!s.has(x)) return false;
  return true;
}

/**
 * Alertmanager's DedupStage.needsUpdate with the reason it reports: whether a group flush must
 * notify this integration now, given the last notification-log entry. Undefined = nothing to send.
 * `all alerts resolved` is returned even with send_resolved off: the caller then only records
 * the entry (to clear firing state) and sends nothing, as upstream does.
 */
export function notificationReason(i: DedupInput): NotificationReason | undefined {
  const { entry, firing, resolved } = i;
  if (entry === undefined) return firing.size > 0 ? 'first notification' : undefined;
  if (!subset(firing, entry.firingAlerts)) return entry.firingAlerts.length === 0 ? 'first notification' : 'new alerts added';
  if (firing.size === 0) return entry.firingAlerts.length > 0 ? 'all alerts resolved' : undefined;
  if (i.sendResolved && !subset(resolved, entry.resolvedAlerts)) return 'some alerts resolved';
  return entry.timestamp < i.now - i.repeatInterval ? 'repeat interval elapsed' : undefined;
}

/** The log entry to store after notifying (resolved alerts are only remembered with send_resolved). */
export function nextLogEntry(firing: ReadonlySet<string>, resolved: ReadonlySet<string>, sendResolved: boolean, now: number): NotificationLogEntry {
  return { firingAlerts: [...firing].sort(), resolvedAlerts: sendResolved ? [...resolved].sort() : [], timestamp: now };
}
