import type { AlertTransition, NotifyAlert } from '../../pipeline/alert/rules/index.js';
import { labelKey } from '../../pipeline/alert/rules/label-key.js';

/**
 * What `tidemark replay --notify` sends the notifiers: the alerts still firing at the end of the
 * replayed range, as a live evaluator that had run until then would be sending them (valid for
 * four evaluation intervals from now, as it makes a firing alert valid for four resend periods).
 * Alerts that fired and resolved inside the range are history: a notifier told of an alert that
 * has already ended sends nothing for it (Alertmanager notifies a resolution only after it
 * notified the firing), so they are not sent.
 */
export class FiringAtEnd {
  private readonly last = new Map<string, { transition: AlertTransition; intervalMs: number }>();

  /** A rule's state changes, in time order. */
  add(transitions: readonly AlertTransition[], intervalMs: number): void {
    for (const t of transitions) this.last.set(labelKey(t.alert.labels), { transition: t, intervalMs });
  }

  alerts(nowMs: number, generatorURL: string): NotifyAlert[] {
    const out: NotifyAlert[] = [];
    for (const { transition: t, intervalMs } of this.last.values()) {
      const a = t.alert;
      if (a.state !== 'firing') continue;
      out.push({ labels: a.labels, annotations: a.annotations, startsAt: a.firedAt, endsAt: Math.max(t.at, nowMs) + 4 * intervalMs, generatorURL });
    }
    return out;
  }
}
