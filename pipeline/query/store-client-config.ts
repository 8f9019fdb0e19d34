import type { HttpConfig } from '../alert/notify/config/index.js';
import { configuredHeaders, tlsAgentOptions } from '../alert/receivers/index.js';
import type { RemoteStoreOptions } from '../store-protocol/index.js';
import type { QueryConfig } from './config.js';

/**
 * How the query role reads remote stores: `query.shard_timeout_ms`, and `query.store_client`'s
 * credentials, headers and TLS (Prometheus' HTTP client settings, as `alerting.alertmanagers`
 * entries take them), read once here: files it names are read when the role starts.
 */
export function remoteStoreOptions(config: QueryConfig): RemoteStoreOptions {
  const c: HttpConfig | undefined = config.store_client;
  if (c === undefined) return { timeoutMs: config.shard_timeout_ms };
  return { timeoutMs: config.shard_timeout_ms, client: { headers: configuredHeaders(c), tls: tlsAgentOptions(c.tls_config) } };
}
