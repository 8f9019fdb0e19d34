import { describe, expect, it } from 'vitest';
import { scrapeConfigSchema } from './config.js';
import { resolveClientFiles } from './http-client-config.js';

describe('resolveClientFiles', () => {
  it('makes relative secret and certificate paths absolute against the base directory', () => {
    const c = scrapeConfigSchema.parse({
      job_name: 'j',
      basic_auth: { username_file: 'u', password_file: 'secrets/p' },
      tls_config: { ca_file: 'ca.crt', cert_file: '/abs/c.crt', key_file: 'c.key' },
    });
    const r = resolveClientFiles(c, '/etc/tidemark');
    expect(r.basic_auth).toMatchObject({ username_file: '/etc/tidemark/u', password_file: '/etc/tidemark/secrets/p' });
    expect(r.tls_config).toMatchObject({ ca_file: '/etc/tidemark/ca.crt', cert_file: '/abs/c.crt', key_file: '/etc/tidemark/c.key' });
    expect(r.authorization).toBeUndefined();
  });

  it('resolves authorization.credentials_file and bearer_token_file', () => {
    const a = resolveClientFiles(scrapeConfigSchema.parse({ job_name: 'j', authorization: { credentials_file: 'tok' } }), '/cfg');
    expect(a.authorization).toEqual({ type: 'Bearer', credentials_file: '/cfg/tok' });
    const b = resolveClientFiles(scrapeConfigSchema.parse({ job_name: 'j', bearer_token_file: 'tok' }), '/cfg');
    expect(b.bearer_token_file).toBe('/cfg/tok');
  });

  it('resolves the files of http_headers', () => {
    const c = resolveClientFiles(scrapeConfigSchema.parse({ job_name: 'j', http_headers: { 'X-Scope': { files: ['scope', '/abs/s'] } } }), '/cfg');
    expect(c.http_headers).toEqual({ 'X-Scope': { values: [], secrets: [], files: ['/cfg/scope', '/abs/s'] } });
  });
});
