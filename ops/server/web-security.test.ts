import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { HttpRouter } from './http-router.js';
import { HttpServer } from './http-server.js';
import { WebSecurity } from './web-security.js';

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

let dir: string;
let server: HttpServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-websec-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A plain-HTTP listener behind the web configuration file `file`, with one route. */
async function serve(file: string): Promise<string> {
  const router = new HttpRouter().add('GET', '/hello', (_req, res) => {
    res.writeHead(200).end('hello\n');
  });
  server = new HttpServer(router, pino({ level: 'silent' }), () => undefined, await WebSecurity.load(file, pino({ level: 'silent' })));
  const a = await server.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${a.port}`;
}

describe('a listener behind a web configuration file', () => {
  it('adds the configured headers to every answer, the 401 and the 404 included', async () => {
    const file = join(dir, 'web.yml');
    await writeFile(file, `http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\nbasic_auth_users:\n  u: ${bcrypt.hashSync('p', 4)}\n`);
    const url = await serve(file);
    for (const [path, headers, status] of [['/hello', basic('u', 'p'), 200], ['/hello', {}, 401], ['/nowhere', basic('u', 'p'), 404]] as const) {
      const res = await fetch(`${url}${path}`, { headers });
      expect({ path, status: res.status, header: res.headers.get('x-content-type-options') }).toEqual({ path, status, header: 'nosniff' });
    }
  });

  it('applies changed users to the next request without a restart, and keeps them when the new file is invalid', async () => {
    const file = join(dir, 'web.yml');
    await writeFile(file, `basic_auth_users:\n  alice: ${bcrypt.hashSync('one', 4)}\n`);
    const url = await serve(file);
    expect((await fetch(`${url}/hello`, { headers: basic('alice', 'one') })).status).toBe(200);

    await writeFile(file, `basic_auth_users:\n  alice: ${bcrypt.hashSync('two', 4)}\n  bob: ${bcrypt.hashSync('three', 4)}\n`);
    expect((await fetch(`${url}/hello`, { headers: basic('alice', 'one') })).status).toBe(401);
    expect((await fetch(`${url}/hello`, { headers: basic('alice', 'two') })).status).toBe(200);
    expect((await fetch(`${url}/hello`, { headers: basic('bob', 'three') })).status).toBe(200);

    await writeFile(file, 'basic_auth_users:\n  alice: plain-text\n');
    expect((await fetch(`${url}/hello`, { headers: basic('alice', 'two') })).status).toBe(200);
    expect((await fetch(`${url}/hello`, { headers: basic('alice', 'plain-text') })).status).toBe(401);
  });

  it('refuses at load a certificate that cannot be read, naming the field', async () => {
    const file = join(dir, 'web.yml');
    await writeFile(file, 'tls_server_config:\n  cert_file: absent.crt\n  key_file: absent.key\n');
    const err = await WebSecurity.load(file, pino({ level: 'silent' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({ path: 'tls_server_config.cert_file', message: expect.stringContaining('absent.crt') });
  });
});
