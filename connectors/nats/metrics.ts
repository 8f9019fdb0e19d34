import { Counter, type Registry } from 'prom-client';
import { registeredCounter } from '../../schemas/registered-metrics.js';

/** The NATS connector's metric set: messages in, samples out, dead letters by reason, errors. */
export class NatsMetrics {
  readonly messages: Counter<'subject'>;
  readonly samples: Counter<'subject'>;
  readonly deadLetters: Counter<'subject' | 'reason'>;
  readonly published: Counter;
  readonly errors: Counter<'type' | 'stage'>;

  constructor(registry: Registry) {
    this.messages = registeredCounter(registry, 'tidemark_nats_messages_received_total', 'Messages received by the NATS bridge.', ['subject']);
    this.samples = registeredCounter(registry, 'tidemark_nats_samples_accepted_total', 'Samples from NATS acknowledged by the sink.', ['subject']);
    this.deadLetters = registeredCounter(registry, 'tidemark_nats_dead_letters_total', 'Undecodable messages sent to the dead-letter subject.', ['subject', 'reason']);
    this.published = registeredCounter(registry, 'tidemark_nats_published_messages_total', 'Sample batches published to NATS (output mode).', []);
    this.errors = registeredCounter(registry, 'tidemark_nats_errors_total', 'Errors by type and stage.', ['type', 'stage']);
  }
}
