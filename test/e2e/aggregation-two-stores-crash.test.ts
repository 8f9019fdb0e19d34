import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { decodeSamplesTopicRecord, encodeProducerWatermark, encodeSampleBatch, partitionForHash, seriesHash } from '../../schemas/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../harness/index.js';
import { waitFor } from './cli-process.js';
import { listeningUrl, spawnRole, type RoleProcess } from './role-process.js';

/**
 * Two `tidemark store` processes of one group each aggregate the partitions they hold and
 * publish partial states; one of them merges. The merging store is killed with SIGKILL mid-way:
 * the other takes over its partitions (without their state: it reads them again from their first
 * record) and the merging, and every window's outputs are published with their one right value,
 * none missing.
 */
const PARTITIONS = 3;
const MINUTES = 6;
const ns = testNamespace('aggregation-two-stores');
const topics = { samples: ns.topic('samples'), aggregates: ns.topic('aggregates'), alerts: ns.topic('alerts'), deadletter: ns.topic('deadletter'), metadata: ns.topic('metadata') };
const T0 = 1_700_000_040_000; // a whole minute

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-aggregation-two-stores-'));
  await Promise.all([
    createKafkaTopic(topics.samples, PARTITIONS),
    createKafkaTopic(topics.aggregates, PARTITIONS),
    createKafkaTopic(`${topics.aggregates}.partials`, 1),
    createKafkaTopic(topics.alerts, 1),
    createKafkaTopic(topics.deadletter, 1),
    createKafkaTopic(topics.metadata, 1),
  ]);
  config = join(dir, 'tidemark.yml');
  await writeFile(config, [
    'bus:',
    '  type: kafka',
    `  partitions: ${PARTITIONS}`,
    `  topics: { samples: ${topics.samples}, aggregates: ${topics.aggregates}, alerts: ${topics.alerts}, deadletter: ${topics.deadletter}, metadata: ${topics.metadata} }`,
    '  kafka: { consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 } }',
    'store:',
    `  group: ${ns.group('store')}`,
    '  flush_interval_ms: 100',
    'aggregation:',
    '  checkpoint_interval_ms: 200',
    // Producers' promises close the windows; none times out while a store is down.
    '  idle_timeout_ms: 3600000',
    'aggregates:',
    '  - match: jobs_done_total',
    '    interval: 1m',
    '    by: [team]',
    '    outputs: [total, increase, count_series]',
    '',
  ].join('\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Status { data: { partitions: number[]; merging?: boolean } }

async function status(url: string): Promise<Status['data']> {
  return ((await (await fetch(`${url}/api/v1/status/aggregates`)).json()) as Status).data;
}

async function startStore(name: string): Promise<{ role: RoleProcess; url: string }> {
  const role = spawnRole(['store', '--config', config, '--kafka', kafkaBrokers().join(','), '--data', join(dir, name), '--listen', '127.0.0.1:0']);
  const url = await listeningUrl(role);
  try {
    await waitFor(async () => ((await fetch(`${url}/-/ready`)).status === 200 ? true : undefined), 60_000);
  } catch (err) {
    await role.stop('SIGKILL');
    throw new Error(`store ${name} did not get ready:\n${role.output().slice(-4000)}`, { cause: err });
  }
  return { role, url };
}

describe('tidemark store processes aggregating their own partitions', () => {
  it('publish every window once with its value when the merging store is killed and the other takes its partitions over', async () => {
    // One series per partition, all of team "core": +1, +2, +3 per 10 s.
    const series: { labels: Record<string, string>; step: number }[] = [];
    for (let i = 0; series.length < PARTITIONS; i++) {
      const labels = { __name__: 'jobs_done_total', team: 'core', worker: `w${i}` };
      if (series.some((s) => partitionForHash(seriesHash(s.labels), PARTITIONS) === partitionForHash(seriesHash(labels), PARTITIONS))) continue;
      series.push({ labels, step: series.length + 1 });
    }
    /** Minutes (from, to] of every series, then each partition's promise that nothing older follows. */
    const minutes = (from: number, to: number) => {
      const records = [];
      for (const s of series) {
        const timestamps: number[] = [];
        for (let k = from * 6 + (from === 0 ? 0 : 1); k <= to * 6; k++) timestamps.push(T0 + k * 10_000);
        records.push({ partition: partitionForHash(seriesHash(s.labels), PARTITIONS), value: encodeSampleBatch({ series: [{ labels: s.labels, timestamps, values: timestamps.map((t) => ((t - T0) / 10_000) * s.step), stale: [] }] }, 'test') });
      }
      for (let p = 0; p < PARTITIONS; p++) records.push({ partition: p, value: encodeProducerWatermark({ producer: 'test', source: 'test', watermarkMs: T0 + to * 60_000, lagMs: 0, idle: false }) });
      return records;
    };

    const want = new Map<string, number>();
    for (let m = 0; m <= MINUTES; m++) {
      // The samples at T0 close window (T0-60s, T0]: each series' first, a baseline. Each later
      // window holds 6 samples of each series: +6 x (1 + 2 + 3).
      want.set(`jobs_done_total:1m_by_team_increase@${m}`, m === 0 ? 0 : 36);
      want.set(`jobs_done_total:1m_by_team_total@${m}`, 36 * m);
      want.set(`jobs_done_total:1m_by_team_count_series@${m}`, 3);
    }
    /** Every output of minutes up to `m` read (a window's outputs lie on several partitions of the aggregates topic). */
    const readThrough = (m: number) => waitFor(async () => ([...want.keys()].every((k) => Number(k.split('@')[1]) > m || got.has(k)) ? true : undefined), 120_000);

    const a = await startStore('a');
    const b = await startStore('b').catch(async (err: unknown) => {
      await a.role.stop('SIGKILL');
      throw err;
    });
    const bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    const got = new Map<string, number[]>();
    const reader = await bus.consume({ group: ns.group('reader'), topic: topics.aggregates, fromBeginning: true }, async (batch) => {
      for (const r of batch.records) {
        const rec = decodeSamplesTopicRecord(r.value);
        if (rec.kind !== 'samples') continue;
        for (const s of rec.batch.series) {
          s.timestamps.forEach((t, k) => {
            const key = `${s.labels.__name__}@${(t - T0) / 60_000}`;
            got.set(key, [...(got.get(key) ?? []), s.values[k]!]);
          });
        }
      }
    });
    let survivor: { role: RoleProcess; url: string } | undefined;
    try {
      // Both stores aggregate: between them they hold every partition.
      await waitFor(async () => {
        const [sa, sb] = await Promise.all([status(a.url), status(b.url)]);
        return sa.partitions.length > 0 && sb.partitions.length > 0 && [...sa.partitions, ...sb.partitions].sort().join() === '0,1,2' ? true : undefined;
      }, 90_000);
      await bus.produce(topics.samples, minutes(0, 3));
      await readThrough(3);

      // The store that merges is killed; the other takes over its partitions and the merging.
      const [sa, sb] = await Promise.all([status(a.url), status(b.url)]);
      expect([sa.merging, sb.merging].sort()).toEqual([false, true]);
      const [killed, other] = sa.merging === true ? [a, b] : [b, a];
      survivor = other;
      await killed.role.stop('SIGKILL');
      await bus.produce(topics.samples, minutes(3, MINUTES));
      await readThrough(MINUTES);
      const after = await status(other.url);
      expect(after.partitions).toEqual([0, 1, 2]);
      expect(after.merging).toBe(true);
    } finally {
      await reader.stop();
      await bus.close();
      await a.role.stop('SIGKILL');
      await b.role.stop('SIGKILL');
    }
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    // Published again after the takeover is fine (the stores keep a sample once), never with another value.
    for (const [k, values] of got) expect(new Set(values), k).toEqual(new Set([want.get(k)]));
    expect(survivor?.role.output()).toMatch(/aggregation merger holds the partials/);
  }, 300_000);
});
