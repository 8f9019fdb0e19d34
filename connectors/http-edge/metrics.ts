import { Counter, Gauge, type Registry } from 'prom-client';
import { registeredCounter, registeredGauge } from '../../schemas/registered-metrics.js';

/**
 * The metric set every push connector reports, labelled by connector so several connectors share
 * one registry: samples received, accepted (acknowledged by the bus) and rejected by reason;
 * requests by status code; errors by type and stage; requests in flight.
 */
export class EdgeMetrics {
  readonly received: Counter.Internal;
  readonly accepted: Counter.Internal;
  private readonly rejectedCounter: Counter<'connector' | 'reason'>;
  private readonly requestsCounter: Counter<'connector' | 'code'>;
  private readonly errorsCounter: Counter<'connector' | 'type' | 'stage'>;
  readonly inFlight: Gauge.Internal<string>;

  constructor(
    registry: Registry,
    readonly connector: string,
  ) {
    const received = registeredCounter(registry, 'tidemark_connector_received_samples_total', 'Samples received in push requests.', ['connector']);
    const accepted = registeredCounter(
      registry,
      'tidemark_connector_accepted_samples_total',
      'Samples acknowledged by the bus.',
      ['connector'],
    );
    this.rejectedCounter = registeredCounter(
      registry,
      'tidemark_connector_rejected_samples_total',
      'Samples not stored, by reason.',
      ['connector', 'reason'],
    );
    this.requestsCounter = registeredCounter(registry, 'tidemark_connector_requests_total', 'Push requests by HTTP status.', [
      'connector',
      'code',
    ]);
    this.errorsCounter = registeredCounter(registry, 'tidemark_connector_errors_total', 'Errors by type and stage.', [
      'connector',
      'type',
      'stage',
    ]);
    const inFlight = registeredGauge(registry, 'tidemark_connector_in_flight_requests', 'Push requests being handled.', ['connector']);
    this.received = received.labels(connector);
    this.accepted = accepted.labels(connector);
    this.inFlight = inFlight.labels(connector);
  }

  rejected(count: number, reason: string): void {
    if (count > 0) this.rejectedCounter.inc({ connector: this.connector, reason }, count);
  }

  request(status: number): void {
    this.requestsCounter.inc({ connector: this.connector, code: String(status) });
  }

  error(type: string, stage: string): void {
    this.errorsCounter.inc({ connector: this.connector, type, stage });
  }
}
