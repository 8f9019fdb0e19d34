// Crash safety of the store on the embedded bus: a child process produces and stores while it is
// SIGKILLed 20 times; a last, clean worker must then hold exactly what the bus holds.
//
// Issue 17: this failed now and then. A loop of 54 runs of its logic (with the store directory
// copied before every kill) on the shared 2-core machine (load average 11-28 from other work; 36 of
// the runs beside an extra busy loop) failed 10 times (4 of 18 without the busy loop, 6 of 36 with
// it), always alike: the series of one partition lost 7-38 consecutive steps from the start of a
// block range, none were doubled and the bus held every acknowledged step. Cause: the TSDB's
// write-ahead log created a new segment empty and wrote the series dump into it after; a kill in
// between (a window that holds a directory fsync) left an empty segment. Samples appended to it
// named series refs that only older segments declared, and the next head cut deleted those, so a
// later replay dropped the samples although the shard's durable offset was past them. Fixed in
// pipeline/tsdb/wal (a segment appears only with its dump).
// Measurement, also fixed: the runner took a run's acknowledgements at the child's 'exit', which
// can come before the last "ack" lines are read, and the next run would then produce an
// acknowledged step again; and the bus's copy of a step produced twice was counted twice, where the
// store keeps the first sample at a timestamp (addExpected now follows the store's rule).
// After the fixes: 33 runs, none failed (load average 18-29; 15 of them beside a busy loop).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { runAndKill } from './crash-runner.js';
import { allDurable, differences, durability, errorsToStderr, onTheBus, readBack, waitUntil, waitWhileProgressing } from './store-test-data.js';

const PARTITIONS = 3;
const SERIES = 12;
const KILLS = Number(process.env.STORE_CRASH_KILLS ?? 20);
const TOPIC = 'samples';
const DLQ = 'deadletter';

// Each write-ahead log the store can keep (store.wal): its own per shard, or the partition itself.
describe.each(['file', 'bus'] as const)('store worker on the embedded bus under kill -9, store.wal: %s', (wal) => {
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
      const r = await runAndKill({ mode: 'embedded', dataDir: dir, topic: TOPIC, deadLetterTopic: DLQ, group: 'store', partitions: PARTITIONS, metric: 'crash', series: SERIES, fromStep: next, config: { wal } }, when);
      if (r.wasReady) killedReady++;
      for (const s of r.acked) acked.add(s);
      // The step after the last acknowledged one may be on the bus unacknowledged: never reuse it.
      next = r.acked.length > 0 ? Math.max(...r.acked) + 2 : next + 1;
    }
    expect(killedReady).toBeGreaterThanOrEqual(KILLS / 2);
    expect(acked.size).toBeGreaterThan(KILLS * 5);

    const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    const worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: DLQ, logger: errorsToStderr, config: { data_dir: join(dir, 'store'), flush_interval_ms: 100, block_range_ms: 600_000, wal } });
    try {
      // What was produced is what the bus holds.
      const { dataset: produced, steps: onBus } = await onTheBus(bus, TOPIC);
      for (const s of acked) expect(onBus.has(s), `acknowledged step ${s} is on the bus`).toBe(true);

      await worker.start();
      await waitUntil(() => worker.ready(), 'ready');
      await waitWhileProgressing(() => allDurable(bus, TOPIC, [worker]), () => durability(bus, TOPIC, [worker]));
      // Every shard's write-ahead log replayed whole: a refused sample is one the shard lost.
      for (const p of worker.partitions()) expect(worker.shard(p)!.tsdb.replayErrors, `WAL samples refused on replay, partition ${p}`).toBe(0);
      const stored = await readBack(worker, 'crash');
      expect(stored.size).toBe(SERIES);
      expect(differences(stored, produced), 'stored samples against the bus').toEqual([]);
      expect(stored).toEqual(produced);
    } finally {
      await worker.stop();
      await bus.close();
    }
  }, 600_000);
});
