import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The rules role's metric set: samples received / kept / dropped (by reason: filtered out, too
 * old, late), rule outputs and alert events sent, notifications, evaluations and their failures,
 * errors by type and stage, and the watermark and window size.
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
  readonly errors: Counter<'type' | 'stage'>;
  readonly watermark: Gauge<string>;
  readonly windowSeries: Gauge<string>;
  readonly windowSamples: Gauge<string>;

  constructor(registry: Registry = new Registry()) {
    this.samplesReceived = counter(registry, 'tidemark_rules_samples_received_total', 'Samples read from the samples and aggregates topics.', []);
    this.samplesStored = counter(registry, 'tidemark_rules_samples_stored_total', 'Samples kept in the window store.', []);
    this.samplesDropped = counter(registry, 'tidemark_rules_samples_dropped_total', 'Samples not kept: no rule selects the series (filtered), older than the window (too_old), or late with rules.late_samples: drop (late).', ['reason']);
    this.samplesLate = counter(registry, 'tidemark_rules_late_samples_total', 'Samples older than the watermark when they arrived (kept if still inside the window).', []);
    this.recordsPassedOver = counter(registry, 'tidemark_rules_records_passed_over_total', 'Records committed without being decoded because no rule group was loaded.', []);
    this.samplesSent = counter(registry, 'tidemark_rules_samples_sent_total', 'Recording-rule, ALERTS and ALERTS_FOR_STATE samples published to the aggregates topic.', []);
    this.alertEventsSent = counter(registry, 'tidemark_rules_alert_events_sent_total', 'Alert state changes published to the alerts topic.', []);
    this.alertsNotified = counter(registry, 'tidemark_rules_alerts_notified_total', 'Alerts handed to the notifier.', []);
    this.evaluations = counter(registry, 'tidemark_rules_evaluations_total', 'Rule evaluations.', []);
    this.evaluationFailures = counter(registry, 'tidemark_rules_evaluation_failures_total', 'Rule evaluations that failed.', []);
    this.arrivalEvaluations = counter(registry, 'tidemark_rules_arrival_evaluations_total', 'Group evaluations at arrival instants (alerting rules only, between interval instants).', []);
    this.errors = counter(registry, 'tidemark_rules_errors_total', 'Errors by type and stage.', ['type', 'stage']);
    this.watermark = gauge(registry, 'tidemark_rules_watermark_seconds', 'Event-time watermark: instants up to here are complete.');
    this.windowSeries = gauge(registry, 'tidemark_rules_window_series', 'Series held by the window store.');
    this.windowSamples = gauge(registry, 'tidemark_rules_window_samples', 'Samples held by the window store.');
  }
}

// Several evaluators (tests, `tidemark up`) may share one registry: reuse a metric already there.
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string): Gauge<string> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Gauge<string>;
  return new Gauge({ name, help, registers: [registry] });
}
