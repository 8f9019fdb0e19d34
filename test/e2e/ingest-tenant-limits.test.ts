import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTopic, freePort, kafkaBrokers, startRedis, testNamespace, type RedisService } from '../harness/index.js';
import { startCli, type RunningCli } from './cli-process.js';

const ns = testNamespace('ingest-tenant-limits');

describe('per-tenant ingestion limits of two tidemark ingest replicas sharing one Redis', () => {
  let dir: string;
  let redis: RedisService;
  let replicas: RunningCli[] = [];
  let alone: RunningCli[] = [];
  let noRedis: RunningCli | undefined;

  const push = (ingest: RunningCli, tenant: string, series: string[]): Promise<Response> =>
    fetch(`${ingest.url}/write?precision=ms`, {
      method: 'POST',
      headers: { 'x-scope-orgid': tenant },
      body: series.map((s) => `limited,s=${s} v=1 ${Date.now()}`).join('\n'),
    });
  const range = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => String(from + i));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-ingest-tenant-limits-'));
    redis = await startRedis();
    const topics = { samples: ns.topic('samples'), aggregates: ns.topic('aggregates'), alerts: ns.topic('alerts'), deadletter: ns.topic('deadletter') };
    await Promise.all([createKafkaTopic(topics.samples, 2), createKafkaTopic(topics.aggregates, 1), createKafkaTopic(topics.alerts, 1), createKafkaTopic(topics.deadletter, 1)]);
    await writeFile(
      join(dir, 'tidemark.yml'),
      [
        'bus:',
        '  type: kafka',
        '  partitions: 2',
        `  topics: { samples: ${topics.samples}, aggregates: ${topics.aggregates}, alerts: ${topics.alerts}, deadletter: ${topics.deadletter} }`,
        'tenants:',
        '  enabled: true',
        '  overrides:',
        // A rate that refills one sample in 1,000 s: what the burst allows is all there is in the test.
        '    rate-limited: { ingestion_rate: 0.001, ingestion_burst_size: 10 }',
        '    series-limited: { max_active_series: 3 }',
        '',
      ].join('\n'),
    );
    const ingest = (name: string, extra: string[]) =>
      startCli(['ingest', '--config', join(dir, 'tidemark.yml'), '--kafka', kafkaBrokers().join(','), '--data', join(dir, name), ...extra]);
    const closedPort = await freePort();
    [replicas, alone, noRedis] = await Promise.all([
      Promise.all([ingest('a', ['--redis', redis.url]), ingest('b', ['--redis', redis.url])]),
      Promise.all([ingest('c', []), ingest('d', [])]),
      ingest('e', ['--redis', `redis://127.0.0.1:${closedPort}`]),
    ]);
  });
  afterAll(async () => {
    for (const r of [...replicas, ...alone, ...(noRedis === undefined ? [] : [noRedis])]) expect(await r.stop('SIGTERM')).toBe(0);
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a tenant\'s samples from one rate for both replicas: what one admitted, the other refuses with 429', async () => {
    const [a, b] = replicas;
    expect((await push(a!, 'rate-limited', range(0, 6))).status).toBe(204);
    const refused = await push(b!, 'rate-limited', range(0, 6));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toContain('exceeded its ingestion rate limit, set to 0.001 samples/s with a maximum allowed burst of 10');
    // The rest of the burst is still there, on either replica; another tenant is not limited by it.
    expect((await push(b!, 'rate-limited', range(0, 4))).status).toBe(204);
    expect((await push(a!, 'other', range(0, 20))).status).toBe(204);
  });

  it('counts a tenant\'s active series across both replicas', async () => {
    const [a, b] = replicas;
    expect((await push(a!, 'series-limited', range(0, 2))).status).toBe(204);
    const refused = await push(b!, 'series-limited', range(2, 2));
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('per-tenant series limit of 3 exceeded');
    // Series the other replica has are not new.
    expect((await push(b!, 'series-limited', range(0, 3))).status).toBe(204);
    const metrics = await (await fetch(`${b!.url}/metrics`)).text();
    expect(metrics).toMatch(/^tidemark_tenant_active_series\{tenant="series-limited"\} 3$/m);
    expect(metrics).toMatch(/^tidemark_tenant_limit_refusals_total\{tenant="series-limited",limit="max_active_series"\} 1$/m);
  });

  it('without Redis, each replica enforces the full limits on what it receives', async () => {
    const [c, d] = alone;
    expect((await push(c!, 'rate-limited', range(0, 6))).status).toBe(204);
    expect((await push(d!, 'rate-limited', range(0, 6))).status).toBe(204);
  });

  it('answers 503 to a push whose limits cannot be checked because Redis does not answer, and stores nothing', async () => {
    const res = await push(noRedis!, 'team-a', range(0, 1));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.text()).toContain('tenant limits shared in Redis could not be checked');
    expect(await (await fetch(`${noRedis!.url}/metrics`)).text()).not.toMatch(/tidemark_tenant_samples_received_total\{tenant="team-a"\}/);
  });
});
