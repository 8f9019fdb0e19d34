import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { newSink, T0, waitUntil } from './store-test-data.js';

const TOPIC = 'samples';
const PARTITIONS = 4;

describe("a store's change logs", () => {
  let dir: string;
  let bus: EmbeddedBus;
  let worker: StoreWorker | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-change-log-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    await bus.ensureTopic(TOPIC, PARTITIONS);
    await bus.ensureTopic('deadletter', 1);
  });

  afterEach(async () => {
    await worker?.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keep store.change_log_max_names name references for the whole topic, each partition its share', async () => {
    // 4 references over 4 partitions: each shard's log describes its last record only.
    worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'deadletter', config: { data_dir: join(dir, 'store'), flush_interval_ms: 50, change_log_max_names: PARTITIONS } });
    await worker.start();
    await waitUntil(() => worker!.ready(), 'worker ready');
    // One record per name, each touching that name only: 12 records over 4 partitions.
    const sink = newSink(bus, TOPIC, PARTITIONS);
    for (let i = 0; i < 12; i++) {
      const app = sink.appender();
      app.append({ __name__: `m${i}`, job: 'j' }, T0, i);
      await app.commit();
    }
    const offsets = await bus.offsets(TOPIC);
    await waitUntil(async () => (await worker!.changes({ checks: [] })).applied.every((a) => a.offset === offsets[a.partition].high), 'records applied');
    // A name no record touched: "changed" only where the log no longer reaches back to offset 0.
    const absent = { matchers: [{ type: '=' as const, name: '__name__', value: 'absent' }], start: T0 - 1, end: T0 + 1 };
    const { changed } = await worker.changes({ checks: offsets.map((o) => ({ since: [{ topic: TOPIC, partition: o.partition, offset: 0 }], selections: [absent] })) });
    expect(offsets.map((o) => o.high).reduce((a, b) => a + b, 0)).toBe(12);
    expect(changed).toEqual(offsets.map((o) => o.high > 1));
    expect(changed.some(Boolean)).toBe(true);
  });
});
