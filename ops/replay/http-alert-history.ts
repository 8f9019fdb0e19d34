import { alertEventOf, type AlertEvent } from '../../pipeline/alert/rules/alert-event-of.js';
import type { AlertTransition, LoadedGroup } from '../../pipeline/alert/rules/index.js';
import type { PrometheusHttp } from './prometheus-http.js';
import type { ReplayedAlertHistory } from './replayed-alert-history.js';
import { WriteBehind } from './write-behind.js';

/** State changes per request: a rule that flaps over a long range must not make one huge body. */
const EVENTS_PER_REQUEST = 5000;

/**
 * A replay's alert state changes sent to the alerts topic of a running Tidemark through its HTTP
 * API (its embedded bus can only be written by that process), in the background and in order,
 * as the samples are. A server without the endpoint is told once (`onUnsupported`) and sent
 * nothing more: the replay's samples still count.
 */
export class HttpAlertHistory implements ReplayedAlertHistory {
  private readonly queue: WriteBehind<readonly AlertEvent[]>;
  private supported = true;
  /** State changes the server took. */
  sent = 0;

  constructor(
    private readonly http: PrometheusHttp,
    private readonly runId: string,
    private readonly onUnsupported: () => void,
  ) {
    this.queue = new WriteBehind((events) => this.send(events));
  }

  async write(group: LoadedGroup, transitions: readonly AlertTransition[]): Promise<void> {
    for (let i = 0; i < transitions.length; i += EVENTS_PER_REQUEST) {
      await this.queue.write(transitions.slice(i, i + EVENTS_PER_REQUEST).map((t) => alertEventOf(group, t)));
    }
  }

  finish(): Promise<void> {
    return this.queue.drain();
  }

  private async send(events: readonly AlertEvent[]): Promise<void> {
    if (!this.supported) return;
    if (await this.http.appendAlertHistory({ run: this.runId, events })) {
      this.sent += events.length;
      return;
    }
    this.supported = false;
    this.onUnsupported();
  }
}
