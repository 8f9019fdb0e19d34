import { z } from 'zod';

import { bool, opt, str, stringList } from './primitives.js';

/** prometheus/common TLSConfig. */
export const tlsConfigSchema = z
  .strictObject({
    ca: opt(str), ca_file: opt(str), ca_ref: opt(str),
    cert: opt(str), cert_file: opt(str), cert_ref: opt(str),
    key: opt(str), key_file: opt(str), key_ref: opt(str),
    server_name: opt(str),
    insecure_skip_verify: opt(bool),
    min_version: opt(str), max_version: opt(str),
  })
  .superRefine((c, ctx) => {
    const count = (...xs: (string | undefined)[]) => xs.filter((x) => x !== undefined && x !== '').length;
    if (count(c.ca, c.ca_file, c.ca_ref) > 1) ctx.addIssue({ code: 'custom', message: 'at most one of ca, ca_file & ca_ref must be configured' });
    if (count(c.cert, c.cert_file, c.cert_ref) > 1) ctx.addIssue({ code: 'custom', message: 'at most one of cert, cert_file & cert_ref must be configured' });
    if (count(c.key, c.key_file, c.key_ref) > 1) ctx.addIssue({ code: 'custom', message: 'at most one of key and key_file must be configured' });
    const hasCert = count(c.cert, c.cert_file, c.cert_ref) > 0;
    const hasKey = count(c.key, c.key_file, c.key_ref) > 0;
    if (hasCert && !hasKey) ctx.addIssue({ code: 'custom', message: 'exactly one of key or key_file must be configured when a client certificate is configured' });
    if (hasKey && !hasCert) ctx.addIssue({ code: 'custom', message: 'exactly one of cert or cert_file must be configured when a client key is configured' });
  });

const proxyFields = {
  proxy_url: opt(str),
  no_proxy: opt(str),
  proxy_from_environment: opt(bool),
  proxy_connect_header: opt(z.record(z.string(), stringList)),
};

const basicAuthSchema = z.strictObject({
  username: opt(str), username_file: opt(str), username_ref: opt(str),
  password: opt(str), password_file: opt(str), password_ref: opt(str),
});

const authorizationSchema = z.strictObject({
  type: opt(str), credentials: opt(str), credentials_file: opt(str), credentials_ref: opt(str),
});

const oauth2Schema = z.strictObject({
  client_id: opt(str),
  client_secret: opt(str), client_secret_file: opt(str), client_secret_ref: opt(str),
  client_certificate_key_id: opt(str), client_certificate_key: opt(str), client_certificate_key_file: opt(str), client_certificate_key_ref: opt(str),
  grant_type: opt(str), signature_algorithm: opt(str), iss: opt(str), audience: opt(str),
  claims: opt(z.record(z.string(), z.unknown())),
  scopes: opt(stringList),
  token_url: opt(str),
  endpoint_params: opt(z.record(z.string(), z.string())),
  tls_config: opt(tlsConfigSchema),
  ...proxyFields,
});

const headerSchema = z.strictObject({ values: opt(stringList), secrets: opt(stringList), files: opt(stringList) });

/** prometheus/common HTTPClientConfig, with its Validate() checks and messages. */
export const httpConfigSchema = z
  .strictObject({
    basic_auth: opt(basicAuthSchema),
    authorization: opt(authorizationSchema),
    oauth2: opt(oauth2Schema),
    bearer_token: opt(str),
    bearer_token_file: opt(str),
    tls_config: opt(tlsConfigSchema),
    follow_redirects: opt(bool),
    enable_http2: opt(bool),
    http_headers: opt(z.record(z.string(), headerSchema)),
    ...proxyFields,
  })
  .superRefine((c, ctx) => {
    const set = (s: string | undefined) => s !== undefined && s !== '';
    const add = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (set(c.bearer_token) && set(c.bearer_token_file)) add('at most one of bearer_token & bearer_token_file must be configured');
    if (c.basic_auth !== undefined && (set(c.bearer_token) || set(c.bearer_token_file))) add('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
    if (c.basic_auth !== undefined) {
      const b = c.basic_auth;
      if ([b.username, b.username_file, b.username_ref].filter(set).length > 1) add('at most one of basic_auth username, username_file & username_ref must be configured');
      if ([b.password, b.password_file, b.password_ref].filter(set).length > 1) add('at most one of basic_auth password, password_file & password_ref must be configured');
    }
    if (c.authorization !== undefined) {
      const a = c.authorization;
      if (set(c.bearer_token) || set(c.bearer_token_file)) add('authorization is not compatible with bearer_token & bearer_token_file');
      if ([a.credentials, a.credentials_file, a.credentials_ref].filter(set).length > 1) add('at most one of authorization credentials & credentials_file must be configured');
      if ((a.type ?? '').toLowerCase() === 'basic') add('authorization type cannot be set to "basic", use "basic_auth" instead');
    }
    const authKinds = [c.basic_auth !== undefined, c.oauth2 !== undefined, c.authorization !== undefined].filter(Boolean).length;
    if (authKinds > 1) add('at most one of basic_auth, oauth2 & authorization must be configured');
    if (c.oauth2 !== undefined) {
      if (!set(c.oauth2.client_id)) add('oauth2 client_id must be configured');
      if (!set(c.oauth2.token_url)) add('oauth2 token_url must be configured');
      if (set(c.bearer_token) || set(c.bearer_token_file)) add('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
    }
    if (c.proxy_from_environment === true && set(c.proxy_url)) add('if proxy_from_environment is configured, proxy_url must not be configured');
    if (set(c.no_proxy) && !set(c.proxy_url)) add('if no_proxy is configured, proxy_url must also be configured');
  });

export type HttpConfig = z.infer<typeof httpConfigSchema>;

/** prometheus/common DefaultHTTPClientConfig. */
export function defaultHttpConfig(): HttpConfig {
  return { follow_redirects: true, enable_http2: true };
}

/** A configured http_config filled with the library defaults for what it leaves out. */
export function withHttpDefaults(c: HttpConfig): HttpConfig {
  return { ...c, follow_redirects: c.follow_redirects ?? true, enable_http2: c.enable_http2 ?? true };
}
