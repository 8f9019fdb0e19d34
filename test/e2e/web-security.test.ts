import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCertificates } from '../harness/index.js';
import { startPrometheus } from '../integration/ingest/prometheus-process.js';
import { runCli, startCli, waitFor, type RunningCli } from './cli-process.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'change-me';

let dir: string;
let hash: string;

interface CurlResult {
  /** curl's exit code: 0, or why the transfer failed (35, 56: TLS refused; 60: untrusted server). */
  readonly exit: number;
  readonly status: number;
  readonly body: string;
  readonly headers: string;
}

/** The real curl, as a user types it. */
async function curl(...args: string[]): Promise<CurlResult> {
  try {
    const { stdout } = await run('curl', ['-sS', '-D', '-', '--max-time', '20', ...args], { cwd: dir });
    const split = stdout.lastIndexOf('\r\n\r\n');
    const headers = stdout.slice(0, split);
    const status = Number(/^HTTP\/[\d.]+ (\d+)/m.exec(headers.split(/\r\n\r\n/).pop() ?? '')?.[1] ?? 0);
    return { exit: 0, status, body: stdout.slice(split + 4), headers };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { exit: typeof e.code === 'number' ? e.code : -1, status: 0, body: e.stderr ?? '', headers: '' };
  }
}

const https = (up: RunningCli): string => up.url.replace(/^http:/, 'https:');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-web-security-'));
  const certs = new TestCertificates(dir);
  await certs.ca('ca');
  await certs.ca('other-ca');
  await certs.signed('server', 'ca', 'DNS:localhost,IP:127.0.0.1');
  await certs.signed('client', 'ca', 'DNS:client.example');
  await certs.signed('rogue-client', 'other-ca', 'DNS:client.example');
  await certs.signed('rotated-server', 'other-ca', 'DNS:localhost,IP:127.0.0.1');
  // The README's command for a basic_auth_users hash, as printed there.
  const { stdout } = await run('npx', ['bcrypt', 'change-me', '10'], { cwd: REPO });
  hash = stdout.trim();
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tidemark behind --web.config.file', () => {
  it('makes README\'s hash command print a bcrypt hash of the password', () => {
    expect(hash).toMatch(/^\$2[aby]\$10\$[./A-Za-z0-9]{53}$/);
  });

  it('serves HTTPS with the configured headers and asks every endpoint for the password; the admin API stays off', async () => {
    const web = join(dir, 'web-basic.yml');
    await writeFile(
      web,
      `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  admin: ${hash}\n`,
    );
    const up = await startCli(['up', '--web.config.file', web, '--data', join(dir, 'data-basic')]);
    try {
      const base = https(up);
      const ok = await curl('--cacert', 'ca.crt', '-u', `admin:${PASSWORD}`, `${base}/api/v1/query?query=1%2B1`);
      expect(ok.status, ok.body).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ status: 'success', data: { resultType: 'scalar', result: [expect.any(Number), '2'] } });
      expect(ok.headers).toMatch(/^x-frame-options: deny$/im);

      for (const path of ['/api/v1/query?query=1', '/metrics', '/-/healthy', '/-/ready', '/api/v1/write']) {
        const anonymous = await curl('--cacert', 'ca.crt', `${base}${path}`);
        expect({ path, status: anonymous.status }).toEqual({ path, status: 401 });
        expect(anonymous.headers).toMatch(/^www-authenticate: Basic$/im);
      }
      expect((await curl('--cacert', 'ca.crt', '-u', 'admin:wrong', `${base}/-/healthy`)).status).toBe(401);
      expect((await curl('--cacert', 'ca.crt', '-u', `nobody:${PASSWORD}`, `${base}/-/healthy`)).status).toBe(401);
      // Many requests with the right password: the verified credentials are cached, every one answers.
      for (let i = 0; i < 20; i++) expect((await curl('--cacert', 'ca.crt', '-u', `admin:${PASSWORD}`, `${base}/-/healthy`)).status).toBe(200);

      // Not a server the client's default trust store knows; plain HTTP gets no answer.
      expect((await curl(`${base}/-/healthy`)).exit).toBe(60);
      expect((await curl('-u', `admin:${PASSWORD}`, `${up.url}/-/healthy`)).exit).not.toBe(0);

      const admin = await curl('--cacert', 'ca.crt', '-u', `admin:${PASSWORD}`, '-X', 'POST', `${base}/api/v1/admin/tsdb/snapshot`);
      expect({ status: admin.status, body: JSON.parse(admin.body) }).toEqual({
        status: 500,
        body: { status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' },
      });
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  }, 90_000);

  it('with RequireAndVerifyClientCert, answers only clients with a certificate from client_ca_file', async () => {
    const web = join(dir, 'web-mtls.yml');
    await writeFile(
      web,
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n',
    );
    const up = await startCli(['up', '--web.config.file', web, '--data', join(dir, 'data-mtls')]);
    try {
      const base = https(up);
      const withCert = await curl('--cacert', 'ca.crt', '--cert', 'client.crt', '--key', 'client.key', `${base}/-/healthy`);
      expect({ exit: withCert.exit, status: withCert.status }).toEqual({ exit: 0, status: 200 });
      const noCert = await curl('--cacert', 'ca.crt', `${base}/-/healthy`);
      expect(noCert.exit, noCert.body).not.toBe(0);
      expect(noCert.status).toBe(0);
      const rogue = await curl('--cacert', 'ca.crt', '--cert', 'rogue-client.crt', '--key', 'rogue-client.key', `${base}/-/healthy`);
      expect(rogue.exit, rogue.body).not.toBe(0);
      expect(rogue.status).toBe(0);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  }, 90_000);

  it('presents a rotated certificate to new connections without a restart', async () => {
    await copyFile(join(dir, 'server.crt'), join(dir, 'live.crt'));
    await copyFile(join(dir, 'server.key'), join(dir, 'live.key'));
    const web = join(dir, 'web-rotate.yml');
    await writeFile(web, 'tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n');
    const up = await startCli(['up', '--web.config.file', web, '--data', join(dir, 'data-rotate')]);
    try {
      const base = https(up);
      expect((await curl('--cacert', 'ca.crt', `${base}/-/healthy`)).status).toBe(200);
      expect((await curl('--cacert', 'other-ca.crt', `${base}/-/healthy`)).exit).toBe(60);
      // Key first, then certificate, as a careless rotation does: in between, the old pair stays in use.
      await copyFile(join(dir, 'rotated-server.key'), join(dir, 'live.key'));
      expect((await curl('--cacert', 'ca.crt', `${base}/-/healthy`)).status).toBe(200);
      await copyFile(join(dir, 'rotated-server.crt'), join(dir, 'live.crt'));
      const rotated = await waitFor(async () => {
        const r = await curl('--cacert', 'other-ca.crt', `${base}/-/healthy`);
        return r.status === 200 ? r : undefined;
      });
      expect(rotated.body).toBe('Tidemark is Healthy.\n');
      expect((await curl('--cacert', 'ca.crt', `${base}/-/healthy`)).exit).toBe(60);
      expect(up.output()).toMatch(/web configuration not reloaded; keeping the previous one/);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  }, 90_000);

  it('takes remote_write from a real Prometheus over HTTPS with basic_auth, and the samples are queryable', async () => {
    const web = join(dir, 'web.yml');
    await writeFile(web, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  admin: ${hash}\n`);
    await writeFile(join(dir, 'tidemark.yml'), 'store:\n  flush_interval_ms: 100\n');
    const up = await startCli(['up', '--web.config.file', web, '--web.enable-admin-api', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data-rw')]);
    const base = https(up);
    const prometheus = await startPrometheus(
      (self) => `
global:
  scrape_interval: 1s
  external_labels:
    cluster: secure
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['${self}']
remote_write:
  - url: ${base}/api/v1/write
    basic_auth:
      username: admin
      password: ${PASSWORD}
    tls_config:
      ca_file: ${join(dir, 'ca.crt')}
    queue_config:
      batch_send_deadline: 1s
`,
    );
    try {
      const query = `${base}/api/v1/query?query=${encodeURIComponent('up{job="prometheus",cluster="secure"}')}`;
      const answer = await waitFor(async () => {
        const r = await curl('--cacert', 'ca.crt', '-u', `admin:${PASSWORD}`, query);
        const body = r.status === 200 ? (JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } }) : undefined;
        return body !== undefined && body.data.result.length === 1 ? body : undefined;
      }, 60_000);
      expect(answer.data.result[0].value[1]).toBe('1');

      // With --web.enable-admin-api the admin endpoints act (still behind the password).
      const snapshot = await curl('--cacert', 'ca.crt', '-u', `admin:${PASSWORD}`, '-X', 'POST', `${base}/api/v1/admin/tsdb/snapshot`);
      expect(snapshot.status, snapshot.body).toBe(200);
      expect(JSON.parse(snapshot.body)).toMatchObject({ status: 'success', data: { name: expect.any(String) } });
      expect((await curl('--cacert', 'ca.crt', '-X', 'POST', `${base}/api/v1/admin/tsdb/snapshot`)).status).toBe(401);
    } finally {
      await prometheus.stop();
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  }, 120_000);

  it('refuses to start any long-running role on an invalid web configuration, naming the field and line', async () => {
    const web = join(dir, 'web-bad.yml');
    await writeFile(web, 'basic_auth_users:\n  alice: secret\n');
    for (const role of ['up', 'ingest', 'store', 'query', 'rules', 'notify']) {
      const r = await runCli([role, '--web.config.file', web, '--listen', '127.0.0.1:0', '--data', join(dir, `data-bad-${role}`)]);
      expect({ role, code: r.code }).toEqual({ role, code: 2 });
      expect(r.stderr).toContain(`tidemark ${role}: invalid configuration ${web}:`);
      expect(r.stderr).toMatch(/basic_auth_users\.alice \(line 2, column 10\): expected a bcrypt hash/);
    }
  }, 90_000);
});
