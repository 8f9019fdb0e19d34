import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.js';
import { alertmanagerTargets, httpNotifyFunc } from './rules.js';

/** A notifier over https (a self-signed certificate for 127.0.0.1) that wants basic auth. */
describe('tidemark rules sending to notifiers with auth and TLS', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const received: Array<{ auth: string | undefined; body: unknown }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-rules-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.crt', '-days', '2',
      '-subj', '/CN=notifier', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
    server = createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const auth = req.headers.authorization;
        if (auth !== `Basic ${Buffer.from('rules:s3cret').toString('base64')}`) { res.writeHead(401).end('unauthorized'); return; }
        received.push({ auth, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const config = async (extra: string): Promise<string> => {
    const file = join(dir, `tidemark-${Math.random()}.yml`);
    writeFileSync(file, `alerting:\n  alertmanagers:\n    - scheme: https\n      static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n${extra}`);
    return file;
  };
  const alert = { labels: { alertname: 'DiskFull' }, annotations: {}, startsAt: Date.now(), endsAt: Date.now() + 60_000, generatorURL: '' };

  it('trusts the notifier through tls_config.ca_file and authenticates with basic_auth', async () => {
    const file = await config(`      tls_config: { ca_file: ${join(dir, 'server.crt')} }\n      basic_auth: { username: rules, password: s3cret }\n`);
    await httpNotifyFunc(alertmanagerTargets(await loadConfig(file)))([alert]);
    expect(received.map((r) => (r.body as Array<{ labels: Record<string, string> }>)[0]!.labels.alertname)).toEqual(['DiskFull']);
  });

  it('fails to send with a wrong password or without the CA, naming the notifier', async () => {
    const wrong = await config(`      tls_config: { ca_file: ${join(dir, 'server.crt')} }\n      basic_auth: { username: rules, password: nope }\n`);
    await expect(httpNotifyFunc(alertmanagerTargets(await loadConfig(wrong)))([alert])).rejects.toThrow(/no notifier accepted the alerts: .*unexpected status code 401/);
    const untrusted = await config('      basic_auth: { username: rules, password: s3cret }\n');
    await expect(httpNotifyFunc(alertmanagerTargets(await loadConfig(untrusted)))([alert])).rejects.toThrow(new RegExp(`https://127.0.0.1:${port}/api/v2/alerts: .*certificate`));
  });

  it('refuses two kinds of credentials on one entry, naming where', async () => {
    const both = await config('      basic_auth: { username: rules, password: s3cret }\n      bearer_token: abc\n');
    const err = await loadConfig(both).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/alerting\.alertmanagers\[0\].*at most one of basic_auth, oauth2, bearer_token & bearer_token_file/);
  });
});
