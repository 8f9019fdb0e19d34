import { parseDocument, stringify } from 'yaml';
import type { ConfigOverrides } from './load-config.js';

/**
 * Keys whose values Prometheus and Alertmanager hide (`<secret>`) when they show their
 * configuration: prometheus/common's Secret fields (basic_auth password, authorization
 * credentials, bearer_token, oauth2 client_secret, tls_config key, sigv4 secret_key, consul and
 * other service-discovery tokens) and Alertmanager's (SMTP password and secret, receivers' API
 * keys, secret URLs of Slack, Teams, Discord and webhooks' url_file peers).
 */
const SECRET_KEYS = new Set([
  'password', 'credentials', 'bearer_token', 'client_secret', 'secret_key', 'key', 'token', 'auth_token',
  'access_key', 'api_key', 'api_secret', 'routing_key', 'service_key', 'bot_token', 'smtp_auth_password',
  'smtp_auth_secret', 'auth_password', 'auth_secret', 'secret', 'api_url', 'webhook_url', 'user_key',
]);

const SECRET = '<secret>';

/**
 * The configuration as `/api/v1/status/config` shows it: the file as loaded (comments and
 * formatting are not kept, as in Prometheus) with the command-line flags that complete it, and
 * every secret replaced by `<secret>`. A password inside a URL (`redis://:pw@host`) is hidden too.
 */
export function shownConfigYaml(text: string, overrides: ConfigOverrides = {}): string {
  const raw = text.trim() === '' ? {} : (parseDocument(text).toJS() as unknown);
  const merged = mergeShown(raw, overrides);
  return stringify(redact(merged), { lineWidth: 0 });
}

function redact(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => redact(x));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) Object.defineProperty(out, k, { value: redact(x, k), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (typeof v === 'string') {
    if (key !== undefined && SECRET_KEYS.has(key) && v !== '') return SECRET;
    return hideUrlPassword(v);
  }
  return v;
}

/** `scheme://user:password@host` -> `scheme://user:<secret>@host`. */
function hideUrlPassword(v: string): string {
  return v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]+@/i, `$1:${SECRET}@`);
}

function mergeShown(base: unknown, overrides: ConfigOverrides): unknown {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(base)) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    out[k] = isObj(v) ? mergeShown(isObj(out[k]) ? out[k] : {}, v as ConfigOverrides) : v;
  }
  return out;
}
