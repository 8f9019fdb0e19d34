import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { decodeSampleBatch } from '../../../schemas/index.js';
import { runAndKill } from './crash-runner.js';
import { addExpected, allDurable, durability, errorsToStderr, readBack, waitUntil, type Dataset } from './store-test-data.js';

const PARTITIONS = 3;
const SERIES = 12;
const KILLS = Number(process.env.STORE_CRASH_KILLS ?? 20);
const TOPIC = 'samples';
const DLQ = 'deadletter';

describe('store worker on the embedded bus under kill -9', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-crash-embedded-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses and doubles no acknowledged sample across 20 SIGKILLs of a process producing and storing', async () => {
    // The embedded bus lives in the child, so the child produces too; each run continues after the
    // last acknowledged step, skipping the one step that may have been written but not acknowledged.
    const acked = new Set<number>();
    let next = 0;
    let killedReady = 0;
    for (let run = 0; run < KILLS; run++) {
      const when = run % 4 === 3 ? { sinceSpawnMs: 300 + Math.random() * 1500 } : { afterReadyMs: Math.random() * 1500 };
      const r = await runAndKill({ mode: 'embedded', dataDir: dir, topic: TOPIC, deadLetterTopic: DLQ, group: 'store', partitions: PARTITIONS, metric: 'crash', series: SERIES, fromStep: next }, when);
      if (r.wasReady) killedReady++;
      for (const s of r.acked) acked.add(s);
      // The step after the last acknowledged one may be on the bus unacknowledged: never reuse it.
      next = r.acked.length > 0 ? Math.max(...r.acked) + 2 : next + 1;
    }
    expect(killedReady).toBeGreaterThanOrEqual(KILLS / 2);
    expect(acked.size).toBeGreaterThan(KILLS * 5);

    const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    const worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: DLQ, logger: errorsToStderr, config: { data_dir: join(dir, 'store'), flush_interval_ms: 100, block_range_ms: 600_000 } });
    try {
      // What was produced is what the bus holds: every acknowledged step, plus perhaps parts of a
      // step whose acknowledgement the kill cut off.
      const produced: Dataset = new Map();
      const onBus = new Set<number>();
      for (const log of bus.partitionLogs(TOPIC)) {
        for (let at = log.low; at < log.high; ) {
          const { records, next: after } = await log.read(at, 1 << 20);
          for (const rec of records) {
            for (const s of decodeSampleBatch(rec.value).series) {
              s.timestamps.forEach((t, i) => {
                onBus.add((t - 1_700_000_000_000) / 15_000);
                addExpected(produced, s.labels, t, s.values[i], s.stale.includes(i));
              });
            }
          }
          at = after;
        }
      }
      for (const s of acked) expect(onBus.has(s), `acknowledged step ${s} is on the bus`).toBe(true);

      await worker.start();
      await waitUntil(() => worker.ready(), 'ready');
      await waitUntil(() => allDurable(bus, TOPIC, [worker]), () => durability(bus, TOPIC, [worker]));
      const stored = await readBack(worker, 'crash');
      expect(stored.size).toBe(SERIES);
      expect(stored).toEqual(produced);
    } finally {
      await worker.stop();
      await bus.close();
    }
  }, 600_000);
});
