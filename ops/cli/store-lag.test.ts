import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LagBackpressure, OverloadedError } from '../../connectors/http-edge/index.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { storeLagReader } from './store-lag.js';

let dir: string;
let bus: EmbeddedBus;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-lag-'));
  bus = await EmbeddedBus.open({ dataDir: dir });
  await bus.ensureTopic('samples', 2);
});
afterAll(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

it('refuses pushes with 429 once the store group lags beyond the bound, and accepts them again when it catches up', async () => {
  const lag = storeLagReader(() => bus, 'store', 'samples');
  const guard = new LagBackpressure({ readLag: lag, maxLag: 3 });
  await guard.poll();
  expect(() => guard.check()).not.toThrow();

  await bus.produce('samples', [0, 1, 0, 1, 0].map((partition) => ({ partition, value: Buffer.from('x') })));
  expect(await lag()).toBe(5);
  await guard.poll();
  expect(() => guard.check()).toThrow(OverloadedError);

  await bus.resetGroup('store', 'samples', 'latest');
  await guard.poll();
  expect(() => guard.check()).not.toThrow();
});

it('counts what the store group applied, not what it committed, so a store that keeps its head in memory does not hold pushes back', async () => {
  await bus.ensureTopic('applied-samples', 1);
  await bus.produce('applied-samples', [0, 0, 0, 0].map((partition) => ({ partition, value: Buffer.from('x') })));
  const lag = storeLagReader(() => bus, 'applied-store', 'applied-samples');
  expect(await lag()).toBe(4);
  let committed!: () => void;
  const done = new Promise<void>((r) => (committed = r));
  // Durable up to offset 1 only (a store.wal bus shard before it cut a block), applied all four.
  const consumer = await bus.consume({ group: 'applied-store', topic: 'applied-samples', fromBeginning: true }, async (b) => {
    await b.commit(1, b.records[b.records.length - 1].offset + 1);
    if (b.records[b.records.length - 1].offset === 3) committed();
  });
  await done;
  await consumer.stop();
  expect(await lag()).toBe(0);
  expect((await bus.lag('applied-store', 'applied-samples'))[0]).toMatchObject({ committed: 1, lag: 3, applied: 4, appliedLag: 0 });
});
