import { createHash } from 'node:crypto';

type LabelSet = Readonly<Record<string, string>>;

/** One alert in a notification, as it was at flush time. Times are Unix ms; firing alerts carry endsAt 0. */
export interface NotificationAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: LabelSet;
  readonly annotations: LabelSet;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/**
 * What a receiver gets: one aggregation group's alerts for one integration, already filtered
 * (muted alerts removed, resolved ones left out when the integration does not send them) and
 * sorted as Alertmanager sorts them. Receivers know nothing else of the notifier.
 */
export interface Notification {
  /** The receiver's name as configured. */
  readonly receiver: string;
  readonly groupKey: string;
  readonly status: 'firing' | 'resolved';
  readonly groupLabels: LabelSet;
  readonly commonLabels: LabelSet;
  readonly commonAnnotations: LabelSet;
  readonly externalURL: string;
  readonly notificationReason: string;
  readonly routeLabels: LabelSet;
  readonly alerts: readonly NotificationAlert[];
  /** When the flush happened (Unix ms): template `now`-relative values use it. */
  readonly timestamp: number;
}

function common(maps: readonly LabelSet[]): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (let i = 1; i < maps.length; i++) {
    const m = maps[i]!;
    for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  }
  return out;
}

export interface NotificationInput {
  readonly receiver: string;
  readonly groupKey: string;
  readonly groupLabels: LabelSet;
  readonly externalURL: string;
  readonly notificationReason: string;
  readonly routeLabels: LabelSet;
  readonly alerts: readonly NotificationAlert[];
  readonly timestamp: number;
}

/** Fill in status and the common labels/annotations as template.Data does. */
export function buildNotification(i: NotificationInput): Notification {
  return {
    ...i,
    status: i.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    commonLabels: common(i.alerts.map((a) => a.labels)),
    commonAnnotations: common(i.alerts.map((a) => a.annotations)),
  };
}

/**
 * notify.Key.Hash: the SHA-256 of the group key in hex. PagerDuty's dedup_key, Opsgenie's alias,
 * VictorOps' entity_id and Jira's ALERT{...} label are this value, so incidents opened by
 * Alertmanager and by Tidemark for the same group are the same incident.
 */
export function groupKeyHash(n: Pick<Notification, 'groupKey'>): string {
  return createHash('sha256').update(n.groupKey).digest('hex');
}
