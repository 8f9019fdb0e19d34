import { Counter, Gauge, Registry } from 'prom-client';
import { registeredCounter, registeredGauge } from '../../../schemas/registered-metrics.js';

/**
 * The rules role's metric set: samples received / kept / dropped (by reason: filtered out, too
 * old, late), rule outputs and alert events sent, notifications, evaluations, their failures and
 * whether one runs now, errors by type and stage, and the watermark and window size.
 */
export class RulesMetrics {
  readonly samplesReceived: Counter<string>;
  readonly samplesStored: Counter<string>;
  readonly samplesDropped: Counter<'reason'>;
  readonly samplesLate: Counter<string>;
  readonly recordsPassedOver: Counter<string>;
  readonly samplesSent: Counter<string>;
  readonly alertEventsSent: Counter<string>;
  readonly alertsNotified: Counter<string>;
  readonly evaluations: Counter<string>;
  readonly evaluationFailures: Counter<string>;
  readonly arrivalEvaluations: Counter<string>;
  readonly groupEvaluationsInProgress: Gauge<string>;
  readonly errors: Counter<'type' | 'stage'>;
  readonly watermark: Gauge<string>;
  readonly windowSeries: Gauge<string>;
  readonly windowSamples: Gauge<string>;

  constructor(registry: Registry = new Registry()) {
    this.samplesReceived = registeredCounter(registry, 'tidemark_rules_samples_received_total', 'Samples read from the samples and aggregates topics.', []);
    this.samplesStored = registeredCounter(registry, 'tidemark_rules_samples_stored_total', 'Samples kept in the window store.', []);
    this.samplesDropped = registeredCounter(registry, 'tidemark_rules_samples_dropped_total', 'Samples not kept: no rule selects the series (filtered), older than the window (too_old), or late with rules.late_samples: drop (late).', ['reason']);
    this.samplesLate = registeredCounter(registry, 'tidemark_rules_late_samples_total', 'Samples older than the watermark when they arrived (kept if still inside the window).', []);
    this.recordsPassedOver = registeredCounter(registry, 'tidemark_rules_records_passed_over_total', 'Records committed without being decoded because no rule group was loaded.', []);
    this.samplesSent = registeredCounter(registry, 'tidemark_rules_samples_sent_total', 'Recording-rule, ALERTS and ALERTS_FOR_STATE samples published to the aggregates topic.', []);
    this.alertEventsSent = registeredCounter(registry, 'tidemark_rules_alert_events_sent_total', 'Alert state changes published to the alerts topic.', []);
    this.alertsNotified = registeredCounter(registry, 'tidemark_rules_alerts_notified_total', 'Alerts handed to the notifier.', []);
    this.evaluations = registeredCounter(registry, 'tidemark_rules_evaluations_total', 'Rule evaluations.', []);
    this.evaluationFailures = registeredCounter(registry, 'tidemark_rules_evaluation_failures_total', 'Rule evaluations that failed.', []);
    this.arrivalEvaluations = registeredCounter(registry, 'tidemark_rules_arrival_evaluations_total', 'Group evaluations at arrival instants (alerting rules only, between interval instants).', []);
    this.groupEvaluationsInProgress = registeredGauge(registry, 'tidemark_rules_group_evaluations_in_progress', 'Rule groups being evaluated now (1 while a slow rule computes).');
    this.errors = registeredCounter(registry, 'tidemark_rules_errors_total', 'Errors by type and stage.', ['type', 'stage']);
    this.watermark = registeredGauge(registry, 'tidemark_rules_watermark_seconds', 'Event-time watermark: instants up to here are complete.');
    this.windowSeries = registeredGauge(registry, 'tidemark_rules_window_series', 'Series held by the window store.');
    this.windowSamples = registeredGauge(registry, 'tidemark_rules_window_samples', 'Samples held by the window store.');
  }
}
