import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** What checks one password against one bcrypt hash (bcryptjs; a seam so tests can count calls). */
export type BcryptCompare = (password: string, hash: string) => Promise<boolean>;

/**
 * A hash of a user nobody has: an unknown user costs one bcrypt comparison too, so response
 * time does not tell which user names exist (as exporter-toolkit does).
 */
const DUMMY_HASH = '$2b$10$Zqa/y5IVqyv2XHh3FwxZ4O/Nb9rvqXCYjhlKDop/LNbLtDX9/eIa6';

/**
 * HTTP basic authentication against `basic_auth_users` (user → bcrypt hash). bcrypt is slow on
 * purpose (tens of milliseconds at cost 10), so a verified (user, hash, password) triple is
 * remembered, keyed by a SHA-256 of the three, and each later request with the same credentials
 * costs one hash. Only successes are cached: a wrong guess always pays full bcrypt cost, and
 * cannot push valid entries out. Changing a user's hash changes the key, so no stale success
 * survives a new configuration.
 */
export class BasicAuthVerifier {
  private readonly verified = new Map<string, true>();

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly compare: BcryptCompare = (p, h) => bcrypt.compare(p, h),
    private readonly cacheSize = 100,
  ) {}

  /** Whether any user is configured (no users: no authentication). */
  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Whether the request's `Authorization` header names a configured user with the right password. */
  async check(authorization: string | undefined): Promise<boolean> {
    const creds = parseBasic(authorization);
    if (creds === undefined) return false;
    const hash = this.users.get(creds.user);
    const key = createHash('sha256').update(creds.user).update('\0').update(hash ?? '').update('\0').update(creds.password).digest('hex');
    if (hash !== undefined && this.verified.has(key)) return true;
    const ok = await this.compare(creds.password, hash ?? DUMMY_HASH);
    if (!ok || hash === undefined) return false;
    if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(key, true);
    return true;
  }
}

/** `Basic base64(user:password)` → its parts; undefined for anything else. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
