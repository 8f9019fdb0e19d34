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
