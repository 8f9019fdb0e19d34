import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus, KafkaBusError } from '../../../pipeline/bus/kafka/index.js';
import {
  createKafkaTopic,
  kafkaBrokers,
  mockKafkaBusSettings,
  RecordCollector,
  testNamespace,
} from '../../harness/index.js';

const ns = testNamespace('kafka-bus');
let bus: KafkaBus;

beforeAll(() => {
  bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
});
afterAll(async () => {
  await bus.close();
});

const val = (s: string): Buffer => Buffer.from(s);

async function newTopic(name: string, partitions: number): Promise<string> {
  const topic = ns.topic(name);
  await createKafkaTopic(topic, partitions);
  return topic;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('KafkaBus on the 3-broker mock cluster', () => {
  it('produces to explicit partitions and consumes every record back with its key, headers and timestamp', async () => {
    const topic = await newTopic('roundtrip', 3);
    expect(await bus.ensureTopic(topic, 3)).toBe(3);

    const produced = await bus.produce(topic, [
      { partition: 0, value: val('a0'), key: val('k'), timestampMs: 1_700_000_000_000, headers: { h: val('x') } },
      { partition: 2, value: val('c0') },
      { partition: 0, value: val('a1') },
    ]);
    expect(produced).toEqual([
      { partition: 0, offset: 0 },
      { partition: 2, offset: 0 },
      { partition: 0, offset: 1 },
    ]);

    const c = new RecordCollector();
    const consumer = await bus.consume({ group: ns.group('roundtrip'), topic }, c.handler);
    await consumer.ready;
    expect(consumer.assignment()).toEqual([0, 1, 2]);
    await c.waitFor((rs) => rs.length >= 3);
    await consumer.stop();

    expect(c.values(0)).toEqual(['a0', 'a1']);
    expect(c.values(1)).toEqual([]);
    expect(c.values(2)).toEqual(['c0']);
    const first = c.records.find((r) => r.value.toString() === 'a0');
    expect(first?.offset).toBe(0);
    expect(first?.key?.toString()).toBe('k');
    expect(first?.timestampMs).toBe(1_700_000_000_000);
    expect(first?.headers.h.toString()).toBe('x');
    expect(c.batches.every((b) => b.highWatermark >= b.records[b.records.length - 1].offset + 1)).toBe(true);
  });

  it('gives concurrent produce calls consecutive offsets on a shared partition', async () => {
    const topic = await newTopic('concurrent', 2);
    const calls = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        bus.produce(topic, [{ partition: 1, value: val(`x${i}`) }, { partition: 1, value: val(`y${i}`) }]),
      ),
    );
    const offsets = calls.flat().map((r) => r.offset).sort((a, b) => a - b);
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await bus.offsets(topic)).toEqual([
      { partition: 0, low: 0, high: 0 },
      { partition: 1, low: 0, high: 10 },
    ]);
  });

  it('reports low and high offsets per partition', async () => {
    const topic = await newTopic('offsets', 3);
    await bus.produce(topic, [0, 0, 0, 2].map((p) => ({ partition: p, value: val('v') })));
    expect(await bus.offsets(topic)).toEqual([
      { partition: 0, low: 0, high: 3 },
      { partition: 1, low: 0, high: 0 },
      { partition: 2, low: 0, high: 1 },
    ]);
    expect(await bus.partitionCount(topic)).toBe(3);
  });

  it('answers a timestamp lookup the broker cannot resolve with each partition high watermark', async () => {
    // librdkafka's mock answers -1 to every ListOffsets-by-time; the mapping itself is unit-tested.
    const topic = await newTopic('by-time', 2);
    await bus.produce(topic, [{ partition: 1, value: val('v'), timestampMs: 1000 }]);
    expect(await bus.offsetsForTimestamp(topic, 0)).toEqual([
      { partition: 0, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
  });

  it('rejects a record for a partition the topic does not have, naming topic and partition, and writes nothing', async () => {
    const topic = await newTopic('bad-partition', 2);
    const err = await caught(bus.produce(topic, [{ partition: 0, value: val('ok') }, { partition: 5, value: val('no') }]));
    expect(err).toBeInstanceOf(KafkaBusError);
    expect(err).toMatchObject({ code: 'invalid_argument', topic, partition: 5, retryable: false });
    expect((await bus.offsets(topic)).map((o) => o.high)).toEqual([0, 0]);
  });

  it('returns the actual partition count of a topic that already exists', async () => {
    const topic = await newTopic('existing', 5);
    expect(await bus.ensureTopic(topic, 2)).toBe(5);
  });

  it('reports a topic it cannot create (the mock has no CreateTopics) as an error naming the topic', async () => {
    const topic = ns.topic('never-created');
    const err = await caught(bus.ensureTopic(topic, 2));
    expect(err).toBeInstanceOf(KafkaBusError);
    expect(err).toMatchObject({ code: 'topic_failed', topic });
  });

  it('commits only what the handler commits, never backwards, and reports lag from the committed offsets', async () => {
    const topic = await newTopic('commit-lag', 2);
    await bus.produce(topic, [
      ...['a', 'b', 'c', 'd'].map((v) => ({ partition: 0, value: val(v) })),
      ...['e', 'f'].map((v) => ({ partition: 1, value: val(v) })),
    ]);
    const group = ns.group('commit-lag');
    const c = new RecordCollector(async (batch) => {
      if (batch.partition !== 0) return; // partition 1 is never made durable
      await batch.commit(2);
      await batch.commit(1); // a smaller offset must not move the group back
    });
    const consumer = await bus.consume({ group, topic }, c.handler);
    await c.waitFor((rs) => rs.length >= 6);

    expect(await bus.committedOffsets(group, topic)).toEqual([
      { partition: 0, offset: 2 },
      { partition: 1, offset: -1 },
    ]);
    const expected = [
      { partition: 0, committed: 2, high: 4, lag: 2, applied: 2, appliedLag: 2 },
      { partition: 1, committed: -1, high: 2, lag: 2, applied: -1, appliedLag: 2 },
    ];
    expect(await bus.lag(group, topic)).toEqual(expected);
    expect(await consumer.lag()).toEqual(expected);

    const last = c.batches.find((b) => b.partition === 0);
    await expect(last?.commit(99)).rejects.toMatchObject({ code: 'invalid_argument', partition: 0 });
    await consumer.stop();
  });

  it('holds back a paused partition while others flow, and delivers it after resume', async () => {
    const topic = await newTopic('pause', 2);
    const c = new RecordCollector();
    const consumer = await bus.consume({ group: ns.group('pause'), topic }, c.handler);
    await consumer.ready;
    consumer.pause([1]);
    await bus.produce(topic, [{ partition: 1, value: val('held') }]);
    // Several fetch rounds on partition 0 pass while partition 1 has data waiting.
    for (let i = 0; i < 3; i++) {
      await bus.produce(topic, [{ partition: 0, value: val(`r${i}`) }]);
      await c.waitFor(() => c.values(0).includes(`r${i}`));
    }
    expect(c.values(1)).toEqual([]);
    consumer.resume([1]);
    await c.waitFor(() => c.values(1).length > 0);
    expect(c.values(1)).toEqual(['held']);
    await consumer.stop();
  });

  it('seeks a partition back to an offset and to the earliest record, redelivering from there', async () => {
    const topic = await newTopic('seek', 1);
    await bus.produce(topic, ['0', '1', '2', '3', '4', '5'].map((v) => ({ partition: 0, value: val(v) })));
    const c = new RecordCollector();
    const consumer = await bus.consume({ group: ns.group('seek'), topic }, c.handler);
    await c.waitFor((rs) => rs.length >= 6);

    await consumer.seek(0, { offset: 3 });
    await c.waitFor((rs) => rs.length >= 9);
    expect(c.records.slice(6, 9).map((r) => r.offset)).toEqual([3, 4, 5]);

    await consumer.seek(0, 'earliest');
    await c.waitFor((rs) => rs.length >= 15);
    expect(c.records.slice(9).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);

    const err = await caught(consumer.seek(7, 'earliest'));
    expect(err).toMatchObject({ code: 'invalid_argument', partition: 7, topic });
    await consumer.stop();
  });
  it('produces as an idempotent producer when asked: its batches carry a producer id the brokers deduplicate by, plain ones none', async () => {
    const topic = await newTopic('idempotent', 2);
    const idempotent = new KafkaBus(mockKafkaBusSettings(kafkaBrokers(), { idempotent: true }));
    try {
      await idempotent.produce(topic, [{ partition: 0, value: val('once') }, { partition: 1, value: val('once') }]);
      await idempotent.produce(topic, [{ partition: 0, value: val('twice') }]);
    } finally {
      await idempotent.close();
    }
    await bus.produce(topic, [{ partition: 1, value: val('plain') }]);
    // The producer id is in each record batch's header on the broker: read it with a raw client.
    const raw = new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: 'idempotence-check', logLevel: kafkajs.logLevel.NOTHING });
    const consumer = raw.consumer({ groupId: ns.group('idempotent-raw') });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const producerId = (message as unknown as { batchContext: { producerId: string } }).batchContext.producerId;
          seen.push(`${partition}:${message.value?.toString()}:${producerId === '-1' ? 'none' : 'id'}`);
        },
      });
      const until = Date.now() + 30_000;
      while (seen.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await consumer.disconnect();
    }
    expect(seen.sort()).toEqual(['0:once:id', '0:twice:id', '1:once:id', '1:plain:none']);
  });
});
