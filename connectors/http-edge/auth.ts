import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { EdgeAuthConfig } from './config.js';
import { UnauthorizedError } from './errors.js';

/** Credentials that may also arrive in the query string (InfluxDB 1.x `u` and `p`). */
export interface QueryCredentials {
  readonly username?: string | null;
  readonly password?: string | null;
}

/**
 * Checks a request against the configured credentials (basic auth, bearer token, or both: either
 * one passing is enough). With nothing configured every request passes. Comparisons run on
 * digests in constant time so a wrong secret does not leak its length or prefix.
 */
export class EdgeAuth {
  private readonly basic: { user: Buffer; pass: Buffer } | undefined;
  private readonly token: Buffer | undefined;

  constructor(config: EdgeAuthConfig = {}) {
    this.basic =
      config.basic_auth === undefined
        ? undefined
        : { user: digest(config.basic_auth.username), pass: digest(config.basic_auth.password) };
    this.token = config.bearer_token === undefined ? undefined : digest(config.bearer_token);
  }

  get enabled(): boolean {
    return this.basic !== undefined || this.token !== undefined;
  }

  /** Throws UnauthorizedError naming what was missing or wrong. */
  check(req: IncomingMessage, query?: QueryCredentials): void {
    if (!this.enabled) return;
    const scheme = this.basic !== undefined ? 'Basic' : 'Bearer';
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      if (query?.username != null && query.password != null && this.basic !== undefined) {
        if (this.basicMatches(query.username, query.password)) return;
        throw new UnauthorizedError('wrong username or password', scheme);
      }
      throw new UnauthorizedError('authentication required', scheme);
    }
    const space = header.indexOf(' ');
    const kind = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const credentials = space < 0 ? '' : header.slice(space + 1).trim();
    if (kind === 'basic' && this.basic !== undefined) {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0 && this.basicMatches(decoded.slice(0, colon), decoded.slice(colon + 1))) return;
      throw new UnauthorizedError('wrong username or password', scheme);
    }
    if ((kind === 'bearer' || kind === 'token') && this.token !== undefined) {
      if (timingSafeEqual(digest(credentials), this.token)) return;
      throw new UnauthorizedError('wrong bearer token', scheme);
    }
    throw new UnauthorizedError(`authorization scheme "${kind}" not accepted here`, scheme);
  }

  private basicMatches(user: string, pass: string): boolean {
    if (this.basic === undefined) return false;
    // Both compared every time: no early exit that times the username.
    const u = timingSafeEqual(digest(user), this.basic.user);
    const p = timingSafeEqual(digest(pass), this.basic.pass);
    return u && p;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
