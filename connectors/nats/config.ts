import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
    return z.NEVER;
  }
});

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid label name');
/** JetStream names: no dots, spaces, wildcards. */
const jsName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only');

export const natsJetStreamInputSchema = z
  .object({
    stream: jsName.describe('The stream holding the input subject.'),
    durable: jsName.describe('Durable pull consumer: its position survives bridge restarts.'),
    create_stream: z.boolean().default(false).describe('Create the stream (file storage, capturing the subject) when missing.'),
    batch_size: z.number().int().min(1).max(10_000).default(256).describe('Messages committed to the sink together, then acknowledged.'),
    ack_wait: duration.default(30_000).describe('Unacknowledged messages are redelivered after this long.'),
    max_deliver: z.number().int().min(-1).default(-1).describe('Deliveries of one message before JetStream gives up; -1 unlimited.'),
  })
  .strict();

export const natsInputSchema = z
  .object({
    subject: z.string().min(1).describe('Subject (wildcards allowed) carrying the messages.'),
    format: z
      .enum(['exposition', 'influx', 'sample_batch'])
      .describe('exposition: text 0.0.4 or OpenMetrics (by Content-Type header); influx: line protocol; sample_batch: Avro sample batches (output mode).'),
    queue_group: z.string().optional().describe('Core NATS queue group, so several bridges share a subject.'),
    jetstream: natsJetStreamInputSchema.optional().describe('Consume through a durable JetStream consumer instead of a core subscription.'),
    labels: z.record(labelName, z.string()).default({}).describe('Target labels added to every sample (like static_configs labels).'),
    subject_labels: z
      .record(labelName, z.number().int().min(1))
      .default({})
      .describe('Target labels from subject tokens by 1-based position: {job: 2, instance: 3} for metrics.<job>.<instance>.'),
    header_labels: z.boolean().default(true).describe('Take target labels from `Tidemark-Label-<name>` message headers.'),
    honor_labels: z.boolean().default(false).describe('As in scrape configs: exposed labels win over target labels (else they become exported_<name>).'),
    influx_precision: z.enum(['ns', 'us', 'ms', 's', 'm', 'h']).default('ns').describe('Timestamp precision of line protocol (a `precision` header overrides).'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.queue_group !== undefined && c.jetstream !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['queue_group'], message: 'queue_group is for core subscriptions; a JetStream durable is already shared' });
    }
  });

export const natsOutputSchema = z
  .object({
    subject: z.string().min(1).regex(/^[^*>\s]+$/, 'a subject without wildcards').default('tidemark.samples'),
    stream: jsName.optional().describe('When set, the stream is created (if create_stream) and publishes are acknowledged by JetStream.'),
    create_stream: z.boolean().default(false),
    max_series_per_message: z.number().int().min(1).default(2_000),
    publish_retries: z.number().int().min(0).default(3).describe('Retries of one publish, with the same msgID (deduplicated by JetStream).'),
  })
  .strict();

export const natsConfigSchema = z
  .object({
    servers: z.array(z.string().min(1)).min(1).optional().describe('NATS servers; default the root `nats.servers`.'),
    inputs: z.array(natsInputSchema).default([]),
    dead_letter_subject: z.string().min(1).default('tidemark.deadletter').describe('Undecodable messages are published here with the reason, then acknowledged.'),
    output: natsOutputSchema.optional().describe('`tidemark ingest` at the edge: publish samples to NATS instead of the bus.'),
  })
  .strict();

export type NatsConfig = z.infer<typeof natsConfigSchema>;
export type NatsConfigInput = z.input<typeof natsConfigSchema>;
export type NatsInputConfig = z.infer<typeof natsInputSchema>;
export type NatsOutputConfig = z.infer<typeof natsOutputSchema>;

export function defaultNatsConfig(): NatsConfig {
  return natsConfigSchema.parse({});
}
