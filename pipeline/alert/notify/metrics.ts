import { Counter, Gauge, Registry } from 'prom-client';
import { registeredCounter } from '../../../schemas/registered-metrics.js';

/**
 * The notifier's metric set: alerts received (by status) and invalid, notifications sent and
 * failed per integration (`failed` counts notifications given up after all retries, `attempts`
 * every request), groups flushed, and errors by type and stage.
 */
export class NotifyMetrics {
  readonly alertsReceived: Counter<'status'>;
  readonly alertsInvalid: Counter<string>;
  readonly notifications: Counter<'integration'>;
  readonly notificationsFailed: Counter<'integration' | 'reason'>;
  readonly requests: Counter<'integration'>;
  readonly requestsFailed: Counter<'integration'>;
  readonly flushes: Counter<string>;
  readonly errors: Counter<'type' | 'stage'>;
  readonly groups: Gauge<string>;

  constructor(registry: Registry = new Registry()) {
    this.alertsReceived = registeredCounter(registry, 'tidemark_notify_alerts_received_total', 'Alerts received through the API, by status.', ['status']);
    this.alertsInvalid = registeredCounter(registry, 'tidemark_notify_alerts_invalid_total', 'Alerts rejected by validation.', []);
    this.notifications = registeredCounter(registry, 'tidemark_notify_notifications_total', 'Notifications delivered, by integration.', ['integration']);
    this.notificationsFailed = registeredCounter(registry, 'tidemark_notify_notifications_failed_total', 'Notifications given up after all retries (recorded in the failure log), by integration.', ['integration', 'reason']);
    this.requests = registeredCounter(registry, 'tidemark_notify_notification_requests_total', 'Delivery attempts, by integration.', ['integration']);
    this.requestsFailed = registeredCounter(registry, 'tidemark_notify_notification_requests_failed_total', 'Failed delivery attempts, by integration.', ['integration']);
    this.flushes = registeredCounter(registry, 'tidemark_notify_group_flushes_total', 'Aggregation group flushes.', []);
    this.errors = registeredCounter(registry, 'tidemark_notify_errors_total', 'Errors by type and stage.', ['type', 'stage']);
    const existing = registry.getSingleMetric('tidemark_notify_aggregation_groups');
    const counted = () => this.groupCount;
    this.groups = (existing as Gauge<string> | undefined) ?? new Gauge({
      name: 'tidemark_notify_aggregation_groups',
      help: 'Aggregation groups with active alerts, as /api/v2/alerts/groups lists them (read from the state every replica shares).',
      registers: [registry],
      async collect() {
        const count = counted();
        if (count !== undefined) this.set(await count());
      },
    });
  }

  private groupCount: (() => Promise<number>) | undefined;

  /** Where the aggregation-group gauge reads its value at each scrape. */
  countGroupsWith(count: () => Promise<number>): void {
    this.groupCount = count;
  }
}
