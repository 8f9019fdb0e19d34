import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './flags.js';
import { credentialHeaders } from './http-credentials.js';

describe('credentialHeaders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-credentials-'));
    await writeFile(join(dir, 'password'), 's3cret\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the tenant in X-Scope-OrgID, or in the header --tenant-header gives', () => {
    expect(credentialHeaders('import', { tenant: 'team-a' })).toEqual({ 'x-scope-orgid': 'team-a' });
    expect(credentialHeaders('import', { tenant: 'team-a', 'tenant-header': 'X-Tenant' })).toEqual({ 'x-tenant': 'team-a' });
  });

  it('sends a web-config user with the first line of the password file as basic auth', () => {
    const h = credentialHeaders('import', { 'basic-auth-user': 'alice', 'basic-auth-password-file': join(dir, 'password') });
    expect(Buffer.from(h.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe('alice:s3cret');
  });

  it('sends a bearer token as Authorization: Bearer', () => {
    expect(credentialHeaders('replay', { 'bearer-token': 'tok', tenant: 't' })).toEqual({ authorization: 'Bearer tok', 'x-scope-orgid': 't' });
  });

  it('refuses flags that do not go together, naming them', () => {
    expect(() => credentialHeaders('import', { 'basic-auth-user': 'alice' })).toThrow(/--basic-auth-user and --basic-auth-password-file go together/);
    expect(() => credentialHeaders('import', { 'basic-auth-user': 'alice', 'basic-auth-password-file': join(dir, 'password'), 'bearer-token': 't' })).toThrow(UsageError);
    expect(() => credentialHeaders('import', { 'tenant-header': 'X-Tenant' })).toThrow(/--tenant-header goes with --tenant/);
    expect(() => credentialHeaders('import', { tenant: 'a', 'tenant-header': 'bad header' })).toThrow(/not an HTTP header name/);
    expect(() => credentialHeaders('import', { 'basic-auth-user': 'alice', 'basic-auth-password-file': join(dir, 'missing') })).toThrow(/cannot read/);
  });
});
