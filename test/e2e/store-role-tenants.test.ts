import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { RedisShardRegistry } from '../../pipeline/store-protocol/index.js';
import { encodeSampleBatch, partitionForHash, seriesHash } from '../../schemas/index.js';
import { queryRole } from '../../ops/cli/query.js';
import { startRole } from '../../ops/cli/run-role.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, startRedis, testNamespace, type RedisService } from '../harness/index.js';
import { waitFor } from './cli-process.js';
import { listeningUrl, spawnRole } from './role-process.js';

const PARTITIONS = 2;
const PASSWORD = 'store-tenants-password';
const ns = testNamespace('store-role-tenants');
const topics = { samples: ns.topic('samples'), aggregates: ns.topic('aggregates'), alerts: ns.topic('alerts'), deadletter: ns.topic('deadletter') };

let dir: string;
let config: string;
let redis: RedisService;
let client: Redis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-store-tenants-'));
  redis = await startRedis();
  client = new Redis(redis.url);
  await Promise.all([
    createKafkaTopic(topics.samples, PARTITIONS),
    createKafkaTopic(topics.aggregates, PARTITIONS),
    createKafkaTopic(topics.alerts, 1),
    createKafkaTopic(topics.deadletter, 1),
  ]);
  config = join(dir, 'tidemark.yml');
  await writeFile(
    config,
    [
      'bus:',
      '  type: kafka',
      `  partitions: ${PARTITIONS}`,
      `  topics: { samples: ${topics.samples}, aggregates: ${topics.aggregates}, alerts: ${topics.alerts}, deadletter: ${topics.deadletter} }`,
      '  kafka: { consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 } }',
      'store:',
      `  group: ${ns.group('store')}`,
      '  flush_interval_ms: 100',
      'tenants:',
      '  enabled: true',
      '  operators: [query]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('tidemark query reading tidemark store with tenants', () => {
  it('reads the stores as an operator and answers each tenant with its own series; a tenant cannot read a store directly', async () => {
    const web = join(dir, 'store-web.yml');
    await writeFile(web, `basic_auth_users: { query: '${bcrypt.hashSync(PASSWORD, 4)}' }\n`);
    const queryConfig = join(dir, 'query.yml');
    await writeFile(queryConfig, [(await readFile(config, 'utf8')).trimEnd(), 'query:', '  store_client:', `    basic_auth: { username: query, password: ${PASSWORD} }`, ''].join('\n'));

    // Samples as an ingest role labels them: one series name, two tenants.
    const nowMs = Date.now();
    const producer = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    for (const [tenant, value] of [['team-a', 1], ['team-b', 2]] as const) {
      const labels = { __name__: 'tenant_store_probe', tenant_id: tenant };
      await producer.produce(topics.samples, [
        { partition: partitionForHash(seriesHash(labels), PARTITIONS), value: encodeSampleBatch({ series: [{ labels, timestamps: [nowMs], values: [value], stale: [] }] }, 'test') },
      ]);
    }
    await producer.close();

    const store = spawnRole(['store', '--config', config, '--kafka', kafkaBrokers().join(','), '--redis', redis.url, '--data', join(dir, 'store'), '--listen', '127.0.0.1:0', '--web.config.file', web]);
    const query = await startRole(queryRole, { config: queryConfig, listen: '127.0.0.1:0', data: join(dir, 'query'), kafka: kafkaBrokers().join(','), redis: redis.url, logLevel: 'error' });
    const queryUrl = `http://${query.address.host}:${query.address.port}`;
    const ask = async (tenant: string): Promise<string[] | undefined> => {
      const res = await fetch(`${queryUrl}/api/v1/query?query=tenant_store_probe&time=${nowMs / 1000}`, { headers: { 'x-scope-orgid': tenant } });
      const body = (await res.json()) as { data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      const r = body.data?.result ?? [];
      return r.length > 0 ? r.map((s) => `${s.metric.tenant_id}=${s.value[1]}`) : undefined;
    };
    try {
      const url = await listeningUrl(store);
      const registry = new RedisShardRegistry({ redis: client });
      await waitFor(async () => ((await registry.list()).some((e) => e.address === url && e.partitions.length === PARTITIONS) ? true : undefined), 60_000);
      expect(await waitFor(() => ask('team-a'), 60_000)).toEqual(['team-a=1']);
      expect(await waitFor(() => ask('team-b'), 30_000)).toEqual(['team-b=2']);
      // The store protocol is not a tenant's: with the header and no operator's credentials, refused.
      const direct = await fetch(`${url}/api/v1/store/label_names`, { method: 'POST', headers: { 'x-scope-orgid': 'team-a', authorization: `Basic ${Buffer.from(`query:${PASSWORD}`).toString('base64')}` } });
      expect(direct.status).toBe(403);
    } finally {
      await query.stop();
      expect(await store.stop()).toBe(0);
    }
  }, 180_000);
});
