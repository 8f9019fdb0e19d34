/** A message that cannot become samples: dead-lettered with `reason`, never retried. */
export class NatsMessageError extends Error {
  readonly code = 'nats_bad_message';
  readonly retryable = false;
  constructor(
    message: string,
    /** Counted as `tidemark_nats_dead_letters_total{reason}`. */
    readonly reason: string,
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(`${subject}: ${message}`, options);
    this.name = 'NatsMessageError';
  }
}

/** The NATS connection or JetStream setup failed at startup. */
export class NatsSetupError extends Error {
  readonly code = 'nats_setup';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NatsSetupError';
  }
}
