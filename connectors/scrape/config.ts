import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { checkHttpClientConfig, httpClientFields, type HttpClientConfig } from './http-client-config.js';
import { relabelConfigSchema, type RelabelConfig } from './relabel-config.js';

/** A Prometheus duration string in YAML, milliseconds in the parsed config. */
const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
    return z.NEVER;
  }
});

const BASE2_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, PB: 1024 ** 5, EB: 1024 ** 6 };

/**
 * Bytes of a Prometheus `units.Base2Bytes` string (`10MB` = 10 MiB, `512KiB`, `1GB512MB`), or a
 * plain number of bytes. 0 means no limit. Throws an Error with Prometheus-like wording.
 */
export function parseBase2Bytes(input: string | number): number {
  if (typeof input === 'number') return input;
  const re = /(\d+(?:\.\d+)?)([KMGTPE]?)(i?)B/gy;
  let total = 0;
  let pos = 0;
  const s = input.trim();
  if (s === '0' || s === '') return 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * BASE2_UNITS[`${m[2]}B`];
    pos = re.lastIndex;
  }
  if (pos !== s.length || pos === 0) throw new Error(`units: invalid Base2Bytes ${JSON.stringify(input)}`);
  return Math.floor(total);
}

const byteSize = z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
  try {
    return parseBase2Bytes(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelSet = z.record(z.string().regex(LABEL_NAME_RE, 'not a valid label name'), z.string());

export const staticConfigSchema = z
  .object({
    targets: z
      .array(z.string().refine((t) => !t.includes('/'), { error: (i) => `${JSON.stringify(i.input)} is not a valid hostname` }))
      .default([]),
    labels: labelSet.default({}),
  })
  .strict();

// Prometheus' patFileSDName: a glob only in the last path element, JSON or YAML by extension.
const FILE_SD_NAME_RE = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

export const fileSdConfigSchema = z
  .object({
    files: z
      .array(z.string().refine((f) => FILE_SD_NAME_RE.test(f), { error: (i) => `path name ${JSON.stringify(i.input)} is not valid for file discovery` }))
      .min(1, 'file service discovery config must contain at least one path name'),
    refresh_interval: duration.default(5 * 60_000),
  })
  .strict();

export const httpSdConfigSchema = z
  .object({
    url: z.string().regex(/^https?:\/\/[^/]/, 'URL scheme must be \'http\' or \'https\''),
    refresh_interval: duration.default(60_000),
    ...httpClientFields,
  })
  .strict()
  .superRefine((c, ctx) => checkHttpClientConfig(c, ctx));

const limit = z.number().int().min(0).optional();

/** Prometheus' scrape protocol names, and the media type each one asks for. */
export const SCRAPE_PROTOCOL_MEDIA_TYPES = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  PrometheusText0_0_4: 'text/plain;version=0.0.4',
  PrometheusText1_0_0: 'text/plain;version=1.0.0',
  OpenMetricsText0_0_1: 'application/openmetrics-text;version=0.0.1',
  OpenMetricsText1_0_0: 'application/openmetrics-text;version=1.0.0',
} as const;

export const SCRAPE_PROTOCOLS = ['PrometheusProto', 'PrometheusText0.0.4', 'PrometheusText1.0.0', 'OpenMetricsText0.0.1', 'OpenMetricsText1.0.0'] as const;
export type ScrapeProtocol = (typeof SCRAPE_PROTOCOLS)[number];

/** Prometheus' default order; protobuf is asked for first only when native histograms are scraped. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];
export const DEFAULT_NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS];

/** `scrape_protocols`, checked as Prometheus checks it (known names, no duplicates, not empty). */
export const scrapeProtocolsSchema = z
  .array(z.string())
  .superRefine((list, ctx) => {
    if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'scrape_protocols cannot be empty' });
    for (const p of list) {
      if (!(SCRAPE_PROTOCOLS as readonly string[]).includes(p)) {
        ctx.addIssue({ code: 'custom', message: `unknown scrape protocol ${p}, supported: [${SCRAPE_PROTOCOLS.join(' ')}]` });
      }
    }
    if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', message: `duplicated protocol in scrape_protocols, got [${list.join(' ')}]` });
  })
  .transform((list) => list as ScrapeProtocol[]);

/**
 * `metric_name_validation_scheme` (global or per job), checked as Prometheus checks it; unset, it
 * is `utf8`, Prometheus 3's default.
 */
export function metricNameValidationSchemeSchema(where: 'global' | 'scrape config') {
  return z.string()
    .refine((v) => ['', 'legacy', 'utf8'].includes(v), { error: (i) => `unknown ${where} name validation method specified, must be either '', 'legacy' or 'utf8', got ${String(i.input)}` })
    .optional();
}

export const METRIC_NAME_ESCAPING_SCHEMES = ['allow-utf-8', 'underscores', 'dots', 'values'] as const;
/** How a target is asked to escape names that are not legacy ones (the escaping Accept parameter); `allow-utf-8` asks for them unescaped. */
export type MetricNameEscapingScheme = (typeof METRIC_NAME_ESCAPING_SCHEMES)[number];

/** `metric_name_escaping_scheme` (global or per job), checked as Prometheus checks it. */
export function metricNameEscapingSchemeSchema(where: 'global' | 'scrape config') {
  return z.string()
    .refine((v) => (METRIC_NAME_ESCAPING_SCHEMES as readonly string[]).includes(v), {
      error: (i) => `unknown ${where} name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(i.input)}`,
    })
    .optional();
}

/**
 * One entry of `scrape_configs`, exactly as in prometheus.yml. `scrape_interval`,
 * `scrape_timeout` and the limits stay undefined when not written: they inherit from `global`
 * in `resolveScrapeConfig` (Prometheus' ScrapeConfig.Validate). Durations are milliseconds.
 */
export const scrapeConfigSchema = z
  .object({
    job_name: z.string().min(1, 'job_name is empty'),
    honor_labels: z.boolean().default(false),
    honor_timestamps: z.boolean().default(true),
    track_timestamps_staleness: z.boolean().default(false),
    params: z.record(z.string(), z.array(z.string())).default({}),
    scrape_interval: duration.optional(),
    scrape_timeout: duration.optional(),
    metrics_path: z.string().default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    body_size_limit: byteSize.optional(),
    sample_limit: limit,
    target_limit: limit,
    label_limit: limit,
    label_name_length_limit: limit,
    label_value_length_limit: limit,
    scrape_protocols: scrapeProtocolsSchema.optional()
      .describe('Exposition formats asked for, in order of preference (the Accept header): PrometheusProto, OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0, PrometheusText0.0.4. Default from global; without it, the text formats, with PrometheusProto first when native histograms are scraped.'),
    scrape_native_histograms: z.boolean().optional()
      .describe('Native histograms of protobuf scrapes are stored as native histograms; without it their classic series are (default from global, false).'),
    always_scrape_classic_histograms: z.boolean().optional()
      .describe('A histogram exposed both as native and classic buckets is also stored as its classic series, and so is a classic histogram converted by convert_classic_histograms_to_nhcb (default from global, false).'),
    convert_classic_histograms_to_nhcb: z.boolean().optional()
      .describe('Classic histograms (the _bucket, _count and _sum series of a family typed histogram) are stored as native histograms with custom buckets (schema -53) named for the family; their classic series only with always_scrape_classic_histograms (default from global, false).'),
    fallback_scrape_protocol: z.string()
      .refine((p) => (SCRAPE_PROTOCOLS as readonly string[]).includes(p), { error: (i) => `unknown fallback_scrape_protocol ${JSON.stringify(i.input)}, supported: [${SCRAPE_PROTOCOLS.join(' ')}]` })
      .transform((p) => p as ScrapeProtocol)
      .optional()
      .describe('The format a response is read as when its Content-Type is blank, does not parse or is not an exposition format; without it such a scrape fails, as in Prometheus 3.'),
    native_histogram_bucket_limit: z.number().int().min(0).default(0)
      .describe('Most buckets (positive and negative) a native histogram may have: one with more is reduced in resolution until it fits; the scrape fails when it cannot. 0 = no limit.'),
    native_histogram_min_bucket_factor: z.number().default(0)
      .describe('Lowest growth factor from one bucket to the next: native histograms of a finer schema are reduced to the finest schema within it (2 = schema 0, 1.1 = schema 2). 0 = schema 8.'),
    enable_compression: z.boolean().default(true)
      .describe('Ask targets for a gzipped body; false asks for an uncompressed one.'),
    keep_dropped_targets: limit
      .describe('How many targets dropped by relabeling /api/v1/targets lists for this job (default from global; 0 = all).'),
    scrape_failure_log_file: z.string().optional()
      .describe('File each failed scrape of the job is appended to as a JSON line (time, level, msg, scrape_pool, target); relative to the configuration file (default from global).'),
    extra_scrape_metrics: z.boolean().optional()
      .describe('Each scrape also writes scrape_timeout_seconds, scrape_sample_limit and scrape_body_size_bytes (default from global, false).'),
    metric_name_validation_scheme: metricNameValidationSchemeSchema('scrape config')
      .describe('utf8 (the default, from global): any UTF-8 metric and label name, quoted in the text formats; legacy: a scrape with a name outside [a-zA-Z_:][a-zA-Z0-9_:]* (label names [a-zA-Z_][a-zA-Z0-9_]*) after metric relabeling fails.'),
    metric_name_escaping_scheme: metricNameEscapingSchemeSchema('scrape config')
      .describe('How targets are asked to escape UTF-8 names (the escaping parameter of the 1.0.0 text formats): from global, else allow-utf-8 (names as they are) with utf8 validation and underscores with legacy; dots or values; allow-utf-8 is refused with legacy validation, as Prometheus refuses it.'),
    static_configs: z.array(staticConfigSchema).default([]),
    file_sd_configs: z.array(fileSdConfigSchema).default([]),
    http_sd_configs: z.array(httpSdConfigSchema).default([]),
    relabel_configs: z.array(relabelConfigSchema).default([]),
    metric_relabel_configs: z.array(relabelConfigSchema).default([]),
    ...httpClientFields,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkHttpClientConfig(c, ctx);
    if (c.scrape_interval === 0) ctx.addIssue({ code: 'custom', path: ['scrape_interval'], message: 'scrape interval cannot be 0' });
    if (c.scrape_interval !== undefined && c.scrape_timeout !== undefined && c.scrape_timeout > c.scrape_interval) {
      ctx.addIssue({ code: 'custom', path: ['scrape_timeout'], message: `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(c.job_name)}` });
    }
  });

export type ScrapeConfig = z.output<typeof scrapeConfigSchema>;
export type ScrapeConfigInput = z.input<typeof scrapeConfigSchema>;
export type StaticConfig = z.output<typeof staticConfigSchema>;
export type FileSdConfig = z.output<typeof fileSdConfigSchema>;
export type HttpSdConfig = z.output<typeof httpSdConfigSchema>;
export type { HttpClientConfig, RelabelConfig };

/** What a scrape config inherits from `global` (the root schema's parsed `global` satisfies it). */
export interface ScrapeGlobalConfig {
  /** Milliseconds (default 1m). */
  readonly scrape_interval?: number;
  /** Milliseconds (default 10s). */
  readonly scrape_timeout?: number;
  readonly body_size_limit?: string | number;
  readonly sample_limit?: number;
  readonly target_limit?: number;
  readonly label_limit?: number;
  readonly label_name_length_limit?: number;
  readonly label_value_length_limit?: number;
  readonly scrape_protocols?: readonly ScrapeProtocol[];
  readonly scrape_native_histograms?: boolean;
  readonly always_scrape_classic_histograms?: boolean;
  readonly convert_classic_histograms_to_nhcb?: boolean;
  readonly keep_dropped_targets?: number;
  readonly metric_name_validation_scheme?: string;
  readonly metric_name_escaping_scheme?: string;
  readonly extra_scrape_metrics?: boolean;
  readonly scrape_failure_log_file?: string;
}

/** A scrape config with everything inherited filled in: what the scrape manager runs on. */
export interface ResolvedScrapeConfig extends Omit<
  ScrapeConfig,
  'scrape_interval' | 'scrape_timeout' | 'body_size_limit' | 'sample_limit' | 'target_limit' | 'label_limit' | 'label_name_length_limit' | 'label_value_length_limit'
  | 'scrape_protocols' | 'scrape_native_histograms' | 'always_scrape_classic_histograms' | 'convert_classic_histograms_to_nhcb' | 'keep_dropped_targets'
  | 'metric_name_validation_scheme' | 'metric_name_escaping_scheme' | 'extra_scrape_metrics' | 'scrape_failure_log_file'
> {
  readonly scrape_interval: number;
  readonly scrape_timeout: number;
  /** 0 = no limit, for every limit below. */
  readonly body_size_limit: number;
  readonly sample_limit: number;
  readonly target_limit: number;
  readonly label_limit: number;
  readonly label_name_length_limit: number;
  readonly label_value_length_limit: number;
  readonly scrape_protocols: readonly ScrapeProtocol[];
  readonly scrape_native_histograms: boolean;
  readonly always_scrape_classic_histograms: boolean;
  readonly convert_classic_histograms_to_nhcb: boolean;
  /** Dropped targets kept for the targets API; 0 = all. */
  readonly keep_dropped_targets: number;
  readonly metric_name_validation_scheme: 'legacy' | 'utf8';
  readonly metric_name_escaping_scheme: MetricNameEscapingScheme;
  readonly extra_scrape_metrics: boolean;
  /** '' = failures are not logged to a file. */
  readonly scrape_failure_log_file: string;
}

export interface ScrapeConfigIssue {
  /** Path inside the scrape config, e.g. ['scrape_timeout']. */
  readonly path: PropertyKey[];
  readonly message: string;
}

/**
 * The checks that need `global`: an explicit timeout longer than the inherited interval; the name
 * validation and escaping schemes as they combine with global's (Prometheus' ScrapeConfig.Validate).
 */
export function checkScrapeConfig(sc: ScrapeConfig, global: ScrapeGlobalConfig = {}): ScrapeConfigIssue[] {
  const issues: ScrapeConfigIssue[] = [];
  const interval = sc.scrape_interval ?? global.scrape_interval ?? 60_000;
  if (sc.scrape_timeout !== undefined && sc.scrape_timeout > interval) {
    issues.push({ path: ['scrape_timeout'], message: `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(sc.job_name)}` });
  }
  if (validationScheme(sc, global) === 'legacy' && escapingScheme(sc, global) === 'allow-utf-8') {
    issues.push({ path: ['metric_name_escaping_scheme'], message: 'utf8 metric names requested but validation scheme is not set to UTF8' });
  }
  return issues;
}

function validationScheme(sc: ScrapeConfig, global: ScrapeGlobalConfig): 'legacy' | 'utf8' {
  return (nonEmpty(sc.metric_name_validation_scheme) ?? nonEmpty(global.metric_name_validation_scheme) ?? 'utf8') as 'legacy' | 'utf8';
}

/** Explicit (job, then global), else what the job's validation implies: UTF-8 names asked for only where they are valid. */
function escapingScheme(sc: ScrapeConfig, global: ScrapeGlobalConfig): MetricNameEscapingScheme {
  const explicit = nonEmpty(sc.metric_name_escaping_scheme) ?? nonEmpty(global.metric_name_escaping_scheme);
  return (explicit ?? (validationScheme(sc, global) === 'legacy' ? 'underscores' : 'allow-utf-8')) as MetricNameEscapingScheme;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Fills in what Prometheus inherits: the interval from global; the timeout from global, capped at
 * the interval when inherited; limits from global when the job has none. Throws on what
 * `checkScrapeConfig` reports.
 */
export function resolveScrapeConfig(sc: ScrapeConfig, global: ScrapeGlobalConfig = {}): ResolvedScrapeConfig {
  const issues = checkScrapeConfig(sc, global);
  if (issues.length > 0) throw new Error(issues[0].message);
  const interval = sc.scrape_interval ?? global.scrape_interval ?? 60_000;
  const globalTimeout = global.scrape_timeout ?? 10_000;
  const timeout = sc.scrape_timeout ?? (globalTimeout > interval ? interval : globalTimeout);
  const nativeHistograms = sc.scrape_native_histograms ?? global.scrape_native_histograms ?? false;
  return {
    ...sc,
    scrape_interval: interval,
    scrape_timeout: timeout,
    body_size_limit: sc.body_size_limit ?? (global.body_size_limit === undefined ? 0 : parseBase2Bytes(global.body_size_limit)),
    sample_limit: sc.sample_limit ?? global.sample_limit ?? 0,
    target_limit: sc.target_limit ?? global.target_limit ?? 0,
    label_limit: sc.label_limit ?? global.label_limit ?? 0,
    label_name_length_limit: sc.label_name_length_limit ?? global.label_name_length_limit ?? 0,
    label_value_length_limit: sc.label_value_length_limit ?? global.label_value_length_limit ?? 0,
    scrape_protocols: sc.scrape_protocols ?? global.scrape_protocols ?? (nativeHistograms ? DEFAULT_NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS : DEFAULT_SCRAPE_PROTOCOLS),
    scrape_native_histograms: nativeHistograms,
    always_scrape_classic_histograms: sc.always_scrape_classic_histograms ?? global.always_scrape_classic_histograms ?? false,
    convert_classic_histograms_to_nhcb: sc.convert_classic_histograms_to_nhcb ?? global.convert_classic_histograms_to_nhcb ?? false,
    keep_dropped_targets: sc.keep_dropped_targets ?? global.keep_dropped_targets ?? 0,
    extra_scrape_metrics: sc.extra_scrape_metrics ?? global.extra_scrape_metrics ?? false,
    scrape_failure_log_file: nonEmpty(sc.scrape_failure_log_file) ?? global.scrape_failure_log_file ?? '',
    metric_name_validation_scheme: validationScheme(sc, global),
    metric_name_escaping_scheme: escapingScheme(sc, global),
  };
}

/** `scrape_configs` plus `global`, as the scrape manager's `applyConfig` takes them. */
export interface ScrapeManagerConfig {
  readonly global?: ScrapeGlobalConfig;
  readonly scrape_configs: readonly ScrapeConfig[];
}
