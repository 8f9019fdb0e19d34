import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { createRemoteWriteConnector } from '../../../connectors/remote-write/index.js';
import { serveRoutes } from '../../../connectors/http-edge/testdata/serve-routes.js';
import type { Consumer } from '../../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { decodeSampleBatch } from '../../../schemas/index.js';
import type { SeriesSamples } from '../../../schemas/sample.js';
import { redisUrl, testNamespace } from '../../harness/index.js';
import { startPrometheus, type PrometheusProcess } from './prometheus-process.js';
import { remoteWriteConfigSchema } from '../../../connectors/remote-write/index.js';

const EXPOSITION = '# TYPE tidemark_probe gauge\ntidemark_probe{kind="a"} 42\ntidemark_probe{kind="b"} 7.5\n';

let dir: string;
let bus: EmbeddedBus;
let consumer: Consumer;
const stored: SeriesSamples[] = [];
const closers: (() => Promise<void>)[] = [];

// The default bound is generous: Prometheus and the receiver share a loaded 2-core machine.
async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-rw-it-'));
  bus = await EmbeddedBus.open({ dataDir: dir });
  await bus.ensureTopic('samples', 2);
  consumer = await bus.consume({ group: 'reader', topic: 'samples', fromBeginning: true }, async (b) => {
    for (const r of b.records) stored.push(...decodeSampleBatch(r.value).series);
    await b.commit();
  });
});

afterAll(async () => {
  while (closers.length > 0) await closers.pop()?.();
  await consumer.stop();
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

/** A receiver on a plain node:http server, also serving a static exposition at /metrics. */
async function startReceiver(config: Record<string, unknown>, redis?: Redis) {
  const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 2, source: 'remote_write' });
  const conn = createRemoteWriteConnector({ sink, registry: new Registry(), redis }, remoteWriteConfigSchema.parse(config));
  await conn.start();
  const srv = await serveRoutes([
    ...conn.routes,
    {
      methods: ['GET'],
      path: '/metrics',
      handler: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(EXPOSITION);
      },
    },
  ]);
  closers.push(async () => {
    await srv.close();
    await conn.stop();
  });
  return srv.url;
}

function promConfig(receiver: string, externalLabels: Record<string, string>) {
  const target = receiver.replace('http://', '');
  const ext = Object.entries(externalLabels).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n');
  return (self: string) => `
global:
  scrape_interval: 1s
  evaluation_interval: 1s
${ext === '' ? '' : `  external_labels:\n${ext}`}
scrape_configs:
  - job_name: probe
    static_configs: [{ targets: ['${target}'] }]
  - job_name: self
    static_configs: [{ targets: ['${self}'] }]
remote_write:
  - url: ${receiver}/api/v1/write
    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 500ms }
`;
}

/** Samples a Prometheus has sent over remote_write so far (its own counter). */
async function samplesSent(p: PrometheusProcess): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('prometheus_remote_storage_samples_total')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

async function prometheus(receiver: string, externalLabels: Record<string, string> = {}): Promise<PrometheusProcess> {
  const p = await startPrometheus(promConfig(receiver, externalLabels));
  closers.push(() => p.stop());
  return p;
}

describe('remote_write from a real Prometheus', () => {
  it('stores the scraped samples on the bus with their labels and values', async () => {
    const receiver = await startReceiver({ ha: { enabled: false } });
    await prometheus(receiver, { origin: 'single' });
    const probe = await waitFor('tidemark_probe samples', () => {
      const got = stored.filter((s) => s.labels.__name__ === 'tidemark_probe' && s.labels.origin === 'single');
      return got.length >= 2 ? got : undefined;
    });
    const byKind = new Map(probe.map((s) => [s.labels.kind, s]));
    expect(byKind.get('a')?.labels).toEqual({ __name__: 'tidemark_probe', kind: 'a', job: 'probe', instance: expect.any(String), origin: 'single' });
    expect(byKind.get('a')?.values[0]).toBe(42);
    expect(byKind.get('b')?.values[0]).toBe(7.5);
    expect(Math.abs((byKind.get('a')?.timestamps[0] ?? 0) - Date.now())).toBeLessThan(60_000);
    // Prometheus' own series arrive too, and `up` for both jobs.
    await waitFor('up for both jobs', () => {
      const jobs = new Set(stored.filter((s) => s.labels.__name__ === 'up' && s.labels.origin === 'single').map((s) => s.labels.job));
      return jobs.has('probe') && jobs.has('self') ? true : undefined;
    });
  });

  it('keeps one replica of an HA pair, strips the replica label, and fails over when the leader stops', async () => {
    const ns = testNamespace('rw-ha');
    const redis = new Redis(redisUrl());
    closers.push(async () => redis.disconnect());
    const receiver = await startReceiver(
      { ha: { enabled: true, store: 'redis', redis_url: redisUrl(), key_prefix: ns.redisPrefix, failover_timeout: '8s', update_timeout: '1s' } },
      redis,
    );
    const r1 = await prometheus(receiver, { cluster: ns.id, __replica__: 'r1' });
    const r2 = await prometheus(receiver, { cluster: ns.id, __replica__: 'r2' });
    const selfUp = () => stored.filter((s) => s.labels.__name__ === 'up' && s.labels.job === 'self' && s.labels.cluster === ns.id);
    // Failover waits 8 s of leader silence: shorter windows fail over spuriously on a loaded 2-core CI.
    // Each replica scrapes itself: the `instance` of up{job="self"} tells whose samples were kept.
    const instanceOf = (p: PrometheusProcess) => p.url.replace('http://', '');
    await waitFor('samples of the elected replica', () => (selfUp().length > 0 ? true : undefined));
    // Both replicas wrote again after a leader was elected, so the follower's samples had their chance.
    const sent = await Promise.all([r1, r2].map(samplesSent));
    await waitFor('writes of both replicas after the election', async () => {
      const now = await Promise.all([r1, r2].map(samplesSent));
      return now.every((n, i) => n > sent[i]!) ? true : undefined;
    });
    const before = selfUp();
    expect(before.every((s) => s.labels.__replica__ === undefined)).toBe(true);
    const instances = new Set(before.map((s) => s.labels.instance));
    expect(instances.size).toBe(1);
    const leader = [r1, r2].find((p) => instances.has(instanceOf(p)));
    const follower = leader === r1 ? r2 : r1;
    expect(leader).toBeDefined();
    const elected = await redis.get(`${ns.redisPrefix}${ns.id}`);
    expect(elected).toBe(leader === r1 ? 'r1' : 'r2');

    await leader?.stop();
    await waitFor(
      'samples of the other replica after failover',
      () => (selfUp().some((s) => s.labels.instance === instanceOf(follower)) ? true : undefined),
    );
    expect(await redis.get(`${ns.redisPrefix}${ns.id}`)).toBe(follower === r1 ? 'r1' : 'r2');
  });
});
