import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import { BUS_COMPRESSIONS, type BusCompression } from '../../../pipeline/bus/record-compression.js';
import { encodeSampleBatch } from '../../../schemas/sample-batch-codec.js';
import { decodeSamplesTopicRecord } from '../../../schemas/samples-topic-record.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, RecordCollector, testNamespace } from '../../harness/index.js';

const ns = testNamespace('record-compression');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A sample batch record as a connector writes it, distinct per `n`. */
function batch(n: number): Buffer {
  return encodeSampleBatch({
    series: Array.from({ length: 30 }, (_, i) => ({
      labels: { __name__: 'node_cpu_seconds_total', job: 'node', instance: `host-${n}:9100`, cpu: String(i), mode: 'idle' },
      timestamps: [1_700_000_000_000 + n * 15_000],
      values: [n * 1000 + i + 0.25],
      stale: [],
    })),
  }, 'test');
}

/** Writers with every codec take turns on one partition; a reader gets every record as produced, in order, and decodes it. */
async function mixedCodecsRoundTrip(writers: readonly Bus[], reader: Bus, topic: string): Promise<void> {
  const sent: Buffer[] = [];
  for (let round = 0; round < 2; round++) {
    for (const w of writers) {
      const values = [batch(sent.length), batch(sent.length + 1)];
      sent.push(...values);
      await w.produce(topic, values.map((value) => ({ partition: 0, value })));
    }
  }
  const got = new RecordCollector();
  const consumer = await reader.consume({ group: ns.group(`read-${topic}`), topic, fromBeginning: true }, got.handler);
  try {
    await got.waitFor((rs) => rs.length >= sent.length);
    expect(got.records.map((r) => r.offset)).toEqual(sent.map((_, i) => i));
    got.records.forEach((r, i) => expect(r.value.equals(sent[i])).toBe(true));
    const last = decodeSamplesTopicRecord(got.records[sent.length - 1].value);
    expect(last.kind === 'samples' && last.batch.series[29].values[0]).toBe((sent.length - 1) * 1000 + 29.25);
  } finally {
    await consumer.stop();
  }
}

describe('bus.compression: records written with any codec are read by any reader', () => {
  it('on the embedded log, reopened with each setting in turn', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-compression-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const open = (compression: BusCompression) => EmbeddedBus.open({ dataDir: dir, logger: quiet, compression });
    const sent: Buffer[] = [];
    for (const compression of [...BUS_COMPRESSIONS, ...BUS_COMPRESSIONS]) {
      const bus = await open(compression);
      await bus.ensureTopic('samples', 1);
      const values = [batch(sent.length), batch(sent.length + 1)];
      sent.push(...values);
      await bus.produce('samples', values.map((value) => ({ partition: 0, value })));
      await bus.close();
    }
    for (const compression of BUS_COMPRESSIONS) {
      const bus = await open(compression);
      const got = new RecordCollector();
      const consumer = await bus.consume({ group: `read-${compression}`, topic: 'samples', fromBeginning: true }, got.handler);
      await got.waitFor((rs) => rs.length >= sent.length);
      expect(got.records.map((r) => r.offset)).toEqual(sent.map((_, i) => i));
      got.records.forEach((r, i) => expect(r.value.equals(sent[i])).toBe(true));
      await consumer.stop();
      await bus.close();
    }
  });

  it('on Kafka (the mock cluster), from producers with none, gzip and lz4 record batches', async () => {
    const writers = BUS_COMPRESSIONS.map((compression) => new KafkaBus(mockKafkaBusSettings(kafkaBrokers(), { compression })));
    for (const w of writers) cleanups.push(() => w.close());
    const topic = ns.topic('mixed');
    await createKafkaTopic(topic, 1);
    await mixedCodecsRoundTrip(writers, writers[0], topic);
  }, 60_000);
});
