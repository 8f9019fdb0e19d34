import type { Labels } from '../../../schemas/labels.js';

/**
 * An alert as the notifier holds it (Alertmanager's types.Alert). Times are Unix milliseconds;
 * `endsAt` is always set once stored: alerts posted without one get `now + resolve_timeout` and
 * `timeout: true`.
 */
export interface Alert {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
  readonly updatedAt: number;
  /** endsAt came from resolve_timeout rather than from the sender. */
  readonly timeout: boolean;
}

/** Resolved iff endsAt is set and not after `now` (types.Alert.ResolvedAt). */
export function isResolvedAt(a: Pick<Alert, 'endsAt'>, now: number): boolean {
  return a.endsAt !== 0 && a.endsAt <= now;
}

/** Whether `incoming` overlaps `old`'s activity range, so the two are merged (mem provider Put). */
export function overlaps(old: Alert, incoming: Alert): boolean {
  return (incoming.endsAt > old.startsAt && incoming.endsAt < old.endsAt) || (incoming.startsAt > old.startsAt && incoming.startsAt < old.endsAt);
}

/**
 * types.Alert.Merge: the younger alert wins, but the earliest startsAt is kept, and an explicit
 * (non-timeout) later endsAt of the older alert rules.
 */
export function mergeAlerts(a: Alert, o: Alert, now: number): Alert {
  if (o.updatedAt < a.updatedAt) return mergeAlerts(o, a, now);
  let startsAt = o.startsAt;
  let endsAt = o.endsAt;
  if (a.startsAt < o.startsAt) startsAt = a.startsAt;
  if (isResolvedAt(o, now)) {
    if (isResolvedAt(a, now) && a.endsAt > o.endsAt) endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    endsAt = a.endsAt;
  }
  return startsAt === o.startsAt && endsAt === o.endsAt ? o : { ...o, startsAt, endsAt };
}

/** Store an incoming alert over an existing one with the same fingerprint (provider/mem Put). */
export function putOver(old: Alert | undefined, incoming: Alert, now: number): Alert {
  if (old === undefined) return incoming;
  return overlaps(old, incoming) ? mergeAlerts(old, incoming, now) : incoming;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** types.AlertSlice order: by `job`, then `instance` (alerts having the label first), then the whole label set. */
export function compareAlerts(a: Alert, b: Alert): number {
  for (const n of ['job', 'instance']) {
    const x = a.labels[n];
    const y = b.labels[n];
    if (x !== undefined && y !== undefined) {
      if (x !== y) return cmp(x, y);
    } else if (x !== undefined || y !== undefined) {
      return x !== undefined ? -1 : 1;
    }
  }
  return compareLabelSets(a.labels, b.labels);
}

/** model.LabelSet.Before: fewer labels first, then by value over the union of names in order. */
export function compareLabelSets(a: Labels, b: Labels): number {
  const an = Object.keys(a);
  const bn = Object.keys(b);
  if (an.length !== bn.length) return an.length - bn.length;
  const names = [...an, ...bn].sort(cmp);
  for (const n of names) {
    const x = a[n];
    const y = b[n];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x !== y) return cmp(x, y);
  }
  return 0;
}
