import { Counter, type Registry } from 'prom-client';

/** The NATS connector's metric set: messages in, samples out, dead letters by reason, errors. */
export class NatsMetrics {
  readonly messages: Counter<'subject'>;
  readonly samples: Counter<'subject'>;
  readonly deadLetters: Counter<'subject' | 'reason'>;
  readonly published: Counter;
  readonly errors: Counter<'type' | 'stage'>;

  constructor(registry: Registry) {
    this.messages = counter(registry, 'tidemark_nats_messages_received_total', 'Messages received by the NATS bridge.', ['subject']);
    this.samples = counter(registry, 'tidemark_nats_samples_accepted_total', 'Samples from NATS acknowledged by the sink.', ['subject']);
    this.deadLetters = counter(registry, 'tidemark_nats_dead_letters_total', 'Undecodable messages sent to the dead-letter subject.', ['subject', 'reason']);
    this.published = counter(registry, 'tidemark_nats_published_messages_total', 'Sample batches published to NATS (output mode).', []);
    this.errors = counter(registry, 'tidemark_nats_errors_total', 'Errors by type and stage.', ['type', 'stage']);
  }
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}
