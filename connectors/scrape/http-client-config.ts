import { resolve } from 'node:path';
import { z } from 'zod';

/** `tls_config` as Prometheus' common config has it (files only; inline PEM as `ca`/`cert`/`key`). */
export const tlsConfigSchema = z
  .object({
    ca_file: z.string().optional(),
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    server_name: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
    min_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
    max_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.min_version !== undefined && t.max_version !== undefined && t.max_version < t.min_version) {
      ctx.addIssue({ code: 'custom', message: 'tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified' });
    }
    if (t.ca !== undefined && t.ca_file !== undefined) ctx.addIssue({ code: 'custom', message: 'at most one of ca and ca_file must be configured' });
    if (t.cert !== undefined && t.cert_file !== undefined) ctx.addIssue({ code: 'custom', message: 'at most one of cert and cert_file must be configured' });
    if (t.key !== undefined && t.key_file !== undefined) ctx.addIssue({ code: 'custom', message: 'at most one of key and key_file must be configured' });
    const hasCert = t.cert !== undefined || t.cert_file !== undefined;
    const hasKey = t.key !== undefined || t.key_file !== undefined;
    if (hasCert !== hasKey) ctx.addIssue({ code: 'custom', message: 'exactly one of key or key_file must be configured when a client certificate is configured' });
  });

export type TlsConfig = z.output<typeof tlsConfigSchema>;

const basicAuthSchema = z
  .object({
    username: z.string().default(''),
    username_file: z.string().optional(),
    password: z.string().optional(),
    password_file: z.string().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.password !== undefined && b.password_file !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'at most one of basic_auth password & password_file must be configured' });
    }
    if (b.username !== '' && b.username_file !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'at most one of basic_auth username & username_file must be configured' });
    }
  });

const authorizationSchema = z
  .object({
    type: z.string().default('Bearer'),
    credentials: z.string().optional(),
    credentials_file: z.string().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.type.toLowerCase() === 'basic') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'authorization type cannot be set to "basic", use "basic_auth" instead' });
    }
    if (a.credentials !== undefined && a.credentials_file !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'at most one of authorization credentials & credentials_file must be configured' });
    }
  });

/** One `http_headers` entry: values given inline, as secrets, or read from files at each request. */
const httpHeaderSchema = z
  .object({
    values: z.array(z.string()).default([]),
    secrets: z.array(z.string()).default([]),
    files: z.array(z.string()).default([]),
  })
  .strict();

export type HttpHeader = z.output<typeof httpHeaderSchema>;

/** Headers a request sets itself, which `http_headers` may not set (Prometheus' reservedHeaders). */
const RESERVED_HEADERS = new Set([
  'authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive',
  'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding', 'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version', 'x-prometheus-scrape-timeout-seconds', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256',
]);

/** Go's http.CanonicalHeaderKey: `x-custom-id` → `X-Custom-Id`. */
function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** The HTTP client part of a scrape config or an http_sd config (Prometheus' HTTPClientConfig). */
export const httpClientFields = {
  basic_auth: basicAuthSchema.optional(),
  authorization: authorizationSchema.optional(),
  bearer_token: z.string().optional(),
  bearer_token_file: z.string().optional(),
  tls_config: tlsConfigSchema.prefault({}),
  follow_redirects: z.boolean().default(true),
  enable_http2: z.boolean().default(true),
  http_headers: z.record(z.string(), httpHeaderSchema).optional()
    .describe('Extra request headers by name, each with values, secrets and files (read at every request); headers the request sets itself (Authorization, User-Agent, ...) are refused.'),
};

export interface HttpClientConfig {
  readonly basic_auth?: z.output<typeof basicAuthSchema>;
  readonly authorization?: z.output<typeof authorizationSchema>;
  readonly bearer_token?: string;
  readonly bearer_token_file?: string;
  readonly tls_config: TlsConfig;
  readonly follow_redirects: boolean;
  readonly enable_http2: boolean;
  /** Extra request headers by name (`http_headers`). */
  readonly http_headers?: Readonly<Record<string, HttpHeader>>;
}

/** Cross-field rules of Prometheus' HTTPClientConfig.Validate. */
export function checkHttpClientConfig(c: HttpClientConfig, ctx: z.RefinementCtx): void {
  if (c.bearer_token !== undefined && c.bearer_token_file !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['bearer_token'], message: 'at most one of bearer_token & bearer_token_file must be configured' });
  }
  const bearer = c.bearer_token !== undefined || c.bearer_token_file !== undefined;
  if (c.basic_auth !== undefined && bearer) {
    ctx.addIssue({ code: 'custom', path: ['basic_auth'], message: 'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured' });
  }
  if (c.authorization !== undefined && bearer) {
    ctx.addIssue({ code: 'custom', path: ['authorization'], message: 'authorization is not compatible with bearer_token & bearer_token_file' });
  }
  if (c.authorization !== undefined && c.basic_auth !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['authorization'], message: 'at most one of basic_auth, oauth2 & authorization must be configured' });
  }
  for (const name of Object.keys(c.http_headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      ctx.addIssue({ code: 'custom', path: ['http_headers', name], message: `setting header ${JSON.stringify(canonicalHeaderKey(name))} is not allowed` });
    }
  }
}

/**
 * The config with every secret/certificate file path made absolute against `baseDir` (the config
 * file's directory), as Prometheus' HTTPClientConfig.SetDirectory does.
 */
export function resolveClientFiles<T extends HttpClientConfig>(c: T, baseDir: string): T {
  const abs = (p: string | undefined) => (p === undefined || p === '' ? p : resolve(baseDir, p));
  const t = c.tls_config;
  return {
    ...c,
    basic_auth: c.basic_auth && { ...c.basic_auth, username_file: abs(c.basic_auth.username_file), password_file: abs(c.basic_auth.password_file) },
    authorization: c.authorization && { ...c.authorization, credentials_file: abs(c.authorization.credentials_file) },
    bearer_token_file: abs(c.bearer_token_file),
    tls_config: { ...t, ca_file: abs(t.ca_file), cert_file: abs(t.cert_file), key_file: abs(t.key_file) },
    http_headers: c.http_headers && Object.fromEntries(Object.entries(c.http_headers).map(([n, h]) => [n, { ...h, files: h.files.map((f) => abs(f)!) }])),
  };
}
