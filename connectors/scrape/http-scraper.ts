import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { gunzip } from 'node:zlib';
import type { HttpClientConfig } from './http-client-config.js';
import { DEFAULT_SCRAPE_PROTOCOLS, SCRAPE_PROTOCOL_MEDIA_TYPES, type MetricNameEscapingScheme, type ScrapeProtocol } from './config.js';
import { ScrapeError } from './errors.js';

/**
 * The Accept header of a scrape asking for `protocols` in that order, as Prometheus 3 builds it:
 * weights from q=0.6 down, `*\/*` last. The 1.0.0 text formats say how names must be escaped
 * (`metric_name_escaping_scheme`; `allow-utf-8` asks for UTF-8 names as they are, quoted).
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[], escaping: MetricNameEscapingScheme = 'allow-utf-8'): string {
  let weight = Object.keys(SCRAPE_PROTOCOL_MEDIA_TYPES).length + 1;
  const parts: string[] = [];
  for (const p of protocols) {
    let v: string = SCRAPE_PROTOCOL_MEDIA_TYPES[p.replaceAll('.', '_') as keyof typeof SCRAPE_PROTOCOL_MEDIA_TYPES];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += `;escaping=${escaping}`;
    parts.push(`${v};q=0.${weight--}`);
  }
  parts.push(`*/*;q=0.${weight}`);
  return parts.join(',');
}

/** The Accept header of a scrape with the default protocols (the text formats, OpenMetrics first). */
export const SCRAPE_ACCEPT_HEADER = acceptHeader(DEFAULT_SCRAPE_PROTOCOLS);
export const SCRAPE_USER_AGENT = 'Tidemark/0.1.0 (Prometheus-compatible scraper)';

export interface ScrapeResponse {
  readonly body: Buffer;
  readonly contentType: string;
}

/** What one GET needs; built once per target config. */
export interface HttpScrapeOptions {
  readonly timeoutMs: number;
  /** Bytes of the decompressed body; 0 = no limit. */
  readonly bodySizeLimit: number;
  readonly client: HttpClientConfig;
  readonly accept?: string;
  /** Ask for a gzipped body (`enable_compression`, default true); false asks for `identity`. */
  readonly compression?: boolean;
}

/** Node's name of a Prometheus TLS version (`TLS12` → `TLSv1.2`). */
function tlsVersion(v: string | undefined): 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined {
  if (v === undefined) return undefined;
  return v === 'TLS10' ? 'TLSv1' : (`TLSv1.${v.slice(4)}` as 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3');
}

/** Agents (keep-alive, TLS settings) for one HTTP client config. */
export function createAgent(client: HttpClientConfig, https_: boolean): http.Agent {
  if (!https_) return new http.Agent({ keepAlive: true, maxSockets: 4 });
  const t = client.tls_config;
  const pem = (inline: string | undefined, file: string | undefined) => inline ?? (file === undefined ? undefined : readFileSync(file, 'utf8'));
  return new https.Agent({
    keepAlive: true,
    maxSockets: 4,
    ca: pem(t.ca, t.ca_file),
    cert: pem(t.cert, t.cert_file),
    key: pem(t.key, t.key_file),
    servername: t.server_name,
    rejectUnauthorized: !t.insecure_skip_verify,
    minVersion: tlsVersion(t.min_version),
    maxVersion: tlsVersion(t.max_version),
  });
}

async function secret(inline: string | undefined, file: string | undefined): Promise<string> {
  if (inline !== undefined) return inline;
  if (file === undefined) return '';
  return (await readFile(file, 'utf8')).trim();
}

/** The Authorization header of a client config (files are read at every scrape, so rotations apply). */
export async function authorizationHeader(c: HttpClientConfig): Promise<string | undefined> {
  if (c.basic_auth !== undefined) {
    const user = c.basic_auth.username_file !== undefined ? await secret(undefined, c.basic_auth.username_file) : c.basic_auth.username;
    const pass = await secret(c.basic_auth.password, c.basic_auth.password_file);
    return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  if (c.authorization !== undefined) {
    return `${c.authorization.type} ${await secret(c.authorization.credentials, c.authorization.credentials_file)}`;
  }
  if (c.bearer_token !== undefined || c.bearer_token_file !== undefined) {
    return `Bearer ${await secret(c.bearer_token, c.bearer_token_file)}`;
  }
  return undefined;
}

/**
 * Adds the `http_headers` of a client config to `headers`: values, secrets, then each file's
 * trimmed content (files are read at every request, so rotations apply). A header the request
 * sets already gets these values after its own, as Go's Header.Add.
 */
export async function addConfiguredHeaders(headers: Record<string, string | string[]>, c: HttpClientConfig): Promise<void> {
  for (const [name, h] of Object.entries(c.http_headers ?? {})) {
    const values = [...h.values, ...h.secrets];
    for (const f of h.files) {
      try {
        values.push((await readFile(f, 'utf8')).trim());
      } catch (err) {
        throw new Error(`unable to read headers file ${f}: ${(err as Error).message}`, { cause: err });
      }
    }
    if (values.length === 0) continue;
    const key = name.toLowerCase();
    const own = headers[key];
    headers[key] = own === undefined ? (values.length === 1 ? values[0] : values) : [...(Array.isArray(own) ? own : [own]), ...values];
  }
}

const STATUS_TEXT = http.STATUS_CODES;

/**
 * One scrape GET, as Prometheus' targetScraper: Accept and Accept-Encoding (gzip, or identity
 * without compression),
 * X-Prometheus-Scrape-Timeout-Seconds, a deadline over the whole exchange, 200 required,
 * the body size limit applied to the decompressed body. Rejects with ScrapeError.
 */
export async function httpGet(url: string, agent: http.Agent, opts: HttpScrapeOptions, redirects = 0): Promise<ScrapeResponse> {
  const u = new URL(url);
  const auth = await authorizationHeader(opts.client);
  const headers: Record<string, string | string[]> = {
    accept: opts.accept ?? SCRAPE_ACCEPT_HEADER,
    'accept-encoding': opts.compression === false ? 'identity' : 'gzip',
    'user-agent': SCRAPE_USER_AGENT,
    'x-prometheus-scrape-timeout-seconds': String(opts.timeoutMs / 1000),
  };
  if (auth !== undefined) headers.authorization = auth;
  try {
    await addConfiguredHeaders(headers, opts.client);
  } catch (err) {
    throw new ScrapeError('http', `Get ${JSON.stringify(url)}: ${(err as Error).message}`, url, { cause: err });
  }
  const get = u.protocol === 'https:' ? https.get : http.get;
  const limit = opts.bodySizeLimit;
  return new Promise<ScrapeResponse>((resolve, reject) => {
    let done = false;
    const finish = (err: ScrapeError | undefined, res?: ScrapeResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err !== undefined) reject(err);
      else resolve(res!);
    };
    const req = get(u, { agent, headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined && opts.client.follow_redirects && redirects < 10) {
        res.resume();
        const next = new URL(res.headers.location, u).toString();
        httpGet(next, agent, opts, redirects + 1).then((r) => finish(undefined, r), (e: ScrapeError) => finish(e));
        return;
      }
      if (status !== 200) {
        res.resume();
        finish(new ScrapeError('status', `server returned HTTP status ${status} ${res.statusMessage ?? STATUS_TEXT[status] ?? ''}`.trimEnd(), url));
        return;
      }
      const gzipped = (res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (!gzipped && limit > 0 && size > limit) {
          req.destroy();
          finish(new ScrapeError('body_size_limit', 'body size limit exceeded', url));
          return;
        }
        chunks.push(c);
      });
      res.on('error', (err) => finish(new ScrapeError('http', `Get ${JSON.stringify(url)}: ${err.message}`, url, { cause: err })));
      res.on('end', () => {
        const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
        const contentType = res.headers['content-type'] ?? '';
        if (!gzipped) return finish(undefined, { body: raw, contentType });
        gunzip(raw, limit > 0 ? { maxOutputLength: limit } : {}, (err, body) => {
          if (err === null) return finish(undefined, { body, contentType });
          const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
          finish(
            tooLarge
              ? new ScrapeError('body_size_limit', 'body size limit exceeded', url)
              : new ScrapeError('http', `Get ${JSON.stringify(url)}: gzip: ${err.message}`, url, { cause: err }),
          );
        });
      });
    });
    req.on('error', (err) => finish(new ScrapeError('http', `Get ${JSON.stringify(url)}: ${err.message}`, url, { cause: err })));
    const timer = setTimeout(() => {
      finish(new ScrapeError('timeout', `Get ${JSON.stringify(url)}: context deadline exceeded`, url));
      req.destroy();
    }, opts.timeoutMs);
  });
}
