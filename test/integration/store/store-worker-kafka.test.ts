import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { decodeDeadLetter } from '../../../schemas/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, RecordCollector, testNamespace } from '../../harness/index.js';
import { allDurable, commitsFollowShards, newSink, produceSteps, readBack, waitUntil, type Dataset } from './store-test-data.js';

const PARTITIONS = 4;

describe('StoreWorker on the Kafka adapter (3-broker mock)', () => {
  const ns = testNamespace('store-kafka');
  let dir: string;
  const buses: KafkaBus[] = [];
  const newBus = (): KafkaBus => {
    const b = new KafkaBus(mockKafkaBusSettings(kafkaBrokers(), { partitionsConsumedConcurrently: PARTITIONS }));
    buses.push(b);
    return b;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-kafka-'));
  });
  afterAll(async () => {
    for (const b of buses) await b.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores exactly what was produced, a repeated record once, and dead-letters garbage', async () => {
    const topic = ns.topic('samples');
    const dlq = ns.topic('dlq');
    await createKafkaTopic(topic, PARTITIONS);
    await createKafkaTopic(dlq, 1);
    const bus = newBus();
    const registry = new Registry();
    const worker = new StoreWorker({ bus, topic, deadLetterTopic: dlq, registry, config: { data_dir: join(dir, 'one'), group: ns.group('one'), flush_interval_ms: 100 } });
    try {
      const expected: Dataset = new Map();
      const sink = newSink(bus, topic, PARTITIONS);
      await produceSteps(sink, 'm', 24, 0, 10, expected);
      await worker.start();
      await waitUntil(() => worker.ready(), 'ready');
      const [garbage] = await bus.produce(topic, [{ partition: 2, value: Buffer.from([0xc3, 0x01, 0xff]) }]);
      await produceSteps(sink, 'm', 24, 10, 20, expected);
      await produceSteps(sink, 'm', 24, 19, 20); // the last step again: a producer retry
      await waitUntil(() => allDurable(bus, topic, [worker]), 'durable');
      expect(await readBack(worker, 'm')).toEqual(expected);
      const replayed = (await registry.getSingleMetric('tidemark_store_samples_replayed_total')!.get()).values;
      expect(replayed.reduce((n, v) => n + v.value, 0)).toBe(24);

      const dead = new RecordCollector();
      const c = await bus.consume({ group: ns.group('dlq-reader'), topic: dlq }, dead.handler);
      await dead.waitFor((rs) => rs.length >= 1);
      await c.stop();
      expect(decodeDeadLetter(dead.records[0].value)).toMatchObject({ topic, partition: 2, offset: garbage.offset });
      // Offsets are committed only up to what is durable, with what was applied beside them: the
      // end. With store.wal bus the head holds every sample, so durable is the first record.
      await waitUntil(() => commitsFollowShards(bus, ns.group('one'), topic, [worker]), 'commits');
      const lag = await bus.lag(ns.group('one'), topic);
      const highs = (await bus.offsets(topic)).map((o) => o.high);
      expect(lag.map((l) => l.applied)).toEqual(highs);
      expect(lag.map((l) => l.committed)).toEqual(worker.config.wal === 'bus' ? [0, 0, 0, 0] : highs);
    } finally {
      await worker.stop();
    }
  });

  it('splits partitions between two workers, and the survivor rebuilds the leaver\'s shards from the bus', async () => {
    const topic = ns.topic('split');
    const dlq = ns.topic('split-dlq');
    await createKafkaTopic(topic, PARTITIONS);
    await createKafkaTopic(dlq, 1);
    const group = ns.group('split');
    const busA = newBus();
    const busB = newBus();
    const mk = (bus: KafkaBus, name: string) =>
      new StoreWorker({ bus, topic, deadLetterTopic: dlq, config: { data_dir: join(dir, name), group, flush_interval_ms: 100 } });
    const a = mk(busA, 'a');
    const b = mk(busB, 'b');
    try {
      const expected: Dataset = new Map();
      const sink = newSink(busA, topic, PARTITIONS);
      await produceSteps(sink, 'm', 32, 0, 10, expected);
      await Promise.all([a.start(), b.start()]);
      await waitUntil(() => a.ready() && b.ready() && a.partitions().length + b.partitions().length === PARTITIONS && a.partitions().length > 0 && b.partitions().length > 0, 'split');
      expect([...a.partitions(), ...b.partitions()].sort()).toEqual([0, 1, 2, 3]);
      await produceSteps(sink, 'm', 32, 10, 20, expected);
      await waitUntil(() => allDurable(busA, topic, [a, b]), 'durable on both');
      const fromA = await readBack(a, 'm');
      const fromB = await readBack(b, 'm');
      expect(fromA.size + fromB.size).toBe(32);
      expect(new Map([...fromA, ...fromB])).toEqual(expected);

      const moved = b.partitions();
      await b.stop();
      await waitUntil(() => a.ready() && a.partitions().length === PARTITIONS, 'takeover');
      await produceSteps(sink, 'm', 32, 20, 25, expected);
      await waitUntil(() => allDurable(busA, topic, [a]), 'durable after takeover');
      expect(await readBack(a, 'm')).toEqual(expected);
      // The taken-over shards were built from the start of the partitions in a's own directory.
      for (const p of moved) expect(a.shard(p)!.settings.dir).toBe(join(dir, 'a', 'shards', `${topic}-${p}`));
    } finally {
      await b.stop();
      await a.stop();
    }
  }, 120_000);
});
