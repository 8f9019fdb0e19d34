import { readFileSync } from 'node:fs';
import { UsageError } from './flags.js';

/**
 * How a one-shot command (`tidemark import --url`, `tidemark replay --url`) says who it is to the
 * Tidemark it talks to: the tenant it acts for (tenants.header, `X-Scope-OrgID` as Mimir's
 * clients send it) and the listener's credentials: a `basic_auth_users` user of
 * --web.config.file (a user tenants.users maps to a tenant needs no --tenant) or a bearer token.
 */
export const CREDENTIAL_OPTIONS = {
  tenant: { type: 'string' },
  'tenant-header': { type: 'string' },
  'basic-auth-user': { type: 'string' },
  'basic-auth-password-file': { type: 'string' },
  'bearer-token': { type: 'string' },
} as const;

export const CREDENTIAL_FLAG_HELP = `  --tenant ID           the tenant to act for, sent as X-Scope-OrgID (with tenants.enabled)
  --tenant-header NAME  the header that names the tenant (tenants.header; default X-Scope-OrgID)
  --basic-auth-user USER
                        a basic_auth_users user of the server's --web.config.file; the password
                        is read from --basic-auth-password-file (its first line)
  --basic-auth-password-file FILE
  --bearer-token TOKEN  sent as Authorization: Bearer, for endpoints that ask for one`;

export interface CredentialFlags {
  readonly tenant?: string;
  readonly 'tenant-header'?: string;
  readonly 'basic-auth-user'?: string;
  readonly 'basic-auth-password-file'?: string;
  readonly 'bearer-token'?: string;
}

/** The request headers the flags ask for; throws UsageError on flags that do not go together. */
export function credentialHeaders(command: string, v: CredentialFlags): Record<string, string> {
  const headers: Record<string, string> = {};
  const user = v['basic-auth-user'];
  const passwordFile = v['basic-auth-password-file'];
  if ((user === undefined) !== (passwordFile === undefined)) {
    throw new UsageError(`${command}: --basic-auth-user and --basic-auth-password-file go together`);
  }
  if (user !== undefined && v['bearer-token'] !== undefined) {
    throw new UsageError(`${command}: give --basic-auth-user or --bearer-token, not both (one Authorization header)`);
  }
  if (user !== undefined && passwordFile !== undefined) {
    if (user.includes(':')) throw new UsageError(`${command}: --basic-auth-user: a user name cannot contain ':'`);
    let password: string;
    try {
      password = readFileSync(passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (err) {
      throw new UsageError(`${command}: --basic-auth-password-file: cannot read ${passwordFile}: ${(err as Error).message}`);
    }
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  if (v['bearer-token'] !== undefined) headers.authorization = `Bearer ${v['bearer-token']}`;
  const headerName = v['tenant-header'] ?? 'X-Scope-OrgID';
  if (!/^[A-Za-z0-9-]+$/.test(headerName)) throw new UsageError(`${command}: --tenant-header: not an HTTP header name: ${JSON.stringify(headerName)}`);
  if (v['tenant-header'] !== undefined && v.tenant === undefined) throw new UsageError(`${command}: --tenant-header goes with --tenant`);
  if (v.tenant !== undefined) {
    if (v.tenant === '') throw new UsageError(`${command}: --tenant: empty tenant ID`);
    headers[headerName.toLowerCase()] = v.tenant;
  }
  return headers;
}
