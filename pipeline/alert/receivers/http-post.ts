import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as nodeHttpRequest } from 'node:http';
import { Agent as HttpsAgent, request as nodeHttpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';

import type { HttpConfig } from '../notify/config/index.js';
import { ReceiverError } from './errors.js';
import type { SendResult } from './receiver.js';

export interface PostOptions {
  readonly integration: string;
  readonly httpConfig?: HttpConfig;
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Decide from a 2xx body whether the API reported an error (chat APIs answer 200 with an errcode). */
  readonly checkBody?: (body: string) => { readonly message: string; readonly retryable: boolean } | undefined;
  /**
   * Statuses besides 5xx worth a retry, as each Alertmanager notifier's Retrier lists them
   * (default [429]; PagerDuty's v1 API uses 403 for rate limiting, several APIs list none).
   */
  readonly retryCodes?: readonly number[];
}

function readSecret(value: string | undefined, file: string | undefined): string | undefined {
  if (value !== undefined && value !== '') return value;
  if (file !== undefined && file !== '') return readFileSync(file, 'utf8').trim();
  return undefined;
}

/** The Authorization header http_config asks for: basic_auth, authorization, or bearer_token. */
export function authorizationHeader(c: HttpConfig | undefined): string | undefined {
  if (c === undefined) return undefined;
  if (c.basic_auth !== undefined) {
    const user = readSecret(c.basic_auth.username, c.basic_auth.username_file) ?? '';
    const pass = readSecret(c.basic_auth.password, c.basic_auth.password_file) ?? '';
    return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  if (c.authorization !== undefined) {
    const cred = readSecret(c.authorization.credentials, c.authorization.credentials_file) ?? '';
    return `${c.authorization.type ?? 'Bearer'} ${cred}`;
  }
  const bearer = readSecret(c.bearer_token, c.bearer_token_file);
  return bearer !== undefined ? `Bearer ${bearer}` : undefined;
}

/** The headers http_config adds to every request: its http_headers, then the Authorization header. */
export function configuredHeaders(c: HttpConfig | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, h] of Object.entries(c?.http_headers ?? {})) {
    const v = h.values?.[0] ?? h.secrets?.[0] ?? (h.files?.[0] !== undefined ? readFileSync(h.files[0], 'utf8').trim() : undefined);
    if (v !== undefined) headers[name.toLowerCase()] = v;
  }
  const auth = authorizationHeader(c);
  if (auth !== undefined) headers.authorization = auth;
  return headers;
}

/** Node's TLS client options for a tls_config: verification, server name, CA and client certificate. */
export function tlsAgentOptions(tls: HttpConfig['tls_config']): Pick<HttpsAgentOptions, 'rejectUnauthorized' | 'servername' | 'ca' | 'cert' | 'key'> {
  return {
    rejectUnauthorized: tls?.insecure_skip_verify !== true,
    ...(tls?.server_name ? { servername: tls.server_name } : {}),
    ...(tls?.ca_file ? { ca: readFileSync(tls.ca_file) } : tls?.ca ? { ca: tls.ca } : {}),
    ...(tls?.cert_file ? { cert: readFileSync(tls.cert_file) } : tls?.cert ? { cert: tls.cert } : {}),
    ...(tls?.key_file ? { key: readFileSync(tls.key_file) } : tls?.key ? { key: tls.key } : {}),
  };
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
const httpsAgents = new Map<string, HttpsAgent>();

function agentFor(u: URL, c: HttpConfig | undefined): HttpAgent | HttpsAgent {
  if (u.protocol !== 'https:') return httpAgent;
  const tls = c?.tls_config;
  const key = JSON.stringify(tls ?? {});
  let a = httpsAgents.get(key);
  if (a === undefined) {
    a = new HttpsAgent({ keepAlive: true, maxSockets: 256, ...tlsAgentOptions(tls) });
    httpsAgents.set(key, a);
  }
  return a;
}

interface RawResponse { readonly status: number; readonly location?: string; readonly body: string }

function once(method: string, u: URL, body: Buffer | undefined, headers: Record<string, string>, agent: HttpAgent | HttpsAgent, signal: AbortSignal, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const h = body === undefined ? headers : { ...headers, 'content-length': String(body.length) };
    const req = (u.protocol === 'https:' ? nodeHttpsRequest : nodeHttpRequest)(u, { method, headers: h, agent, signal, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // Keep only the start of a large answer: it is for error messages and small API replies.
        if (size < 1024 * 1024) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}

export interface RequestOptions extends PostOptions {
  readonly method: string;
  /** The request body; a JSON value unless `contentType` says otherwise (then a string or Buffer). */
  readonly body?: unknown;
  readonly contentType?: string;
}

/** The outcome of one request, with the answer when there was one (the Jira flow reads it). */
export type RequestResult = SendResult & { readonly status?: number; readonly body?: string };

/**
 * One HTTP request (node:http with keep-alive; TLS options, auth and headers from http_config).
 * 2xx is success; 5xx, `retryCodes`, network errors and timeouts are retryable; other statuses are
 * permanent (Alertmanager's notify.Retrier). Redirects are followed unless follow_redirects is false.
 */
export async function httpRequest(url: string, o: RequestOptions, signal: AbortSignal): Promise<RequestResult> {
  const headers: Record<string, string> = { 'user-agent': 'Tidemark-Alertmanager' };
  let payload: Buffer | undefined;
  if (o.body !== undefined) {
    headers['content-type'] = o.contentType ?? 'application/json';
    payload = o.contentType === undefined ? Buffer.from(JSON.stringify(o.body)) : Buffer.isBuffer(o.body) ? o.body : Buffer.from(String(o.body));
  }
  Object.assign(headers, o.headers, configuredHeaders(o.httpConfig));
  const timeoutMs = o.timeoutMs !== undefined && o.timeoutMs > 0 ? o.timeoutMs : 30_000;
  let res: RawResponse;
  try {
    let u = new URL(url);
    let method = o.method;
    for (let hops = 0; ; hops++) {
      res = await once(method, u, payload, headers, agentFor(u, o.httpConfig), signal, timeoutMs);
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && res.location !== undefined && o.httpConfig?.follow_redirects !== false && hops < 10;
      if (!redirect) break;
      u = new URL(res.location!, u);
      if (res.status === 303) method = 'GET';
    }
  } catch (err) {
    const e = err as Error;
    return { ok: false, retryable: true, error: new ReceiverError(`${o.integration}: ${redactUrl(e.message, url)}`, { code: 'request_failed', retryable: true, integration: o.integration, cause: err }) };
  }
  const text = res.body;
  if (res.status >= 200 && res.status < 300) {
    const problem = o.checkBody?.(text);
    if (problem === undefined) return { ok: true, status: res.status, body: text };
    const { retryable } = problem;
    return { ok: false, retryable, status: res.status, body: text, error: new ReceiverError(`${o.integration}: ${problem.message}`, { code: 'api_error', retryable, integration: o.integration, status: res.status }) };
  }
  const retryable = res.status >= 500 || (o.retryCodes ?? [429]).includes(res.status);
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return {
    ok: false,
    retryable,
    status: res.status,
    body: text,
    error: new ReceiverError(`${o.integration}: unexpected status code ${res.status}${snippet !== '' ? `: ${snippet}` : ''}`, { code: 'bad_status', retryable, integration: o.integration, status: res.status }),
  };
}

// URLs of several APIs carry secrets (Telegram's bot token, Pushover's token): never in errors.
function redactUrl(message: string, url: string): string {
  return message.split(url).join('<redacted>');
}

/** httpRequest when only the outcome matters (the answer's status and body are dropped). */
export async function deliver(url: string, o: RequestOptions, signal: AbortSignal): Promise<SendResult> {
  const r = await httpRequest(url, o, signal);
  return r.ok ? { ok: true } : { ok: false, retryable: r.retryable, error: r.error };
}

/** POST a JSON body once; see httpRequest. */
export async function postJson(url: string, body: unknown, o: PostOptions, signal: AbortSignal): Promise<SendResult> {
  const r = await httpRequest(url, { ...o, method: 'POST', body }, signal);
  return r.ok ? { ok: true } : { ok: false, retryable: r.retryable, error: r.error };
}

/** A target given as `url` (a template) or `url_file`. */
export function targetUrl(url: string | undefined, urlFile: string | undefined, render: (s: string) => string): string {
  if (url !== undefined && url !== '') return render(url);
  return readFileSync(urlFile!, 'utf8').trim();
}

/** A value given inline or as a `_file`. */
export function secretValue(value: string | undefined, file: string | undefined): string | undefined {
  return readSecret(value, file);
}
