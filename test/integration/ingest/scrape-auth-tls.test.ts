import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Appender, SampleSink } from '../../../schemas/sample-sink.js';
import { ScrapeManager, scrapeConfigSchema, type ScrapeConfigInput, type Target } from '../../../connectors/scrape/index.js';
import type { Labels } from '../../../schemas/labels.js';

interface Got { labels: Labels; v: number }

/** Keeps every committed sample. */
class RecordingSink implements SampleSink {
  readonly samples: Got[] = [];
  appender(): Appender {
    const buf: Got[] = [];
    return {
      append: (labels, _t, v) => void buf.push({ labels, v }),
      commit: async () => void this.samples.push(...buf),
      rollback: () => {},
    };
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

const PAGE = 'auth_metric{k="v"} 42\n';

/** Serves PAGE to requests `allowed` accepts, 401 to the others; records Authorization headers. */
function metricsHandler(allowed: (auth: string | undefined) => boolean, seen: (string | undefined)[] = []): Handler {
  return (req, res) => {
    seen.push(req.headers.authorization);
    if (!allowed(req.headers.authorization)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' });
      res.end('unauthorized');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(PAGE);
  };
}

// The default bound is generous: a loaded 2-core machine can stall for seconds.
async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Runs one job, scrapes its only target once through the loop the manager built for it, and
 * returns the target and samples. The timeout is generous (a loaded 2-core machine can stall a
 * TLS handshake for seconds), so the interval, which bounds it, is long: the scrape is triggered
 * rather than waited for.
 */
async function scrapeOnce(job: Partial<ScrapeConfigInput>, baseDir?: string): Promise<{ target: Target; samples: Got[] }> {
  const sink = new RecordingSink();
  const manager = new ScrapeManager({ sink, baseDir });
  manager.applyConfig({
    global: { scrape_interval: 300_000, scrape_timeout: 30_000 },
    scrape_configs: [scrapeConfigSchema.parse({ job_name: 'auth', ...job })],
  });
  manager.start();
  try {
    await until(() => manager.activeTargets().length > 0, 'target discovered');
    const target = manager.activeTargets()[0];
    await manager.pool('auth')!.loopFor(target)!.scrapeAndReport();
    expect(sink.samples.some((s) => s.labels.__name__ === 'up')).toBe(true);
    return { target, samples: [...sink.samples] };
  } finally {
    await manager.stop();
  }
}

const upOf = (samples: Got[]) => samples.find((s) => s.labels.__name__ === 'up')?.v;
const hasMetric = (samples: Got[]) => samples.some((s) => s.labels.__name__ === 'auth_metric' && s.v === 42);

let dir: string;
const servers: Server[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-scrape-auth-'));
});

afterAll(async () => {
  for (const s of servers) s.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('basic_auth', () => {
  let address: string;
  const good = `Basic ${Buffer.from('scraper:s3cret').toString('base64')}`;

  beforeAll(async () => {
    const server = createServer(metricsHandler((a) => a === good));
    servers.push(server);
    address = await listen(server);
  });

  it('scrapes a protected target with the right username and password', async () => {
    const { target, samples } = await scrapeOnce({ static_configs: [{ targets: [address] }], basic_auth: { username: 'scraper', password: 's3cret' } });
    expect(target.health).toBe('up');
    expect(upOf(samples)).toBe(1);
    expect(hasMetric(samples)).toBe(true);
  });

  it('reports up=0 and the 401 with a wrong password', async () => {
    const { target, samples } = await scrapeOnce({ static_configs: [{ targets: [address] }], basic_auth: { username: 'scraper', password: 'nope' } });
    expect(target.health).toBe('down');
    expect(target.lastError).toMatch(/401/);
    expect(upOf(samples)).toBe(0);
    expect(hasMetric(samples)).toBe(false);
  });

  it('reads the password from password_file, ignoring the trailing newline', async () => {
    const file = join(dir, 'password');
    await writeFile(file, 's3cret\n');
    const { target, samples } = await scrapeOnce({ static_configs: [{ targets: [address] }], basic_auth: { username: 'scraper', password_file: file } });
    expect(target.health).toBe('up');
    expect(hasMetric(samples)).toBe(true);
  });

  it('resolves a relative password_file against the config directory, not the working directory', async () => {
    await writeFile(join(dir, 'relative-password'), 's3cret');
    const { target } = await scrapeOnce({ static_configs: [{ targets: [address] }], basic_auth: { username: 'scraper', password_file: 'relative-password' } }, dir);
    expect(target.lastError).toBe('');
    expect(target.health).toBe('up');
  });

  it('reports up=0 when password_file holds the wrong password', async () => {
    const file = join(dir, 'bad-password');
    await writeFile(file, 'wrong\n');
    const { samples } = await scrapeOnce({ static_configs: [{ targets: [address] }], basic_auth: { username: 'scraper', password_file: file } });
    expect(upOf(samples)).toBe(0);
  });
});

describe('bearer tokens', () => {
  let address: string;
  const seen: (string | undefined)[] = [];

  beforeAll(async () => {
    const server = createServer(metricsHandler((a) => a === 'Bearer tok-123', seen));
    servers.push(server);
    address = await listen(server);
  });

  it('sends authorization.credentials as a Bearer token', async () => {
    const { target, samples } = await scrapeOnce({ static_configs: [{ targets: [address] }], authorization: { credentials: 'tok-123' } });
    expect(target.health).toBe('up');
    expect(hasMetric(samples)).toBe(true);
    expect(seen).toContain('Bearer tok-123');
  });

  it('reads authorization.credentials_file', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'tok-123\n');
    const { target } = await scrapeOnce({ static_configs: [{ targets: [address] }], authorization: { credentials_file: file } });
    expect(target.health).toBe('up');
  });

  it('sends bearer_token and bearer_token_file as Bearer tokens', async () => {
    const file = join(dir, 'bearer');
    await writeFile(file, 'tok-123');
    expect((await scrapeOnce({ static_configs: [{ targets: [address] }], bearer_token: 'tok-123' })).target.health).toBe('up');
    expect((await scrapeOnce({ static_configs: [{ targets: [address] }], bearer_token_file: file })).target.health).toBe('up');
  });

  it('reports up=0 with a wrong token', async () => {
    const { target, samples } = await scrapeOnce({ static_configs: [{ targets: [address] }], authorization: { credentials: 'other' } });
    expect(target.health).toBe('down');
    expect(upOf(samples)).toBe(0);
  });
});

describe('tls_config', () => {
  let tlsDir: string;
  let address: string;
  let mtlsAddress: string;
  const f = (name: string) => join(tlsDir, name);

  beforeAll(async () => {
    tlsDir = join(dir, 'tls');
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: tlsDir, stdio: 'pipe' });
    execFileSync('mkdir', ['-p', tlsDir]);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tidemark-test-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const leaf = (name: string, san: string) => {
      ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      execFileSync('sh', ['-c', `printf 'subjectAltName=${san}\\n' > ${name}.ext`], { cwd: tlsDir });
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    };
    leaf('server', 'DNS:localhost,DNS:metrics.tidemark.test,IP:127.0.0.1');
    leaf('client', 'DNS:scraper.tidemark.test');

    const [key, cert, ca] = await Promise.all([readFile(f('server.key')), readFile(f('server.crt')), readFile(f('ca.crt'))]);
    const server = createHttpsServer({ key, cert }, metricsHandler(() => true));
    servers.push(server);
    address = await listen(server);
    const mtls = createHttpsServer({ key, cert, ca, requestCert: true, rejectUnauthorized: true }, metricsHandler(() => true));
    servers.push(mtls);
    mtlsAddress = await listen(mtls);
  });

  it('scrapes an https target whose certificate is signed by ca_file', async () => {
    const { target, samples } = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [address] }], tls_config: { ca_file: f('ca.crt') } });
    expect(target.lastError).toBe('');
    expect(target.health).toBe('up');
    expect(hasMetric(samples)).toBe(true);
  });

  it('resolves a relative ca_file against the config directory', async () => {
    const { target } = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [address] }], tls_config: { ca_file: 'ca.crt' } }, tlsDir);
    expect(target.health).toBe('up');
  });

  it('reports up=0 with a certificate error without ca_file', async () => {
    const { target, samples } = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [address] }] });
    expect(target.health).toBe('down');
    expect(target.lastError).toMatch(/certificate/i);
    expect(upOf(samples)).toBe(0);
  });

  it('scrapes an untrusted certificate with insecure_skip_verify', async () => {
    const { target } = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [address] }], tls_config: { insecure_skip_verify: true } });
    expect(target.health).toBe('up');
  });

  it('verifies the certificate against server_name instead of the address', async () => {
    const ok = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [address] }], tls_config: { ca_file: f('ca.crt'), server_name: 'metrics.tidemark.test' } });
    expect(ok.target.health).toBe('up');
    const bad = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [address] }], tls_config: { ca_file: f('ca.crt'), server_name: 'other.example' } });
    expect(bad.target.health).toBe('down');
    expect(bad.target.lastError).toMatch(/other\.example/);
  });

  it('presents cert_file and key_file to a server requiring a client certificate', async () => {
    const withCert = await scrapeOnce({
      scheme: 'https',
      static_configs: [{ targets: [mtlsAddress] }],
      tls_config: { ca_file: f('ca.crt'), cert_file: f('client.crt'), key_file: f('client.key') },
    });
    expect(withCert.target.health).toBe('up');
    const without = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [mtlsAddress] }], tls_config: { ca_file: f('ca.crt') } });
    expect(without.target.health).toBe('down');
  });

  it('keeps to min_version and max_version: a TLS 1.3-only target is not scraped with max_version TLS12', async () => {
    const [key, cert] = await Promise.all([readFile(f('server.key')), readFile(f('server.crt'))]);
    const only13 = createHttpsServer({ key, cert, minVersion: 'TLSv1.3' }, metricsHandler(() => true));
    servers.push(only13);
    const only13Address = await listen(only13);
    const capped = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [only13Address] }], tls_config: { ca_file: f('ca.crt'), max_version: 'TLS12' } });
    expect(capped.target.health).toBe('down');
    const allowed = await scrapeOnce({ scheme: 'https', static_configs: [{ targets: [only13Address] }], tls_config: { ca_file: f('ca.crt'), min_version: 'TLS12', max_version: 'TLS13' } });
    expect(allowed.target.health).toBe('up');
  });

  it('refuses a max_version below min_version, as Prometheus does', () => {
    const bad = scrapeConfigSchema.safeParse({ job_name: 'j', tls_config: { min_version: 'TLS13', max_version: 'TLS12' } });
    expect(bad.error?.issues.map((i) => i.message)).toEqual(['tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified']);
  });
});

describe('http_sd_configs', () => {
  it('scrapes the targets the SD endpoint lists and picks up a changed answer without a reload', async () => {
    const a = createServer(metricsHandler(() => true));
    const b = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('b_metric 7\n');
    });
    servers.push(a, b);
    const [aAddr, bAddr] = [await listen(a), await listen(b)];
    let answer: unknown = [{ targets: [aAddr], labels: { env: 'test' } }];
    const sdAuth: (string | undefined)[] = [];
    const sd = createServer((req, res) => {
      sdAuth.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
    servers.push(sd);
    const sdUrl = `http://${await listen(sd)}/sd`;

    const sink = new RecordingSink();
    const manager = new ScrapeManager({ sink });
    manager.applyConfig({
      // Short intervals so changes show quickly; a scrape or refresh that times out is retried.
      global: { scrape_interval: 1000, scrape_timeout: 1000 },
      scrape_configs: [
        scrapeConfigSchema.parse({ job_name: 'httpsd', http_sd_configs: [{ url: sdUrl, refresh_interval: '1s', authorization: { credentials: 'sd-token' } }] }),
      ],
    });
    manager.start();
    try {
      await until(() => manager.activeTargets().some((t) => t.health === 'up'), 'first target scraped');
      const first = manager.activeTargets()[0];
      expect(first.labels.instance).toBe(aAddr);
      expect(first.discoveredLabels.__meta_url).toBe(sdUrl);
      expect(sink.samples.find((s) => s.labels.__name__ === 'auth_metric')?.labels).toEqual({ __name__: 'auth_metric', k: 'v', env: 'test', instance: aAddr, job: 'httpsd' });
      expect(sdAuth).toContain('Bearer sd-token');

      answer = [{ targets: [aAddr], labels: { env: 'test' } }, { targets: [bAddr] }];
      await until(() => manager.activeTargets().some((t) => t.labels.instance === bAddr && t.health === 'up'), 'added target scraped');
      expect(sink.samples.find((s) => s.labels.__name__ === 'b_metric')?.labels).toEqual({ __name__: 'b_metric', instance: bAddr, job: 'httpsd' });

      answer = [{ targets: [bAddr] }];
      await until(() => !manager.activeTargets().some((t) => t.labels.instance === aAddr), 'removed target dropped');
    } finally {
      await manager.stop();
    }
  });
});
