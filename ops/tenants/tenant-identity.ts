import type { IncomingMessage } from 'node:http';
import type { TenantsConfig } from './config.js';
import { isValidTenantId, TENANT_ID_RULES } from './tenant-id.js';

/** A request that names no usable tenant: answered with `status` and the message, before any handler runs. */
export class TenantRefusedError extends Error {
  override readonly name = 'TenantRefusedError';
  constructor(
    readonly status: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The tenant a request acts for. A web-config user listed in `tenants.users` acts for its tenant
 * only (the header may repeat it, not name another: 403); otherwise the header names it, as
 * Mimir trusts X-Scope-OrgID behind its authenticating gateway. Neither: 401, Mimir's "no org id".
 * `user` is the name basic auth verified (undefined without `basic_auth_users`: an unverified
 * Authorization header must not choose a tenant).
 */
export function resolveTenant(config: TenantsConfig, req: IncomingMessage, user: string | undefined): string {
  const raw = req.headers[config.header.toLowerCase()];
  const named = Array.isArray(raw) ? raw.join(',') : raw;
  const mapped = user !== undefined && Object.hasOwn(config.users, user) ? config.users[user] : undefined;
  if (mapped !== undefined) {
    if (named !== undefined && named !== mapped) {
      throw new TenantRefusedError(403, `user ${JSON.stringify(user)} acts for tenant ${JSON.stringify(mapped)} only, not ${JSON.stringify(named)} (${config.header})`);
    }
    return mapped;
  }
  if (named === undefined || named === '') throw new TenantRefusedError(401, `no org id: the ${config.header} header names the tenant`);
  if (!isValidTenantId(named)) {
    throw new TenantRefusedError(400, `${config.header} ${JSON.stringify(named.slice(0, 200))} is not a tenant ID (${TENANT_ID_RULES}; one tenant per request)`);
  }
  return named;
}
