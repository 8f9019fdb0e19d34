import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../../harness/index.js';
import { runAndKill } from './crash-runner.js';
import { allDurable, differences, durability, errorsToStderr, newSink, produceSteps, readBack, waitUntil, type Dataset } from './store-test-data.js';

const PARTITIONS = 4;
const SERIES = 40;
const KILLS = Number(process.env.STORE_CRASH_KILLS ?? 20);

describe('store worker on the Kafka adapter under kill -9', () => {
  const ns = testNamespace('store-crash-kafka');
  const topic = ns.topic('samples');
  const dlq = ns.topic('deadletter');
  const group = ns.group('store');
  let dir: string;
  let bus: KafkaBus;
  // The test's producer loop; stopped before the bus closes, even when the test failed.
  let producing = false;
  let producer: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-crash-kafka-'));
    await createKafkaTopic(topic, PARTITIONS);
    await createKafkaTopic(dlq, 1);
    bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers(), { partitionsConsumedConcurrently: PARTITIONS }));
  });
  afterAll(async () => {
    producing = false;
    await producer.catch(() => undefined);
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses and doubles no sample across 20 SIGKILLs during continuous ingest', async () => {
    const expected: Dataset = new Map();
    const sink = newSink(bus, topic, PARTITIONS);
    producing = true;
    let step = 0;
    producer = (async () => {
      while (producing) {
        await produceSteps(sink, 'crash', SERIES, step, step + 1, expected);
        step++;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();

    const args = { mode: 'kafka' as const, dataDir: dir, topic, deadLetterTopic: dlq, group, partitions: PARTITIONS, brokers: kafkaBrokers() };
    let killedReady = 0;
    for (let run = 0; run < KILLS; run++) {
      // Most kills land while the worker ingests; every fourth at any moment of its start-up.
      const when = run % 4 === 3 ? { sinceSpawnMs: 500 + Math.random() * 4000 } : { afterReadyMs: Math.random() * 1500 };
      const r = await runAndKill(args, when);
      if (r.wasReady) killedReady++;
      if (process.env.STORE_CRASH_DEBUG) process.stderr.write(`run ${run}: ready after ${r.readyAfterMs} ms, step ${step}\n`);
    }
    producing = false;
    await producer;
    expect(killedReady).toBeGreaterThanOrEqual(KILLS / 2);

    // A last, clean run reads everything back from the shards on disk plus the bus after them.
    const worker = new StoreWorker({ bus, topic, deadLetterTopic: dlq, logger: errorsToStderr, config: { data_dir: join(dir, 'store'), group, flush_interval_ms: 100, block_range_ms: 600_000 } });
    try {
      await worker.start();
      await waitUntil(() => worker.ready(), 'ready');
      await waitUntil(() => allDurable(bus, topic, [worker]), () => durability(bus, topic, [worker]));
      // Every shard's write-ahead log replayed whole: a refused sample is one the shard lost.
      for (const p of worker.partitions()) expect(worker.shard(p)!.tsdb.replayErrors, `WAL samples refused on replay, partition ${p}`).toBe(0);
      const stored = await readBack(worker, 'crash');
      expect(stored.size).toBe(SERIES);
      expect(differences(stored, expected), 'stored samples against those produced').toEqual([]);
      expect(stored).toEqual(expected);
      // The shards really were rebuilt across runs: blocks were cut and persisted.
      const blocks = worker.partitions().reduce((n, p) => n + worker.shard(p)!.tsdb.stats().blocks, 0);
      expect(blocks).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
  }, 600_000);
});
