import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../../pipeline/bus/bus.js';
import { withDeadLetter, type DecodedRecord } from '../../../pipeline/bus/dead-letter.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import { decodeDeadLetter, decodeSampleBatch, encodeSampleBatch, type DecodedSampleBatch } from '../../../schemas/index.js';
import { RecordCollector, createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../../harness/index.js';

const good = (n: number) =>
  encodeSampleBatch({ series: [{ labels: { __name__: 'm', n: String(n) }, timestamps: [n], values: [n], stale: [] }] });

/** Runs the same scenario on a bus: good, garbage, good, truncated, good records on one partition. */
async function scenario(bus: Bus, topic: string, dlq: string, group: string) {
  const truncated = good(99).subarray(0, 20);
  await bus.produce(topic, [
    { partition: 0, value: good(1) },
    { partition: 0, value: Buffer.from('garbage') },
    { partition: 0, value: good(2) },
    { partition: 0, value: truncated },
    { partition: 0, value: good(3) },
  ]);
  const decoded: DecodedRecord<DecodedSampleBatch>[] = [];
  const deadSeen: string[] = [];
  const collector = new RecordCollector();
  const handler = withDeadLetter(
    { bus, deadLetterTopic: dlq, group, decode: decodeSampleBatch, onDeadLetter: (_r, reason) => deadSeen.push(reason) },
    async (batch, ok) => {
      decoded.push(...ok);
      await batch.commit();
      await collector.handler(batch);
    },
  );
  const consumer = await bus.consume({ group, topic, fromBeginning: true }, handler);
  await collector.waitFor((rs) => rs.length >= 5);
  await consumer.stop();

  const dlqCollector = new RecordCollector();
  const dlqConsumer = await bus.consume({ group: `${group}-dlq`, topic: dlq, fromBeginning: true }, dlqCollector.handler);
  await dlqCollector.waitFor((rs) => rs.length >= 2);
  await dlqConsumer.stop();
  return { decoded, deadSeen, dead: dlqCollector.records.map((r) => decodeDeadLetter(r.value)), truncated };
}

function expectDeadLettered(r: Awaited<ReturnType<typeof scenario>>, topic: string, group: string) {
  expect(r.decoded.map((d) => d.value.series[0].labels.n)).toEqual(['1', '2', '3']);
  expect(r.deadSeen).toHaveLength(2);
  expect(r.dead.map((d) => [d.topic, d.partition, d.offset, d.group])).toEqual([
    [topic, 0, 1, group],
    [topic, 0, 3, group],
  ]);
  expect(r.dead[0].originalValue.toString()).toBe('garbage');
  expect(r.dead[0].reason).toMatch(/not Avro single-object encoding/);
  expect(Buffer.compare(r.dead[1].originalValue, r.truncated)).toBe(0);
  expect(r.dead[1].reason.length).toBeGreaterThan(0);
}

describe('undecodable records', () => {
  describe('on the embedded bus', () => {
    let dir: string;
    let bus: EmbeddedBus;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tidemark-dlq-'));
      bus = await EmbeddedBus.open({ dataDir: dir });
      await bus.ensureTopic('samples', 1);
      await bus.ensureTopic('deadletter', 1);
    });
    afterAll(async () => {
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('go to the dead-letter topic with their origin and reason while the consumer carries on', async () => {
      expectDeadLettered(await scenario(bus, 'samples', 'deadletter', 'store'), 'samples', 'store');
      expect((await bus.committedOffsets('store', 'samples'))[0].offset).toBe(5);
    });
  });

  describe('on Kafka', () => {
    it('go to the dead-letter topic with their origin and reason while the consumer carries on', async () => {
      const ns = testNamespace('dead-letter');
      const topic = ns.topic('samples');
      const dlq = ns.topic('deadletter');
      await Promise.all([createKafkaTopic(topic, 1), createKafkaTopic(dlq, 1)]);
      const bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
      try {
        const group = ns.group('store');
        expectDeadLettered(await scenario(bus, topic, dlq, group), topic, group);
      } finally {
        await bus.close();
      }
    });
  });
});
