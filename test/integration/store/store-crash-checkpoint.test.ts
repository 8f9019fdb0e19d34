// Crash safety of the store's head checkpoints (store.wal: bus): a child process produces and
// stores on the embedded bus, writing a checkpoint at every flush, and is SIGKILLed the moment a
// checkpoint directory appears (while it is being written), the moment its open file appears (the
// files of the checkpoint before linked, the new ones being written), or the moment it is renamed into
// place (before the offset file follows), and at random moments in between; a last, clean worker
// must then hold exactly what the bus holds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { runAndKill, type KillOnEntry } from './crash-runner.js';
import { allDurable, differences, durability, errorsToStderr, onTheBus, readBack, waitUntil, waitWhileProgressing } from './store-test-data.js';

const PARTITIONS = 3;
const SERIES = 12;
const KILLS = Number(process.env.STORE_CRASH_KILLS ?? 18);
const TOPIC = 'samples';
const DLQ = 'deadletter';
const CONFIG = { wal: 'bus', head_checkpoint_interval_ms: 1 } as const;
/** A file of a checkpoint's parts (series labels, closed chunks, open chunks), linked or written. */
const PART = /^(series\.\d{8}|chunks\.\d{8}|open)$/;

/**
 * What a kill left in the shard directories: checkpoints cut off while written, those of them
 * with parts in place already, and checkpoints the offset file is behind.
 */
function leftBehind(shardsDir: string): { unfinished: number; withParts: number; offsetBehind: number } {
  let unfinished = 0;
  let withParts = 0;
  let offsetBehind = 0;
  if (!existsSync(shardsDir)) return { unfinished, withParts, offsetBehind };
  for (const shard of readdirSync(shardsDir)) {
    const dir = join(shardsDir, shard);
    const entries = readdirSync(dir);
    for (const f of entries.filter((e) => /^head-checkpoint\.\d+\.tmp$/.test(e))) {
      unfinished++;
      if (readdirSync(join(dir, f)).some((p) => PART.test(p))) withParts++;
    }
    const done = entries.filter((f) => /^head-checkpoint\.\d+$/.test(f)).sort();
    if (done.length === 0 || !entries.includes('offset.json')) continue;
    const { position } = JSON.parse(readFileSync(join(dir, done[done.length - 1], 'checkpoint.json'), 'utf8')) as { position: number };
    const { offset } = JSON.parse(readFileSync(join(dir, 'offset.json'), 'utf8')) as { offset: number };
    if (offset < position) offsetBehind++;
  }
  return { unfinished, withParts, offsetBehind };
}

describe('store worker writing head checkpoints on the embedded bus under kill -9', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-crash-checkpoint-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses and doubles no acknowledged sample when killed while a checkpoint is written and right after', async () => {
    const shardsDir = join(dir, 'store', 'shards');
    const during: KillOnEntry = { dir: shardsDir, name: /head-checkpoint\.\d+\.tmp$/ };
    // The open file is made once the files of the checkpoint before are linked, and filled after.
    const within: KillOnEntry = { dir: shardsDir, name: /head-checkpoint\.\d+\.tmp\/open$/ };
    const after: KillOnEntry = { dir: shardsDir, name: /head-checkpoint\.\d+$/ };
    const acked = new Set<number>();
    let next = 0;
    let unfinished = 0;
    let withParts = 0;
    let offsetBehind = 0;
    for (let run = 0; run < KILLS; run++) {
      // The first run creates the shard directories the others watch.
      const when = run === 0 || run % 4 === 3 ? { afterReadyMs: 200 + Math.random() * 1000 } : { onEntry: [after, during, within][run % 4] };
      const r = await runAndKill({ mode: 'embedded', dataDir: dir, topic: TOPIC, deadLetterTopic: DLQ, group: 'store', partitions: PARTITIONS, metric: 'crash', series: SERIES, fromStep: next, config: CONFIG }, when);
      for (const s of r.acked) acked.add(s);
      next = r.acked.length > 0 ? Math.max(...r.acked) + 2 : next + 1;
      const left = leftBehind(shardsDir);
      unfinished += left.unfinished;
      withParts += left.withParts;
      offsetBehind += left.offsetBehind;
    }
    // The kills landed where they were aimed: some cut a checkpoint off, some came before the offset file.
    expect(unfinished, 'kills that left an unfinished checkpoint').toBeGreaterThan(0);
    expect(withParts, 'kills that left an unfinished checkpoint with parts in place').toBeGreaterThan(0);
    expect(offsetBehind, 'kills that left the offset file behind the newest checkpoint').toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(KILLS * 3);

    const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    const worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: DLQ, logger: errorsToStderr, config: { data_dir: join(dir, 'store'), flush_interval_ms: 100, block_range_ms: 600_000, ...CONFIG } });
    try {
      const { dataset: produced, steps: onBus } = await onTheBus(bus, TOPIC);
      for (const s of acked) expect(onBus.has(s), `acknowledged step ${s} is on the bus`).toBe(true);

      await worker.start();
      await waitUntil(() => worker.ready(), 'ready');
      await waitWhileProgressing(() => allDurable(bus, TOPIC, [worker]), () => durability(bus, TOPIC, [worker]));
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
