import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { decodeSampleBatch, encodeSampleBatch } from '../../schemas/sample-batch-codec.js';
import { mockKafkaBusSettings } from '../harness/kafkajs-mock-workarounds.js';
import { startKafkaMock } from '../harness/services.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { nodeLikeBatch } from './sample-batches.js';

const PARTITIONS = 8;
const SERIES_PER_RECORD = 2_000;
const RECORDS = 500;
const IN_FLIGHT = 8;

/**
 * encode -> produce -> consume -> decode, one process, samples/s from the first encode until the
 * consumer decoded the last record. Producer and consumer share the process (and the machine's
 * two cores with the broker, for Kafka).
 */
async function endToEnd(bus: Bus, topic: string): Promise<{ samplesPerSec: number; mbPerSec: number }> {
  const batches = Array.from({ length: 16 }, (_, i) => nodeLikeBatch(SERIES_PER_RECORD, 1, i));
  const total = RECORDS * SERIES_PER_RECORD;
  let decoded = 0;
  let bytes = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const consumer = await bus.consume({ group: `bench-${Date.now()}`, topic, fromBeginning: true }, async (batch) => {
    for (const r of batch.records) {
      decoded += decodeSampleBatch(r.value).series.length;
      bytes += r.value.length;
    }
    await batch.commit();
    if (decoded >= total) done();
  });
  await consumer.ready;
  const start = performance.now();
  let next = 0;
  const producer = async () => {
    while (next < RECORDS) {
      const i = next++;
      await bus.produce(topic, [{ partition: i % PARTITIONS, value: encodeSampleBatch(batches[i % batches.length]) }]);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, producer));
  await finished;
  const secs = (performance.now() - start) / 1000;
  await consumer.stop();
  return { samplesPerSec: total / secs, mbPerSec: bytes / secs / 1e6 };
}

export const busThroughputBenchmark: Benchmark = {
  area: 'bus',
  async run() {
    const rows: BenchResult[] = [];
    const shape = `${RECORDS} records x ${SERIES_PER_RECORD} series, ${PARTITIONS} partitions`;

    const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-bus-'));
    const embedded = await EmbeddedBus.open({ dataDir: dir });
    try {
      await embedded.ensureTopic('bench.samples', PARTITIONS);
      const r = await endToEnd(embedded, 'bench.samples');
      rows.push({
        name: `bus end to end (encode, produce+fsync, consume, decode), ${shape}`,
        subject: 'tidemark embedded bus',
        value: r.samplesPerSec,
        unit: 'samples/s',
        goal: '>= 1M samples/s',
        note: `${r.mbPerSec.toFixed(1)} MB/s`,
      });
    } finally {
      await embedded.close();
      await rm(dir, { recursive: true, force: true });
    }

    // Plain and idempotent producers alternately, each on its own topic, twice: the cost of
    // idempotence (bus.kafka.producer.idempotent) is the difference.
    const mock = await startKafkaMock({ initialTopics: Object.fromEntries([0, 1, 2, 3].map((i) => [`bench.samples.${i}`, PARTITIONS])) });
    const runs: Record<'plain' | 'idempotent', number[]> = { plain: [], idempotent: [] };
    try {
      for (let i = 0; i < 4; i++) {
        const mode = i % 2 === 0 ? 'plain' : 'idempotent';
        const kafka = new KafkaBus(mockKafkaBusSettings(mock.brokers, { partitionsConsumedConcurrently: PARTITIONS, idempotent: mode === 'idempotent' }));
        try {
          runs[mode].push((await endToEnd(kafka, `bench.samples.${i}`)).samplesPerSec);
        } finally {
          await kafka.close();
        }
      }
    } finally {
      await mock.stop();
    }
    const best = (xs: number[]): number => Math.max(...xs);
    const spread = (xs: number[]): string => xs.map((x) => `${(x / 1e6).toFixed(2)}M`).join(', ');
    rows.push({
      name: `bus end to end (encode, produce acks=all, consume, decode), ${shape}`,
      subject: 'tidemark kafka adapter (3-broker librdkafka mock)',
      value: best(runs.plain),
      unit: 'samples/s',
      goal: '>= 500k samples/s',
      note: `best of 2 runs alternated with the idempotent producer (${spread(runs.plain)})`,
    });
    rows.push({
      name: `bus end to end (encode, produce acks=all, consume, decode), ${shape}, idempotent producer`,
      subject: 'tidemark kafka adapter (3-broker librdkafka mock)',
      value: best(runs.idempotent),
      unit: 'samples/s',
      note: `bus.kafka.producer.idempotent: true (one request in flight per broker); best of 2 runs (${spread(runs.idempotent)})`,
    });
    return rows;
  },
};
