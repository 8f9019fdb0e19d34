import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../config/index.js';
import { loadWebConfig, parseWebConfig } from './web-config.js';
import { temporaryDirectory } from '../../test/harness/temporary-directory.js';

const HASH = '$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze';

function problems(text: string): string[] {
  try {
    parseWebConfig(text, 'web.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('the web configuration file', () => {
  it('accepts exporter-toolkit example files and resolves certificate paths against its folder', () => {
    const c = parseWebConfig(
      `tls_server_config:\n  cert_file: server.crt\n  key_file: /etc/tls/server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n` +
        `  min_version: TLS13\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n` +
        `http_server_config:\n  http2: true\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n` +
        `basic_auth_users:\n  alice: ${HASH}\n`,
      '/srv/conf/web.yml',
    );
    expect(c.tls).toMatchObject({
      certFile: '/srv/conf/server.crt',
      keyFile: '/etc/tls/server.key',
      clientCaFile: '/srv/conf/ca.crt',
      clientAuth: 'RequireAndVerifyClientCert',
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    });
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
    expect([...c.users]).toEqual([['alice', HASH]]);
  });

  it('is empty (plain HTTP, no users) when the file is empty', () => {
    const c = parseWebConfig('', 'web.yml');
    expect(c.tls).toBeUndefined();
    expect(c.users.size).toBe(0);
  });

  it('defaults to TLS 1.2 and above without client certificates', () => {
    expect(parseWebConfig('tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n', '/x/web.yml').tls).toMatchObject({
      clientAuth: 'NoClientCert',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers: undefined,
    });
  });

  it('names the YAML path and line of a plain-text password', () => {
    expect(problems('basic_auth_users:\n  alice: secret\n')).toEqual([
      expect.stringMatching(/^basic_auth_users\.alice \(line 2, column 10\): expected a bcrypt hash/),
    ]);
  });

  it('names an unknown field where it is', () => {
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n')).toEqual(['tls_server_config.certfile (line 4, column 3): unknown field']);
  });

  it('refuses TLS without a key, naming the missing field', () => {
    expect(problems('tls_server_config:\n  cert_file: a.crt\n')).toEqual([expect.stringMatching(/^tls_server_config\.key_file .*missing key_file/)]);
  });

  it('refuses client certificate verification without a CA to verify against', () => {
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n')).toEqual([
      expect.stringMatching(/^tls_server_config\.client_ca_file .*needs client_ca_file/),
    ]);
  });

  it('refuses a client CA that no client auth type uses (it would check nothing)', () => {
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca.crt\n')).toEqual([
      expect.stringMatching(/^tls_server_config\.client_auth_type .*does not verify/),
    ]);
  });

  it('refuses an unknown client auth type, TLS version or cipher suite', () => {
    const out = problems(
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Required\n  min_version: TLS14\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n',
    );
    expect(out.map((p) => p.split(' ')[0]).sort()).toEqual([
      'tls_server_config.cipher_suites[0]',
      'tls_server_config.client_auth_type',
      'tls_server_config.min_version',
    ]);
  });

  it('refuses a max_version below min_version', () => {
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n')).toEqual([
      expect.stringMatching(/^tls_server_config\.max_version .*below min_version/),
    ]);
  });

  it('refuses headers exporter-toolkit does not let the file set, and bad values of those it does', () => {
    const out = problems('http_server_config:\n  headers:\n    Server: x\n    X-Content-Type-Options: sniff\n');
    expect(out).toEqual([
      expect.stringMatching(/^http_server_config\.headers\.Server .*cannot be set here/),
      expect.stringMatching(/^http_server_config\.headers\.X-Content-Type-Options .*expected one of nosniff/),
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problems('basic_auth_users:\n  alice: [\n')).toEqual([expect.stringMatching(/^\(document\) \(line \d+, column \d+\): YAML syntax/)]);
  });

  it('says which file cannot be read', async () => {
    const dir = temporaryDirectory('tidemark-webcfg-');
    await expect(loadWebConfig(join(dir, 'absent.yml'))).rejects.toThrow(/absent\.yml: \(document\) \(unknown position\): cannot read file: ENOENT/);
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  bob: ${HASH}\n`);
    expect((await loadWebConfig(join(dir, 'web.yml'))).users.get('bob')).toBe(HASH);
  });
});

describe("the README's web.yml example", () => {
  it('is a valid web configuration whose admin hash is of the password the README gives', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /```yaml\n# web\.yml\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has a ```yaml block starting with "# web.yml"').not.toBeNull();
    const c = parseWebConfig(block![1], '/etc/tidemark/web.yml');
    expect(c.tls?.certFile).toBe('/etc/tidemark/server.crt');
    expect(/the password is (\S+)/.exec(block![1])?.[1]).toBe('change-me');
    expect(await bcrypt.compare('change-me', c.users.get('admin')!)).toBe(true);
  });
});
