import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { RedisShardRegistry, type ShardRegistryEntry } from '../../pipeline/store-protocol/index.js';
import { encodeSampleBatch, partitionForHash, seriesHash } from '../../schemas/index.js';
import { queryRole } from '../../ops/cli/query.js';
import { storeRole } from '../../ops/cli/store.js';
import { startRole } from '../../ops/cli/run-role.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, startKafkaMock, startRedis, TestCertificates, testNamespace, type RedisService } from '../harness/index.js';
import { waitFor } from './cli-process.js';
import { listeningUrl, spawnRole } from './role-process.js';

const PARTITIONS = 4;
const ns = testNamespace('store-role');
const topics = {
  samples: ns.topic('samples'),
  aggregates: ns.topic('aggregates'),
  alerts: ns.topic('alerts'),
  deadletter: ns.topic('deadletter'),
};

let dir: string;
let config: string;
let redis: RedisService;
let client: Redis;
let registry: RedisShardRegistry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-store-role-'));
  // The shard registry's keys are fixed (`tidemark:shards:`): a private Redis keeps this file's own.
  redis = await startRedis();
  client = new Redis(redis.url);
  registry = new RedisShardRegistry({ redis: client });
  await Promise.all([
    createKafkaTopic(topics.samples, PARTITIONS),
    createKafkaTopic(topics.aggregates, PARTITIONS),
    createKafkaTopic(topics.alerts, 1),
    createKafkaTopic(topics.deadletter, 1),
  ]);
  config = join(dir, 'tidemark.yml');
  // As an operator writes it: the bus type in the file, the brokers on the command line.
  await writeFile(
    config,
    [
      'bus:',
      '  type: kafka',
      `  partitions: ${PARTITIONS}`,
      `  topics: { samples: ${topics.samples}, aggregates: ${topics.aggregates}, alerts: ${topics.alerts}, deadletter: ${topics.deadletter} }`,
      // The mock cluster waits session_timeout - 1 s on every rebalance (TEST-SERVICES.md §3).
      '  kafka: { consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 } }',
      'store:',
      `  group: ${ns.group('store')}`,
      '  flush_interval_ms: 100',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const storeArgs = (data: string, ...more: string[]) => [
  'store', '--config', config, '--kafka', kafkaBrokers().join(','), '--redis', redis.url, '--data', join(dir, data), '--log.level', 'info', ...more,
];

async function registered(): Promise<ShardRegistryEntry[]> {
  return registry.list();
}

describe('tidemark store on Kafka and Redis', () => {
  it('answers /-/healthy at once, is ready once its consumers joined, and registers the address it listens on', async () => {
    const store = spawnRole(storeArgs('a', '--listen', '127.0.0.1:0'));
    try {
      const url = await listeningUrl(store);
      expect((await fetch(`${url}/-/healthy`)).status).toBe(200);
      // The consumers join their groups after the listener is up (a first join takes seconds).
      expect((await fetch(`${url}/-/ready`)).status).toBe(503);
      expect((await fetch(`${url}/api/v1/store/label_names`, { method: 'POST' })).status).toBe(503);

      await waitFor(async () => ((await fetch(`${url}/-/ready`)).status === 200 ? true : undefined), 60_000);
      const [entry] = await waitFor(async () => {
        const e = await registered();
        return e.length === 1 && e[0].partitions.length === PARTITIONS ? e : undefined;
      });
      expect(entry.address).toBe(url);
      expect(entry.partitions).toEqual([0, 1, 2, 3]);
      expect((await fetch(`${entry.address}/-/healthy`)).status).toBe(200);
    } finally {
      const code = await store.stop();
      if (code !== 0) console.log(store.output());
      expect(code).toBe(0);
    }
    expect(await registered()).toEqual([]);
  });

  it('serves its samples to a separate query role that finds it in Redis, also after a restart on another port', async () => {
    const labels = { __name__: 'store_role_probe', job: 'probe' };
    const partition = partitionForHash(seriesHash(labels), PARTITIONS);
    const producer = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    const nowMs = Date.now();
    await producer.produce(topics.samples, [
      { partition, value: encodeSampleBatch({ series: [{ labels, timestamps: [nowMs], values: [42], stale: [] }] }, 'test') },
    ]);
    await producer.close();

    const query = await startRole(queryRole, {
      config, listen: '127.0.0.1:0', data: join(dir, 'query'), kafka: kafkaBrokers().join(','), redis: redis.url, logLevel: 'error',
    });
    const queryUrl = `http://${query.address.host}:${query.address.port}`;
    const valueFromQuery = async (): Promise<string | undefined> => {
      const res = await fetch(`${queryUrl}/api/v1/query?query=store_role_probe&time=${nowMs / 1000}`);
      const body = (await res.json()) as { data?: { result: Array<{ value: [number, string] }> } };
      return body.data?.result[0]?.value[1];
    };
    try {
      for (const data of ['b', 'b']) {
        const store = spawnRole(storeArgs(data, '--listen', '127.0.0.1:0'));
        try {
          const url = await listeningUrl(store);
          await waitFor(async () => ((await registered()).some((e) => e.address === url && e.partitions.length === PARTITIONS) ? true : undefined), 60_000);
          expect(await waitFor(valueFromQuery, 30_000)).toBe('42');
        } finally {
          expect(await store.stop()).toBe(0);
        }
      }
    } finally {
      await query.stop();
    }
  });

  it('announces the address given by --advertise-address', async () => {
    const store = spawnRole(storeArgs('c', '--listen', '127.0.0.1:0', '--advertise-address', 'store-7.tidemark.test:9464'));
    try {
      await listeningUrl(store);
      const entries = await waitFor(async () => {
        const e = await registered();
        return e.length > 0 ? e : undefined;
      }, 60_000);
      expect(entries.map((e) => e.address)).toEqual(['http://store-7.tidemark.test:9464']);
    } finally {
      expect(await store.stop()).toBe(0);
    }
  });

  it('exits with status 1 when its consumers cannot rejoin their group, so a supervisor restarts it', async () => {
    const mock = await startKafkaMock({ initialTopics: { 'tidemark.samples': 2, 'tidemark.aggregates': 2, 'tidemark.alerts': 1, 'tidemark.deadletter': 1 } });
    const file = join(dir, 'gives-up.yml');
    await writeFile(
      file,
      [
        'bus:',
        '  type: kafka',
        '  partitions: 2',
        '  kafka:',
        '    consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000, rejoin_attempts: 1, rejoin_backoff_ms: 100 }',
        '',
      ].join('\n'),
    );
    const store = spawnRole(['store', '--config', file, '--kafka', mock.bootstrap, '--redis', redis.url, '--data', join(dir, 'd'), '--listen', '127.0.0.1:0']);
    try {
      await store.waitForLog(/"msg":"store started"/);
      await mock.stop();
      expect(await store.exited).toBe(1);
      // Which part notices first (a consumer giving up its group, or a shard's offset lookup on
      // the consumer that just lost it) depends on timing; either way the role says why it failed.
      expect(store.output()).toMatch(/tidemark store: failed: \S/);
    } finally {
      await store.stop('SIGKILL');
      await mock.stop();
    }
  }, 180_000);

  it('has the query role count requests by handler and code, failed store reads and partial responses', async () => {
    const flags = { config, listen: '127.0.0.1:0', kafka: kafkaBrokers().join(','), redis: redis.url, logLevel: 'error' };
    const store = await startRole(storeRole, { ...flags, data: join(dir, 'metrics-store') });
    const query = await startRole(queryRole, { ...flags, data: join(dir, 'metrics-query') });
    // A store that announced itself and died: its reads fail, the others answer (partial response).
    await registry.announce('dead-store', 'http://127.0.0.1:9', [0]);
    try {
      const base = `http://${query.address.host}:${query.address.port}`;
      await waitFor(async () => ((await registered()).length === 2 ? true : undefined), 30_000);
      const ok = (await (await fetch(`${base}/api/v1/query?query=up`)).json()) as { status: string; warnings?: string[] };
      expect(ok.status).toBe('success');
      expect(ok.warnings?.join('\n')).toMatch(/dead-store/);
      expect((await fetch(`${base}/api/v1/query?query=up{`)).status).toBe(400);

      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/^tidemark_query_requests_total\{handler="\/api\/v1\/query",code="200"\} 1$/m);
      expect(text).toMatch(/^tidemark_query_requests_total\{handler="\/api\/v1\/query",code="400"\} 1$/m);
      expect(text).toMatch(/^tidemark_query_request_duration_seconds_count\{handler="\/api\/v1\/query"\} 2$/m);
      expect(text).toMatch(/^tidemark_query_store_failures_total\{store="dead-store \(http:\/\/127\.0\.0\.1:9\)"\} [1-9]/m);
      expect(text).toMatch(/^tidemark_query_partial_responses_total 1$/m);
    } finally {
      await registry.withdraw('dead-store');
      await query.stop();
      await store.stop();
    }
  });

  it('has the query role add up /api/v1/status/tsdb over the stores in the registry, and a store report its Kafka topics and groups', async () => {
    const producer = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    const nowMs = Date.now();
    const series = ['a', 'b', 'c', 'd', 'e'].map((host) => ({ __name__: 'status_tsdb_probe', host }));
    await producer.produce(topics.samples, series.map((labels) => ({
      partition: partitionForHash(seriesHash(labels), PARTITIONS),
      value: encodeSampleBatch({ series: [{ labels, timestamps: [nowMs], values: [1], stale: [] }] }, 'test'),
    })));
    await producer.close();
    const flags = { config, listen: '127.0.0.1:0', kafka: kafkaBrokers().join(','), redis: redis.url, logLevel: 'error' };
    const store = await startRole(storeRole, { ...flags, data: join(dir, 'status-store') });
    const query = await startRole(queryRole, { ...flags, data: join(dir, 'status-query') });
    await registry.announce('dead-store', 'http://127.0.0.1:9', [0]);
    try {
      const base = `http://${query.address.host}:${query.address.port}`;
      const match = encodeURIComponent('{__name__="status_tsdb_probe"}');
      const status = await waitFor(async () => {
        const b = (await (await fetch(`${base}/api/v1/status/tsdb?match[]=${match}&focusLabel=host`)).json()) as {
          status: string; warnings?: string[]; data: { totalSeries: number; headStats: { numSeries: number }; seriesCountByFocusLabelValue: { name: string; value: number }[] };
        };
        return b.data?.totalSeries === series.length ? b : undefined;
      }, 60_000);
      expect(status.status).toBe('success');
      expect(status.warnings?.join('\n')).toMatch(/dead-store/);
      expect(status.data.seriesCountByFocusLabelValue.map((e) => e.name).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(status.data.headStats.numSeries).toBeGreaterThanOrEqual(series.length);

      // The mock brokers cannot list groups: the store reports its configuration's groups, and says so.
      const storeBase = `http://${store.address.host}:${store.address.port}`;
      const bus = (await (await fetch(`${storeBase}/api/v1/status/bus`)).json()) as {
        warnings: string[];
        data: { type: string; topics: { name: string; partitions: unknown[] }[]; groups: { group: string; topic: string; members: number | null; partitions: { committed: number; applied: number; high: number; lag: number; durableLag: number }[] }[] };
      };
      expect(bus.data.type).toBe('kafka');
      expect(bus.warnings.join('\n')).toMatch(/consumer groups could not be listed/);
      expect(bus.data.topics.find((t) => t.name === topics.samples)?.partitions).toHaveLength(PARTITIONS);
      const group = bus.data.groups.find((g) => g.group === ns.group('store') && g.topic === topics.samples);
      expect(group?.members).toBeNull();
      expect(group?.partitions).toHaveLength(PARTITIONS);
      for (const p of (group?.partitions ?? []).filter((x) => x.committed >= 0)) {
        expect(p.lag).toBe(p.high - p.applied);
        expect(p.durableLag).toBe(p.high - p.committed);
      }
    } finally {
      await registry.withdraw('dead-store');
      await query.stop();
      await store.stop();
    }
  });

  it('is read over TLS with basic auth by a query role given query.store_client, and not by one without it', async () => {
    const certs = new TestCertificates(dir);
    await certs.ca('store-ca');
    await certs.signed('store-server', 'store-ca', 'IP:127.0.0.1');
    const web = join(dir, 'store-web.yml');
    await writeFile(web, [
      'tls_server_config: { cert_file: store-server.crt, key_file: store-server.key }',
      `basic_auth_users: { query: '${bcrypt.hashSync('s3cret', 4)}' }`,
      '',
    ].join('\n'));
    const withClient = join(dir, 'query-store-client.yml');
    await writeFile(withClient, [
      (await readFile(config, 'utf8')).trimEnd(),
      'query:',
      '  store_client:',
      '    basic_auth: { username: query, password: s3cret }',
      `    tls_config: { ca_file: ${join(dir, 'store-ca.crt')} }`,
      '',
    ].join('\n'));
    const labels = { __name__: 'store_role_tls_probe', job: 'probe' };
    const nowMs = Date.now();
    const producer = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    await producer.produce(topics.samples, [
      { partition: partitionForHash(seriesHash(labels), PARTITIONS), value: encodeSampleBatch({ series: [{ labels, timestamps: [nowMs], values: [7], stale: [] }] }, 'test') },
    ]);
    await producer.close();

    const store = spawnRole(storeArgs('tls', '--listen', '127.0.0.1:0', '--web.config.file', web));
    const roleArgs = { listen: '127.0.0.1:0', kafka: kafkaBrokers().join(','), redis: redis.url, logLevel: 'error' };
    const reader = await startRole(queryRole, { ...roleArgs, config: withClient, data: join(dir, 'query-tls') });
    const stranger = await startRole(queryRole, { ...roleArgs, config, data: join(dir, 'query-plain') });
    interface Answer { status: string; data?: { result: unknown[] }; error?: string; warnings?: string[] }
    const ask = async (q: typeof reader): Promise<Answer> =>
      (await (await fetch(`http://${q.address.host}:${q.address.port}/api/v1/query?query=store_role_tls_probe&time=${nowMs / 1000}`)).json()) as Answer;
    try {
      const url = (await listeningUrl(store)).replace(/^http:/, 'https:');
      await waitFor(async () => ((await registered()).some((e) => e.address === url && e.partitions.length === PARTITIONS) ? true : undefined), 60_000);
      const read = await waitFor(async () => {
        const a = await ask(reader);
        return a.data?.result.length === 1 ? a : undefined;
      }, 60_000);
      expect(read.data?.result).toEqual([{ metric: { __name__: 'store_role_tls_probe', job: 'probe' }, value: [nowMs / 1000, '7'] }]);
      expect(read.warnings ?? []).toEqual([]);
      // The store's certificate is signed by a CA only the first query role was given.
      const refused = await ask(stranger);
      expect(refused.status).toBe('error');
      expect(refused.error).toContain(`(${url}) unavailable`);
      expect(refused.error).toMatch(/certificate/);
    } finally {
      await Promise.all([reader.stop(), stranger.stop()]);
      expect(await store.stop()).toBe(0);
    }
  }, 180_000);

  it('shares the partitions between two store processes of one group, each registered where it listens', async () => {
    // Separate processes without the test assigner: the mock refuses a follower's SyncGroup
    // whenever the leader's comes first (TEST-SERVICES.md §3); the follower rejoins until it is in.
    const stores = [spawnRole(storeArgs('two-0', '--listen', '127.0.0.1:0')), spawnRole(storeArgs('two-1', '--listen', '127.0.0.1:0'))];
    try {
      const urls = await Promise.all(stores.map(listeningUrl));
      const entries = await waitFor(async () => {
        const e = await registered();
        const held = e.flatMap((x) => x.partitions).sort();
        return e.length === 2 && e.every((x) => x.partitions.length > 0) && held.join() === '0,1,2,3' ? e : undefined;
      }, 120_000);
      expect(entries.map((e) => e.address).sort()).toEqual([...urls].sort());
      for (const u of urls) await waitFor(async () => ((await fetch(`${u}/-/ready`)).status === 200 ? true : undefined), 60_000);
      expect(stores.flatMap((s) => s.output().split('\n')).filter((l) => l.includes('"level":50'))).toEqual([]);
    } finally {
      expect(await Promise.all(stores.map((s) => s.stop()))).toEqual([0, 0]);
    }
  }, 180_000);
});
