import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyWriteRequest } from '../../connectors/remote-write/testdata/prompb.js';
import { createKafkaTopic, kafkaBrokers, startRedis, testNamespace, type RedisService } from '../harness/index.js';
import { waitFor } from './cli-process.js';
import { listeningUrl, spawnRole, type RoleProcess } from './role-process.js';

const ns = testNamespace('query-side-data');

/**
 * Distributed roles on Kafka: what `tidemark ingest` receives as metric metadata and exemplars
 * reaches `tidemark query` through the metadata and exemplars topics, also a query role started
 * after it was written.
 */
describe('metadata and exemplars from tidemark ingest to tidemark query', () => {
  let dir: string;
  let redis: RedisService;
  const roles: RoleProcess[] = [];
  let config: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-side-data-'));
    redis = await startRedis();
    // The mock cluster does not create topics on request (TEST-SERVICES.md): made here, as an operator would.
    await Promise.all([
      createKafkaTopic(ns.topic('samples'), 2),
      createKafkaTopic(ns.topic('aggregates'), 2),
      ...['alerts', 'deadletter', 'metadata', 'exemplars'].map((t) => createKafkaTopic(ns.topic(t), 1)),
    ]);
    config = join(dir, 'tidemark.yml');
    await writeFile(
      config,
      [
        'bus:',
        '  type: kafka',
        '  partitions: 2',
        `  topics: { samples: ${ns.topic('samples')}, aggregates: ${ns.topic('aggregates')}, alerts: ${ns.topic('alerts')}, deadletter: ${ns.topic('deadletter')}, metadata: ${ns.topic('metadata')}, exemplars: ${ns.topic('exemplars')} }`,
        '  kafka: { consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 } }',
        'store:',
        `  group: ${ns.group('store')}`,
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    for (const r of roles) await r.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (...args: string[]) => {
    const role = spawnRole([...args, '--config', config, '--kafka', kafkaBrokers().join(','), '--listen', '127.0.0.1:0', '--log.level', 'info']);
    roles.push(role);
    return listeningUrl(role);
  };

  it('serves the metadata and exemplars remote_write sent to ingest', async () => {
    const ingest = await start('ingest', '--data', join(dir, 'ingest'));
    await waitFor(async () => ((await fetch(`${ingest}/-/ready`)).status === 200 ? true : undefined));
    // A recent whole second: older than the stores' retention would be refused (limits.max_age_ms).
    const at = Math.floor(Date.now() / 1000) - 60;
    const body = snappyWriteRequest({
      timeseries: [
        {
          labels: [{ name: '__name__', value: 'jobs_done_total' }],
          samples: [{ value: 3, timestamp: at * 1000 }],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'feed' }], value: 1, timestamp: at * 1000 }],
        },
      ],
      metadata: [{ type: 1, metricFamilyName: 'jobs_done_total', help: 'Jobs done.', unit: '' }],
    });
    const res = await fetch(`${ingest}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    expect(res.status).toBe(204);

    const query = await start('query', '--redis', redis.url, '--data', join(dir, 'query'));
    await waitFor(async () => ((await fetch(`${query}/-/ready`)).status === 200 ? true : undefined));
    const metadata = await waitFor(async () => {
      const data = ((await (await fetch(`${query}/api/v1/metadata`)).json()) as { data: Record<string, unknown> }).data;
      return data.jobs_done_total;
    });
    expect(metadata).toEqual([{ type: 'counter', help: 'Jobs done.', unit: '' }]);
    const exemplars = await waitFor(async () => {
      const data = ((await (await fetch(`${query}/api/v1/query_exemplars?query=jobs_done_total&start=${at - 1}&end=${at + 1}`)).json()) as { data: unknown[] }).data;
      return data.length > 0 ? data : undefined;
    });
    expect(exemplars).toEqual([{ seriesLabels: { __name__: 'jobs_done_total' }, exemplars: [{ labels: { trace_id: 'feed' }, value: '1', timestamp: at }] }]);
  });
});
