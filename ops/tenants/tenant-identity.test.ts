import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { tenantsConfigSchema } from './config.js';
import { resolveTenant, TenantRefusedError } from './tenant-identity.js';

const config = tenantsConfigSchema.parse({ enabled: true, users: { alice: 'team-a' } });
const request = (headers: Record<string, string> = {}): IncomingMessage => ({ headers }) as IncomingMessage;

function refusal(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof TenantRefusedError) return err.status;
    throw err;
  }
  throw new Error('not refused');
}

describe('the tenant of a request', () => {
  it('is the one a web-config user is mapped to, with or without the same header', () => {
    expect(resolveTenant(config, request(), 'alice')).toBe('team-a');
    expect(resolveTenant(config, request({ 'x-scope-orgid': 'team-a' }), 'alice')).toBe('team-a');
  });

  it('may not be another one than a mapped user\'s (403)', () => {
    expect(refusal(() => resolveTenant(config, request({ 'x-scope-orgid': 'team-b' }), 'alice'))).toBe(403);
  });

  it('is named by X-Scope-OrgID for a user not mapped, or without authentication', () => {
    expect(resolveTenant(config, request({ 'x-scope-orgid': 'team-b' }), 'gateway')).toBe('team-b');
    expect(resolveTenant(config, request({ 'x-scope-orgid': 'team-b' }), undefined)).toBe('team-b');
  });

  it('must be named (401, no org id) and valid (400: Mimir\'s characters, one tenant)', () => {
    expect(refusal(() => resolveTenant(config, request(), undefined))).toBe(401);
    expect(refusal(() => resolveTenant(config, request({ 'x-scope-orgid': 'a|b' }), undefined))).toBe(400);
    expect(refusal(() => resolveTenant(config, request({ 'x-scope-orgid': '..' }), undefined))).toBe(400);
    expect(refusal(() => resolveTenant(config, request({ 'x-scope-orgid': 'x'.repeat(151) }), undefined))).toBe(400);
  });

  it('is read from the configured header name', () => {
    const other = tenantsConfigSchema.parse({ enabled: true, header: 'X-Tenant' });
    expect(resolveTenant(other, request({ 'x-tenant': 'acme' }), undefined)).toBe('acme');
  });
});
