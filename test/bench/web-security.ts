import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { pino } from 'pino';
import { HttpRouter } from '../../ops/server/http-router.js';
import { HttpServer } from '../../ops/server/http-server.js';
import { WebSecurity } from '../../ops/server/web-security.js';
import { pbLabels, snappyWriteRequest } from '../../connectors/remote-write/testdata/prompb.js';
import type { Benchmark, BenchResult } from './bench-result.js';

const run = promisify(execFile);
const SERIES = 2_000;
const REQUESTS = 1_000;
const CONCURRENCY = 4;
const PASSWORD = 'bench-password';

/**
 * The client, in its own process so its CPU is not charged to the server: POSTs the body
 * `count` times over `concurrency` connections (keep-alive, or a new connection per request).
 */
const CLIENT = `
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
const [url, bodyFile, caFile, auth, count, concurrency, keepAlive] = process.argv.slice(1);
const body = readFileSync(bodyFile);
const u = new URL(url);
const mod = u.protocol === 'https:' ? https : http;
const agent = new mod.Agent({ keepAlive: keepAlive === 'true', maxSockets: Number(concurrency), ca: caFile === '-' ? undefined : readFileSync(caFile) });
const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'content-length': body.length };
if (auth !== '-') headers.authorization = 'Basic ' + Buffer.from(auth).toString('base64');
let next = 0;
const one = () => new Promise((resolve, reject) => {
  const req = mod.request(u, { method: 'POST', agent, headers }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error('status ' + res.statusCode))));
  });
  req.on('error', reject);
  req.end(body);
});
const worker = async () => { while (next++ < Number(count)) await one(); };
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
agent.destroy();
`;

/** One remote_write request as Prometheus' queue sends it: 2,000 node_exporter-like series, snappy-compressed protobuf. */
function remoteWriteBody(): Buffer {
  const timeseries = Array.from({ length: SERIES }, (_, n) => ({
    labels: pbLabels({ __name__: 'node_cpu_seconds_total', job: 'node', instance: `host-${Math.floor(n / 64)}:9100`, cpu: String(Math.floor(n / 8) % 8), mode: `m${n % 8}`, cluster: 'eu-1' }),
    samples: [{ value: n * 0.25, timestamp: Date.now() }],
  }));
  return snappyWriteRequest({ timeseries });
}

interface Case {
  readonly name: string;
  readonly web?: string;
  readonly auth: boolean;
  readonly keepAlive: boolean;
}

/** A listener under test: the handler only drains the body and answers 204. */
async function startListener(dir: string, c: Case, bodyFile: string): Promise<{ pass: (count: number) => Promise<number>; close: () => Promise<void> }> {
  const log = pino({ level: 'silent' });
  const router = new HttpRouter().add('POST', '/api/v1/write', async (req, res) => {
    for await (const _chunk of req as AsyncIterable<Buffer>) {
      // drained: the receiver's own work is measured by the remote-write area
    }
    res.writeHead(204).end();
  });
  let security: WebSecurity | undefined;
  if (c.web !== undefined) {
    const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yml`);
    await writeFile(file, c.web);
    security = await WebSecurity.load(file, log);
  }
  const server = new HttpServer(router, log, () => undefined, security);
  const addr = await server.listen({ host: '127.0.0.1', port: 0 });
  const url = `${security?.tls === true ? 'https' : 'http'}://127.0.0.1:${addr.port}/api/v1/write`;
  const client = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const args = ['--input-type=module', '-e', CLIENT, url, bodyFile, security?.tls === true ? join(dir, 'ca.crt') : '-', c.auth ? `admin:${PASSWORD}` : '-', String(count), String(CONCURRENCY), String(c.keepAlive)];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench client exited ${code}: ${err}`))));
    });
  return {
    /** Server CPU microseconds per request over one pass of `count` requests. */
    async pass(count) {
      (globalThis as { gc?: () => void }).gc?.();
      const start = process.cpuUsage();
      await client(count);
      const d = process.cpuUsage(start);
      return (d.user + d.system) / count;
    },
    close: () => server.close(),
  };
}

async function makeCertificates(dir: string): Promise<void> {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=bench-ca');
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
}

export const webSecurityBenchmark: Benchmark = {
  area: 'web-security',
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-web-'));
    try {
      await makeCertificates(dir);
      const body = remoteWriteBody();
      const bodyFile = join(dir, 'body.bin');
      await writeFile(bodyFile, body);
      const hash = bcrypt.hashSync(PASSWORD, 10);
      const tls = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';
      const users = `basic_auth_users:\n  admin: "${hash}"\n`;
      const cases: Case[] = [
        { name: 'plain HTTP', auth: false, keepAlive: true },
        { name: 'HTTPS (TLS 1.3, RSA 2048)', web: tls, auth: false, keepAlive: true },
        { name: 'HTTPS + basic auth (bcrypt cost 10, cached)', web: tls + users, auth: true, keepAlive: true },
        { name: 'HTTPS + basic auth, a new connection per request', web: tls + users, auth: true, keepAlive: false },
      ];
      const shape = `${REQUESTS} remote_write requests of ${SERIES} series (${(body.length / 1024).toFixed(0)} KiB snappy), ${CONCURRENCY} connections`;
      const listeners = [];
      for (const c of cases) listeners.push(await startListener(dir, c, bodyFile));
      const best = cases.map(() => Number.POSITIVE_INFINITY);
      try {
        for (const l of listeners) await l.pass(100); // warm-up: JIT, TLS setup, the credentials cache
        // Rounds over every case, the best pass of each: other processes on the machine make single passes noisy, and no case runs only while the machine is busy.
        for (let round = 0; round < 3; round++) {
          for (const [i, l] of listeners.entries()) best[i] = Math.min(best[i], await l.pass(REQUESTS));
        }
      } finally {
        for (const l of listeners) await l.close();
      }
      const plain = best[0];
      const rows: BenchResult[] = cases.map((c, i) => ({
        name: `listener CPU per request, ${c.name}${c.keepAlive ? ', keep-alive' : ''}; ${shape}`,
        subject: 'tidemark',
        value: best[i],
        unit: 'µs/request',
        note: i === 0 ? 'handler only drains the body' : `+${(best[i] - plain).toFixed(0)} µs over plain HTTP (${(((best[i] - plain) / SERIES) * 1000).toFixed(0)} ns per sample)`,
      }));
      // What the cache saves: one uncached verification, the median of 5.
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = process.cpuUsage();
        await bcrypt.compare(PASSWORD, hash);
        const d = process.cpuUsage(start);
        times.push((d.user + d.system) / 1000);
      }
      times.sort((a, b) => a - b);
      rows.push({ name: 'one bcrypt verification (bcryptjs, cost 10): what the credentials cache saves per request', subject: 'tidemark', value: times[2], unit: 'ms CPU' });
      return rows;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
