import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../config/index.js';
import { formatYamlPath, yamlPosition } from '../config/yaml-position.js';

/**
 * The `--web.config.file` format of Prometheus' exporter-toolkit (the file Prometheus,
 * Alertmanager and the exporters read): TLS for the listener, response headers and basic-auth
 * users with bcrypt hashes. A user's existing file works as it is.
 */

/** Go's crypto/tls client auth policies, as the file names them. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** Go's TLS version names and Node's. */
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
export type NodeTlsVersion = (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];

/** Go's names of the TLS 1.0–1.2 cipher suites Go offers, and OpenSSL's (TLS 1.3 suites are not configurable in Go either). */
const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};

/** Headers exporter-toolkit lets the file set, with the values it allows (undefined: any). */
const HEADER_VALUES: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

const BCRYPT_HASH = /^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/;

const tlsVersion = z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]).transform((v) => TLS_VERSIONS[v]);

const tlsServerConfigSchema = z
  .strictObject({
    cert_file: z.string().min(1).optional().describe('PEM certificate (chain) the server presents; re-read when the file changes.'),
    key_file: z.string().min(1).optional().describe('PEM private key of cert_file; re-read when the file changes.'),
    cert: z.string().min(1).optional().describe('The certificate inline, instead of cert_file.'),
    key: z.string().min(1).optional().describe('The key inline, instead of key_file.'),
    client_auth_type: z.enum(CLIENT_AUTH_TYPES).default('NoClientCert').describe('Go crypto/tls policy for client certificates.'),
    client_ca_file: z.string().min(1).optional().describe('PEM CA(s) client certificates are verified against.'),
    client_allowed_sans: z.array(z.string().min(1)).optional().describe('When set, a client certificate must carry one of these SANs.'),
    min_version: tlsVersion.default('TLSv1.2').describe('TLS10, TLS11, TLS12 (default) or TLS13.'),
    max_version: tlsVersion.default('TLSv1.3').describe('TLS10, TLS11, TLS12 or TLS13 (default).'),
    cipher_suites: z
      .array(z.string().refine((s) => s in CIPHER_SUITES, { message: 'unknown cipher suite (Go names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)' }))
      .optional()
      .describe('TLS 1.2 and older cipher suites, Go names; TLS 1.3 suites are fixed.'),
    prefer_server_cipher_suites: z.boolean().optional().describe('Whether the server chooses the cipher suite (Go default true).'),
    curve_preferences: z.array(z.string()).optional().describe('Accepted for compatibility; Node negotiates its default curves.'),
  })
  .superRefine((t, ctx) => {
    if (t.cert_file === undefined && t.cert === undefined) ctx.addIssue({ code: 'custom', path: ['cert_file'], message: 'missing cert_file (or cert)' });
    if (t.key_file === undefined && t.key === undefined) ctx.addIssue({ code: 'custom', path: ['key_file'], message: 'missing key_file (or key)' });
    if (t.cert_file !== undefined && t.cert !== undefined) ctx.addIssue({ code: 'custom', path: ['cert'], message: 'cert and cert_file are mutually exclusive' });
    if (t.key_file !== undefined && t.key !== undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'key and key_file are mutually exclusive' });
    const verifies = t.client_auth_type === 'RequireAndVerifyClientCert' || t.client_auth_type === 'VerifyClientCertIfGiven';
    if (verifies && t.client_ca_file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['client_ca_file'], message: `client_auth_type ${t.client_auth_type} needs client_ca_file to verify client certificates against` });
    }
    if (!verifies && t.client_ca_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['client_auth_type'], message: 'client_ca_file is set but client_auth_type does not verify client certificates (use RequireAndVerifyClientCert)' });
    }
    if (t.client_allowed_sans !== undefined && !verifies) {
      ctx.addIssue({ code: 'custom', path: ['client_allowed_sans'], message: 'client_allowed_sans needs a client_auth_type that verifies client certificates' });
    }
    const order = Object.values(TLS_VERSIONS) as string[];
    if (order.indexOf(t.max_version) < order.indexOf(t.min_version)) {
      ctx.addIssue({ code: 'custom', path: ['max_version'], message: 'max_version is below min_version' });
    }
  });

const headersSchema = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  for (const [name, value] of Object.entries(headers)) {
    const known = Object.keys(HEADER_VALUES).find((h) => h.toLowerCase() === name.toLowerCase());
    if (known === undefined) {
      ctx.addIssue({ code: 'custom', path: [name], message: `header ${name} cannot be set here (allowed: ${Object.keys(HEADER_VALUES).join(', ')})` });
      continue;
    }
    const allowed = HEADER_VALUES[known];
    if (allowed !== undefined && !allowed.includes(value.toLowerCase())) {
      ctx.addIssue({ code: 'custom', path: [name], message: `invalid value for ${known}: expected one of ${allowed.join(', ')}` });
    }
  }
});

export const webConfigSchema = z.strictObject({
  tls_server_config: tlsServerConfigSchema.optional().describe('Serve HTTPS instead of HTTP.'),
  http_server_config: z
    .strictObject({
      http2: z.boolean().optional().describe('Accepted for compatibility; the listener speaks HTTP/1.1.'),
      headers: headersSchema.optional().describe('Response headers added to every answer.'),
    })
    .optional(),
  basic_auth_users: z
    .record(z.string().min(1), z.string().regex(BCRYPT_HASH, 'expected a bcrypt hash ($2y$10$... as htpasswd -nB makes), not a plain password'))
    .optional()
    .describe('user: bcrypt hash. When set, every endpoint asks for HTTP basic auth.'),
  rate_limit: z
    .strictObject({ interval: z.string().optional(), burst: z.number().int().min(0).optional() })
    .optional()
    .describe('Accepted for compatibility; not enforced.'),
});

export type WebConfigInput = z.input<typeof webConfigSchema>;
type ParsedWebConfig = z.output<typeof webConfigSchema>;

/** The validated file, with paths resolved against its folder (as exporter-toolkit resolves them). */
export interface WebConfig {
  readonly file: string;
  readonly tls?: TlsServerConfig;
  readonly headers: Readonly<Record<string, string>>;
  /** user → bcrypt hash; empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
}

export interface TlsServerConfig {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly clientAuth: ClientAuthType;
  readonly clientCaFile?: string;
  readonly clientAllowedSans?: readonly string[];
  readonly minVersion: NodeTlsVersion;
  readonly maxVersion: NodeTlsVersion;
  /** OpenSSL cipher list for TLS ≤ 1.2, when the file restricts it. */
  readonly ciphers?: string;
  readonly honorCipherOrder: boolean;
}

/** Parses and validates the web configuration text; `file` names it in errors and anchors relative paths. Throws ConfigError. */
export function parseWebConfig(text: string, file: string): WebConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col, message: `YAML syntax: ${e.message.split('\n')[0]}` })),
    );
  }
  const result = webConfigSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const problems: ConfigProblem[] = [];
    for (const issue of result.error.issues) {
      const path = issue.path as PropertyKey[];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ path: formatYamlPath([...path, key]), ...yamlPosition(doc, lines, path, key), message: 'unknown field' });
        continue;
      }
      problems.push({ path: formatYamlPath(path), ...yamlPosition(doc, lines, path), message: issue.message });
    }
    throw new ConfigError(file, problems);
  }
  return fromParsed(result.data, file);
}

export async function loadWebConfig(file: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return parseWebConfig(text, file);
}

function fromParsed(c: ParsedWebConfig, file: string): WebConfig {
  const dir = dirname(resolve(file));
  const at = (p: string | undefined): string | undefined => (p === undefined || isAbsolute(p) ? p : resolve(dir, p));
  const t = c.tls_server_config;
  const tls: TlsServerConfig | undefined =
    t === undefined
      ? undefined
      : {
          certFile: at(t.cert_file),
          keyFile: at(t.key_file),
          cert: t.cert,
          key: t.key,
          clientAuth: t.client_auth_type,
          clientCaFile: at(t.client_ca_file),
          clientAllowedSans: t.client_allowed_sans,
          minVersion: t.min_version,
          maxVersion: t.max_version,
          ciphers: t.cipher_suites?.map((s) => CIPHER_SUITES[s]).join(':'),
          honorCipherOrder: t.prefer_server_cipher_suites ?? true,
        };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.http_server_config?.headers ?? {})) headers[name] = value;
  return { file, tls, headers, users: new Map(Object.entries(c.basic_auth_users ?? {})) };
}
