import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { decodeSamplesTopicRecord, encodeProducerWatermark, encodeSampleBatch, partitionForHash, seriesHash } from '../../schemas/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../harness/index.js';
import { waitFor } from './cli-process.js';
import { listeningUrl, spawnRole } from './role-process.js';

/** The distributed store role runs the aggregation rules on Kafka, as `tidemark up` does on the embedded bus. */
const PARTITIONS = 3;
const ns = testNamespace('aggregation-store');
const topics = { samples: ns.topic('samples'), aggregates: ns.topic('aggregates'), alerts: ns.topic('alerts'), deadletter: ns.topic('deadletter'), metadata: ns.topic('metadata') };
const T0 = 1_700_000_040_000; // a whole minute

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-aggregation-store-'));
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
    'aggregates:',
    '  - match: jobs_done_total',
    '    interval: 1m',
    '    by: [team]',
    '    outputs: [increase, count_series]',
    '',
  ].join('\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tidemark store with aggregates on Kafka', () => {
  it('merges a `by` over series on every partition and publishes the window\'s outputs to the aggregates topic', async () => {
    const store = spawnRole(['store', '--config', config, '--kafka', kafkaBrokers().join(','), '--data', join(dir, 'store'), '--listen', '127.0.0.1:0']);
    const bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    try {
      const url = await listeningUrl(store);
      await waitFor(async () => ((await fetch(`${url}/-/ready`)).status === 200 ? true : undefined), 90_000);
      // One series per partition, all of team "core": +1, +2, +3 per 10 s.
      const series: { labels: Record<string, string>; step: number }[] = [];
      for (let i = 0; series.length < PARTITIONS; i++) {
        const labels = { __name__: 'jobs_done_total', team: 'core', worker: `w${i}` };
        if (series.some((s) => partitionForHash(seriesHash(s.labels), PARTITIONS) === partitionForHash(seriesHash(labels), PARTITIONS))) continue;
        series.push({ labels, step: series.length + 1 });
      }
      const records = [];
      for (const s of series) {
        const timestamps = [0, 1, 2, 3, 4, 5, 6].map((k) => T0 + k * 10_000);
        records.push({ partition: partitionForHash(seriesHash(s.labels), PARTITIONS), value: encodeSampleBatch({ series: [{ labels: s.labels, timestamps, values: timestamps.map((_t, k) => k * s.step), stale: [] }] }, 'test') });
      }
      for (let p = 0; p < PARTITIONS; p++) {
        records.push({ partition: p, value: encodeProducerWatermark({ producer: 'test', source: 'test', watermarkMs: T0 + 60_000, lagMs: 0, idle: false }) });
      }
      await bus.produce(topics.samples, records);

      const got = new Map<string, number>();
      const reader = await bus.consume({ group: ns.group('reader'), topic: topics.aggregates, fromBeginning: true }, async (b) => {
        for (const r of b.records) {
          const rec = decodeSamplesTopicRecord(r.value);
          if (rec.kind !== 'samples') continue;
          // A record may carry several windows' samples of a series (an output series keeps its labels object).
          for (const s of rec.batch.series) s.timestamps.forEach((t, k) => got.set(`${s.labels.__name__}{team="${s.labels.team}"}@${t - T0}`, s.values[k]!));
        }
      });
      try {
        await waitFor(async () => (got.size >= 4 ? true : undefined), 90_000);
      } finally {
        await reader.stop();
      }
      // The sample at T0 closes window (T0-60s, T0]: each series' first, a baseline (increase 0).
      // Window (T0, T0+60s] holds samples 1..6 of each series.
      expect(Object.fromEntries(got)).toEqual({
        'jobs_done_total:1m_by_team_increase{team="core"}@0': 0,
        'jobs_done_total:1m_by_team_count_series{team="core"}@0': 3,
        'jobs_done_total:1m_by_team_increase{team="core"}@60000': 6 * (1 + 2 + 3),
        'jobs_done_total:1m_by_team_count_series{team="core"}@60000': 3,
      });
      const status = (await (await fetch(`${url}/api/v1/status/aggregates`)).json()) as { data: { partitions: number[]; partitionsMissing: number } };
      expect(status.data.partitions).toEqual([0, 1, 2]);
      expect(status.data.partitionsMissing).toBe(0);
      // The aggregator took the records the store decoded instead of decoding them again.
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/tidemark_aggregation_records_total\{decoded_by="store"\} [1-9]/);
    } finally {
      await bus.close();
      const code = await store.stop();
      if (code !== 0) console.log(store.output());
      expect(code).toBe(0);
    }
  }, 240_000);
});
