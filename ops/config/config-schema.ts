import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { embeddedBusConfigSchema } from '../../pipeline/bus/embedded/config.js';
import { checkScrapeConfig, scrapeConfigSchema } from '../../connectors/scrape/index.js';
import { remoteWriteConfigSchema } from '../../connectors/remote-write/index.js';
import { influxConfigSchema } from '../../connectors/influx/index.js';
import { pushgatewayConfigSchema } from '../../connectors/pushgateway/index.js';
import { natsConfigSchema } from '../../connectors/nats/index.js';
import { storeConfigSchema } from '../../pipeline/ingest/index.js';
import { queryConfigSchema } from '../../pipeline/query/index.js';

/** A Prometheus duration string in YAML, milliseconds in the parsed config. */
export const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
    return z.NEVER;
  }
});

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid label name');

const globalSchema = z
  .object({
    scrape_interval: duration.default(60_000),
    scrape_timeout: duration.default(10_000),
    scrape_protocols: z.array(z.string()).optional(),
    evaluation_interval: duration.default(60_000),
    rule_query_offset: duration.optional(),
    external_labels: z.record(labelName, z.string()).default({}),
    query_log_file: z.string().optional(),
    body_size_limit: z.union([z.string(), z.number()]).optional(),
    sample_limit: z.number().int().min(0).optional(),
    label_limit: z.number().int().min(0).optional(),
    label_name_length_limit: z.number().int().min(0).optional(),
    label_value_length_limit: z.number().int().min(0).optional(),
    target_limit: z.number().int().min(0).optional(),
  })
  .strict();

const topicsSchema = z
  .object({
    samples: z.string().min(1).default('tidemark.samples'),
    aggregates: z.string().min(1).default('tidemark.aggregates'),
    alerts: z.string().min(1).default('tidemark.alerts'),
    deadletter: z.string().min(1).default('tidemark.deadletter'),
  })
  .strict();

const kafkaSchema = z
  .object({
    brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1),
    client_id: z.string().default('tidemark'),
    ssl: z.boolean().default(false),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string(),
        password: z.string(),
      })
      .strict()
      .optional(),
  })
  .strict();

const busSchema = z
  .object({
    type: z.enum(['embedded', 'kafka']).default('embedded'),
    /** Partitions of the samples topic: the unit of sharding for store workers. */
    partitions: z.number().int().min(1).max(4096).default(8),
    topics: topicsSchema.prefault({}),
    kafka: kafkaSchema.optional(),
    embedded: embeddedBusConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((bus, ctx) => {
    if (bus.type === 'kafka' && bus.kafka === undefined) {
      ctx.addIssue({ code: 'custom', path: ['kafka'], message: 'bus.type is kafka but bus.kafka.brokers is not set' });
    }
  });

const alertingSchema = z
  .object({
    alertmanagers: z.array(z.unknown()).default([]),
    alert_relabel_configs: z.array(z.unknown()).default([]),
    /** Tidemark: the notifier's alertmanager.yml, by path ... */
    alertmanager_config_file: z.string().optional(),
    /** ... or inline. */
    alertmanager_config: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.alertmanager_config_file !== undefined && a.alertmanager_config !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['alertmanager_config'],
        message: 'at most one of alertmanager_config_file and alertmanager_config may be set',
      });
    }
  });

/** Tidemark's push endpoints (the `ingest` role and `up`). */
const ingestSchema = z
  .object({
    remote_write: remoteWriteConfigSchema.prefault({}),
    influx: influxConfigSchema.prefault({}),
    pushgateway: pushgatewayConfigSchema.prefault({}),
  })
  .strict();

/**
 * `tidemark.yml`: a superset of `prometheus.yml`. `global`, `scrape_configs`, `rule_files` and
 * `alerting` mean what they mean there (each component validates its own section further when it
 * starts); Prometheus sections Tidemark does not use (`remote_write`, `storage`, ...) are accepted
 * so an existing file loads unchanged. Tidemark's own sections (`bus`, `redis`, `nats`) sit beside
 * them. Unknown keys are errors.
 */
export const tidemarkConfigSchema = z
  .object({
    global: globalSchema.prefault({}),
    scrape_configs: z.array(scrapeConfigSchema).default([]),
    scrape_config_files: z.array(z.string()).default([]),
    rule_files: z.array(z.string()).default([]),
    alerting: alertingSchema.prefault({}),
    remote_write: z.array(z.unknown()).optional(),
    remote_read: z.array(z.unknown()).optional(),
    storage: z.unknown().optional(),
    tracing: z.unknown().optional(),
    otlp: z.unknown().optional(),
    runtime: z.unknown().optional(),
    bus: busSchema.prefault({}),
    ingest: ingestSchema.prefault({}),
    store: storeConfigSchema.prefault({}),
    query: queryConfigSchema.prefault({}),
    redis: z.object({ url: z.string().regex(/^rediss?:\/\//, 'expected redis://host:port') }).strict().optional(),
    /** NATS: servers, subjects bridged into the bus, and the edge output mode. */
    nats: natsConfigSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.scrape_configs.forEach((sc, i) => {
      if (seen.has(sc.job_name)) {
        ctx.addIssue({ code: 'custom', path: ['scrape_configs', i, 'job_name'], message: `found multiple scrape configs with job name "${sc.job_name}"` });
      }
      seen.add(sc.job_name);
      for (const issue of checkScrapeConfig(sc, cfg.global)) {
        ctx.addIssue({ code: 'custom', path: ['scrape_configs', i, ...issue.path], message: issue.message });
      }
    });
  });

export type TidemarkConfig = z.output<typeof tidemarkConfigSchema>;
export type TidemarkConfigInput = z.input<typeof tidemarkConfigSchema>;
