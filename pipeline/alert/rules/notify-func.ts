/**
 * How the evaluator hands alerts to a notifier: a function, not a notifier class (Prometheus'
 * `rules.NotifyFunc`). Alerts have the shape `POST /api/v2/alerts` takes, times in Unix ms:
 * `endsAt` in the future while firing (valid-until), the resolution time once resolved.
 */
import type { Labels } from '../../../schemas/index.js';

export interface NotifyAlert {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
}

/** Must not throw for bad alerts; a rejected promise is counted and the alerts are resent later. */
export type NotifyFunc = (alerts: readonly NotifyAlert[]) => Promise<void>;

/** The v2 API JSON body for these alerts (RFC 3339 times), for notifiers reached over HTTP or in process. */
export function postableAlerts(alerts: readonly NotifyAlert[]): Array<Record<string, unknown>> {
  return alerts.map((a) => ({
    labels: a.labels, annotations: a.annotations, generatorURL: a.generatorURL,
    startsAt: new Date(a.startsAt).toISOString(), endsAt: new Date(a.endsAt).toISOString(),
  }));
}
