import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { embeddedBusConfigSchema } from '../../pipeline/bus/embedded/config.js';
import { busCompressionSchema } from '../../pipeline/bus/record-compression.js';
import { checkScrapeConfig, metricNameEscapingSchemeSchema, metricNameValidationSchemeSchema, scrapeConfigSchema, scrapeProtocolsSchema } from '../../connectors/scrape/index.js';
import { remoteWriteConfigSchema } from '../../connectors/remote-write/index.js';
import { influxConfigSchema } from '../../connectors/influx/index.js';
import { otlpConfigSchema } from '../../connectors/otlp/index.js';
import { importConfigSchema } from '../../connectors/import/index.js';
import { pushgatewayConfigSchema } from '../../connectors/pushgateway/index.js';
// The schema's own file: the connector's index would load the NATS client with every role (see ingest.ts).
import { natsConfigSchema } from '../../connectors/nats/config.js';
import { storeConfigSchema } from '../../pipeline/store/index.js';
import { queryConfigSchema } from '../../pipeline/query/index.js';
import { watermarksConfigSchema } from '../../pipeline/publish/index.js';
import { httpConfigSchema } from '../../pipeline/alert/notify/config/index.js';
import { aggregatesConfigSchema, aggregationConfigSchema } from '../../pipeline/aggregate/index.js';
import { tenantsConfigSchema } from '../tenants/config.js';
import { ingestAgeFollowsRetention } from './ingest-age-bound.js';

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
    scrape_interval: duration.default(60_000).describe('How often targets are scraped by default (default 1m).'),
    scrape_timeout: duration.default(10_000).describe('How long a scrape may take by default (default 10s).'),
    scrape_protocols: scrapeProtocolsSchema.optional()
      .describe('Default exposition formats asked for, in order of preference: PrometheusProto, OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0, PrometheusText0.0.4 (default: the text formats, PrometheusProto first when native histograms are scraped).'),
    scrape_native_histograms: z.boolean().default(false)
      .describe('Native histograms of protobuf scrapes are stored as native histograms (default false: their classic series are).'),
    always_scrape_classic_histograms: z.boolean().default(false)
      .describe('A histogram exposed both as native and classic buckets is also stored as its classic series, and so is a classic histogram converted by convert_classic_histograms_to_nhcb.'),
    convert_classic_histograms_to_nhcb: z.boolean().default(false)
      .describe('Classic histograms (the _bucket, _count and _sum series of a family typed histogram) are stored as native histograms with custom buckets (schema -53) named for the family; their classic series only with always_scrape_classic_histograms.'),
    evaluation_interval: duration.default(60_000).describe('How often rule groups are evaluated by default, in event time (default 1m).'),
    rule_query_offset: duration.optional().describe('Accepted for prometheus.yml compatibility.'),
    external_labels: z.record(labelName, z.string()).default({}).describe('Labels added to federation, remote read and alerts, as in Prometheus.'),
    query_log_file: z.string().optional().describe('Accepted for prometheus.yml compatibility.'),
    body_size_limit: z.union([z.string(), z.number()]).optional().describe('Default scrape body size limit (e.g. 10MB).'),
    sample_limit: z.number().int().min(0).optional().describe('Default per-scrape sample limit.'),
    label_limit: z.number().int().min(0).optional().describe('Default per-series label limit.'),
    label_name_length_limit: z.number().int().min(0).optional().describe('Default label name length limit.'),
    label_value_length_limit: z.number().int().min(0).optional().describe('Default label value length limit.'),
    target_limit: z.number().int().min(0).optional().describe('Default per-job target limit.'),
    keep_dropped_targets: z.number().int().min(0).optional().describe('Default number of targets dropped by relabeling that /api/v1/targets lists per job (0 = all).'),
    metric_name_validation_scheme: metricNameValidationSchemeSchema('global').describe('Default name validation of scrape jobs: utf8 (the default, as in Prometheus 3: any UTF-8 metric and label name) or legacy (a scrape with another name fails).'),
    scrape_failure_log_file: z.string().optional().describe('Default file failed scrapes are appended to as JSON lines (relative to the configuration file).'),
    extra_scrape_metrics: z.boolean().optional().describe('Scrapes also write scrape_timeout_seconds, scrape_sample_limit and scrape_body_size_bytes (default false).'),
    metric_name_escaping_scheme: metricNameEscapingSchemeSchema('global').describe('Default escaping asked of targets for UTF-8 names: allow-utf-8 (names as they are; the default with utf8 validation), underscores (the default with legacy), dots or values.'),
  })
  .strict();

const topicsSchema = z
  .object({
    samples: z.string().min(1).default('tidemark.samples').describe('Raw samples from every connector.'),
    aggregates: z.string().min(1).default('tidemark.aggregates').describe('Recording-rule output and ALERTS series.'),
    alerts: z.string().min(1).default('tidemark.alerts').describe('Alert state changes (the alert history).'),
    deadletter: z.string().min(1).default('tidemark.deadletter').describe('Records a consumer could not decode, with the reason.'),
    metadata: z.string().min(1).default('tidemark.metadata').describe('Metric metadata (TYPE, HELP, UNIT) of scrape targets and remote_write senders.'),
    exemplars: z.string().min(1).default('tidemark.exemplars').describe('Exemplars of OpenMetrics scrapes and remote_write requests.'),
  })
  .strict();

const kafkaSchema = z
  .object({
    brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1).describe('Kafka bootstrap brokers, host:port.'),
    client_id: z.string().default('tidemark').describe('Kafka client id.'),
    ssl: z.boolean().default(false).describe('Connect with TLS.'),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string(),
        password: z.string(),
      })
      .strict()
      .optional(),
    consumer: z
      .object({
        session_timeout_ms: z.number().int().min(1000).default(30_000)
          .describe('A group member that sends no heartbeat for this long is removed from its group and its partitions reassigned.'),
        heartbeat_interval_ms: z.number().int().min(100).default(3000)
          .describe('How often group members send heartbeats; keep it below a third of session_timeout_ms.'),
        rebalance_timeout_ms: z.number().int().min(1000).default(60_000)
          .describe('How long the group coordinator waits for every member to rejoin during a rebalance.'),
        rejoin_attempts: z.number().int().min(0).default(10)
          .describe('A consumer that fails to join its group (or is thrown out of it) rejoins up to this many times in a row; then the role exits with status 1 for its supervisor to restart it.'),
        rejoin_backoff_ms: z.number().int().min(1).default(1000)
          .describe('Pause before the first rejoin; it doubles with each failed attempt.'),
        rejoin_backoff_max_ms: z.number().int().min(1).default(60_000)
          .describe('Longest pause between rejoin attempts.'),
        max_wait_ms: z.number().int().min(0).default(100)
          .describe('Longest a fetch waits at the broker when no data is ready. Kafka answers as soon as data arrives; brokers that hold an empty fetch to the end (librdkafka\'s mock cluster) add up to this much to every hop, which an alert crosses twice. Lower means more empty fetches while idle.'),
      })
      .strict()
      .refine((c) => c.heartbeat_interval_ms < c.session_timeout_ms, {
        message: 'heartbeat_interval_ms must be lower than session_timeout_ms',
        path: ['heartbeat_interval_ms'],
      })
      .prefault({})
      .describe('Consumer-group timing and rejoining of every consumer (store, rules).'),
    producer: z
      .object({
        idempotent: z.boolean().default(false)
          .describe('Idempotent producer (Kafka\'s enable.idempotence): the brokers drop a batch a retry sends again, so a produce retried after a lost acknowledgement cannot write its records twice (the stores already ignore a sample they hold, so this matters most for the alerts topic). Brokers before 2.8 need the IDEMPOTENT_WRITE permission. Off by default: kafkajs asks the controller for a producer id, which clusters that report no reachable controller (librdkafka\'s mock cluster) cannot give.'),
      })
      .strict()
      .prefault({})
      .describe('How every role produces to Kafka.'),
  })
  .strict();

const busSchema = z
  .object({
    type: z.enum(['embedded', 'kafka']).default('embedded').describe('embedded: an in-process log under --data; kafka: bus.kafka.brokers.'),
    /** Partitions of the samples topic: the unit of sharding for store workers. */
    partitions: z.number().int().min(1).max(4096).default(8).describe('Partitions of the samples topic: the unit of store sharding. Fixed once data exists.'),
    topics: topicsSchema.prefault({}),
    kafka: kafkaSchema.optional(),
    embedded: embeddedBusConfigSchema.prefault({}),
    compression: busCompressionSchema,
    watermarks: watermarksConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((bus, ctx) => {
    if (bus.type === 'kafka' && bus.kafka === undefined) {
      ctx.addIssue({ code: 'custom', path: ['kafka'], message: 'bus.type is kafka but bus.kafka.brokers is not set' });
    }
  });

/** The HTTP client keys of an `alertmanagers` entry (prometheus/common HTTPClientConfig). */
const HTTP_CLIENT_KEYS = [
  'basic_auth', 'authorization', 'oauth2', 'bearer_token', 'bearer_token_file', 'tls_config', 'follow_redirects',
  'enable_http2', 'http_headers', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header',
] as const;

/**
 * One `alerting.alertmanagers` entry of prometheus.yml. Tidemark uses the static targets, scheme,
 * path prefix, timeout, and the HTTP client's auth (`basic_auth`, `authorization`, `bearer_token`),
 * `tls_config`, `http_headers` and `follow_redirects`, validated as Prometheus does; service
 * discovery, `oauth2` and proxies are accepted so a prometheus.yml loads, but not used.
 */
const alertmanagerSchema = z.looseObject({
  static_configs: z
    .array(z.looseObject({ targets: z.array(z.string().regex(/^[^\s/]+:\d+$/, 'expected host:port')).default([]) }))
    .default([])
    .describe('The notifiers, `host:port`: list every `tidemark notify` replica (or Alertmanager).'),
  scheme: z.enum(['http', 'https']).default('http').describe('Scheme of the notifier URLs.'),
  path_prefix: z.string().default('').describe('Prefix of the notifier API path (`<prefix>/api/v2/alerts`).'),
  timeout: duration.default(10_000).describe('How long one send to one notifier may take (default 10s).'),
  api_version: z.literal('v2').optional().describe('Only the v2 API is spoken.'),
}).transform((am, ctx) => {
  const client: Record<string, unknown> = {};
  for (const k of HTTP_CLIENT_KEYS) if (am[k] !== undefined) client[k] = am[k];
  const parsed = httpConfigSchema.safeParse(client);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return { ...am, http_config: parsed.data };
});

export type AlertmanagerTargetConfig = z.output<typeof alertmanagerSchema>;

const alertingSchema = z
  .object({
    alertmanagers: z
      .array(alertmanagerSchema)
      .default([])
      .describe('Where `tidemark rules` sends alerts, as Prometheus does: every alert to every target of every entry (POST <scheme>://<target><path_prefix>/api/v2/alerts), with the entry\'s basic_auth, authorization, bearer_token, tls_config, http_headers and follow_redirects. Point it at every `tidemark notify` replica; the replicas share state in Redis and send each notification once. `tidemark up` delivers to its built-in notifier and ignores this.'),
    alert_relabel_configs: z.array(z.unknown()).default([]).describe('Accepted for prometheus.yml compatibility.'),
    /** Tidemark: the notifier's alertmanager.yml, by path ... */
    alertmanager_config_file: z.string().optional().describe("The notifier's alertmanager.yml, relative to this file."),
    /** ... or inline. */
    alertmanager_config: z.record(z.string(), z.unknown()).optional().describe('The notifier configuration inline (alertmanager.yml content).'),
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
    otlp: otlpConfigSchema.prefault({}),
    import: importConfigSchema.prefault({}),
    pushgateway: pushgatewayConfigSchema.prefault({}),
    max_store_lag: z.number().int().min(0).default(0)
      .describe('Pushes are refused with 429 and Retry-After while the store group has more than this many records of the samples topic left to apply (counted from the applied offsets the stores report with their commits; 503 while the lag cannot be read); 0 turns it off.'),
  })
  .strict();

/** The streaming rule evaluator (`tidemark rules` and `up`). */
const rulesSchema = z
  .object({
    allowed_lateness_ms: z.number().int().min(0).default(1000)
      .describe('For partitions whose producers send no watermarks (bus.watermarks): event time lags their newest sample by this much before a group is evaluated.'),
    idle_timeout_ms: z.number().int().min(1).default(10_000)
      .describe('A producer that stopped sending watermarks, or a partition without such producers and without data, stops holding evaluation back after this long (processing time).'),
    arrival_resolution_ms: z.number().int().min(0).default(100)
      .describe('Alerting rules are also evaluated when a sample they read arrives, at its timestamp rounded up to this many milliseconds, so an alert fires as soon as the watermark passes the crossing sample instead of at the next interval instant (recording rules and the ALERTS series stay on the interval). Costs up to 1000/this evaluations per second of each alerting group with busy input; 0 evaluates at interval instants only.'),
    late_samples: z.enum(['keep', 'drop']).default('keep')
      .describe('A sample older than the watermark when it reaches the rules (its instant was already evaluated) is counted in tidemark_rules_late_samples_total and then kept: later evaluations read it, and alerting rules that read it are evaluated again at the next arrival step; or dropped: the rules ignore it (stores keep it either way).'),
    resend_delay_ms: z.number().int().min(0).default(60_000)
      .describe('Firing alerts are sent to the notifier again this often (Prometheus --rules.alert.resend-delay).'),
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
    scrape_config_files: z.array(z.string()).default([]).describe('Accepted for prometheus.yml compatibility (not read yet).'),
    rule_files: z.array(z.string()).default([]).describe('Prometheus rule files (globs), relative to this file.'),
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
    rules: rulesSchema.prefault({}),
    aggregates: aggregatesConfigSchema,
    aggregation: aggregationConfigSchema.prefault({}).describe('How the store runs the `aggregates` rules.'),
    redis: z
      .object({ url: z.string().regex(/^rediss?:\/\//, 'expected redis://host:port').describe('Shared state: notifier, shard registry, HA election, tenants\' ingestion limits across ingest replicas.') })
      .strict()
      .optional(),
    /** NATS: servers, subjects bridged into the bus, and the edge output mode. */
    nats: natsConfigSchema.optional(),
    /** Multi-tenancy (off by default). */
    tenants: tenantsConfigSchema.prefault({}),
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
    // A tenant's jobs share the job namespace (the targets API, the job label) with everyone's.
    for (const [tenant, jobs] of Object.entries(cfg.tenants.scrape_configs)) {
      jobs.forEach((sc, i) => {
        const path = ['tenants', 'scrape_configs', tenant, i];
        if (seen.has(sc.job_name)) ctx.addIssue({ code: 'custom', path: [...path, 'job_name'], message: `found multiple scrape configs with job name "${sc.job_name}"` });
        seen.add(sc.job_name);
        for (const issue of checkScrapeConfig(sc, cfg.global)) ctx.addIssue({ code: 'custom', path: [...path, ...issue.path], message: issue.message });
      });
    }
  })
  .transform(ingestAgeFollowsRetention);

export type TidemarkConfig = z.output<typeof tidemarkConfigSchema>;
export type TidemarkConfigInput = z.input<typeof tidemarkConfigSchema>;
