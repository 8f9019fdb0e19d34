import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { decodeSamplesTopicRecord } from '../../../schemas/index.js';
import { allDurable, produceSteps, readBack, waitUntil, type Dataset } from './store-test-data.js';

const TOPIC = 'samples';

describe('store workers and producer watermarks', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let worker: StoreWorker;
  const expected: Dataset = new Map();
  const kinds = new Map<string, number>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-wm-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    await bus.ensureTopic(TOPIC, 3);
    await bus.ensureTopic('dlq', 1);
    worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'dlq', config: { data_dir: join(dir, 'store'), flush_interval_ms: 50 } });
    await worker.start();
    await waitUntil(() => worker.ready(), 'ready');
    const sink = new BusSampleSink({ bus, topic: TOPIC, partitions: 3, source: 'test', watermarks: { periodMs: 5, lagMs: 0 } });
    for (let step = 0; step < 10; step++) {
      await produceSteps(sink, 'm', 4, step, step + 1, expected);
      await new Promise((r) => setTimeout(r, 10));
    }
    await sink.close();
    const reader = await bus.consume({ group: 'count', topic: TOPIC, fromBeginning: true }, async (b) => {
      for (const r of b.records) {
        const k = decodeSamplesTopicRecord(r.value).kind;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
    });
    const total = async () => (await bus.offsets(TOPIC)).reduce((n, o) => n + o.high, 0);
    await waitUntil(async () => [...kinds.values()].reduce((a, b) => a + b, 0) >= (await total()), 'counted');
    await reader.stop();
    await waitUntil(() => allDurable(bus, TOPIC, [worker]), 'durable');
  });

  afterAll(async () => {
    await worker?.stop();
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('store every sample, skip the watermark records between them, and commit past them', async () => {
    expect(kinds.get('watermark') ?? 0).toBeGreaterThan(0);
    expect(await readBack(worker, 'm')).toEqual(expected);
    // Skipped, not dead-lettered.
    expect((await bus.offsets('dlq'))[0]!.high).toBe(0);
  });
});
