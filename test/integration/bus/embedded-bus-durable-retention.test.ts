import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';

const dirs: string[] = [];
const buses: EmbeddedBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const HOUR = 3600_000;

/** A bus whose clock the test moves; segments of about five 200-byte records. */
async function openBus(clock: { now: number }, durableGroups: string[]): Promise<EmbeddedBus> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-durable-retention-'));
  dirs.push(dir);
  const bus = await EmbeddedBus.open({
    dataDir: dir,
    logger: quiet,
    now: () => clock.now,
    durableGroups,
    config: { segment_bytes: 1024, replay_window_ms: 2 * HOUR, retention_check_interval_ms: 3600_000 },
  });
  buses.push(bus);
  await bus.ensureTopic('samples', 2);
  await bus.ensureTopic('other', 1);
  for (let i = 0; i < 40; i++) {
    await bus.produce('samples', [0, 1].map((partition) => ({ partition, value: Buffer.alloc(200, i) })));
    await bus.produce('other', [{ partition: 0, value: Buffer.alloc(200, i) }]);
  }
  return bus;
}

const lows = async (bus: EmbeddedBus, topic: string): Promise<number[]> => (await bus.offsets(topic)).map((o) => o.low);

describe('embedded bus retention that follows the store group', () => {
  it('deletes what the store group made durable once it is older than the replay window, and no more', async () => {
    const clock = { now: 10 * HOUR };
    const bus = await openBus(clock, ['store']);
    await bus.resetGroup('store', 'samples', { offset: 30 });
    // Within the window nothing goes.
    clock.now += HOUR;
    expect(await bus.enforceRetention()).toBe(0);
    clock.now += 2 * HOUR;
    expect(await bus.enforceRetention()).toBeGreaterThan(0);
    for (const low of await lows(bus, 'samples')) {
      expect(low).toBeGreaterThan(0);
      expect(low).toBeLessThanOrEqual(30);
    }
    // A topic the store group never committed on keeps its records (bus.embedded.retention_ms: 7 days).
    expect(await lows(bus, 'other')).toEqual([0]);
  });

  it('keeps every record below the lowest offset of all durable groups', async () => {
    const clock = { now: 10 * HOUR };
    const bus = await openBus(clock, ['store', 'store-b']);
    await bus.resetGroup('store', 'samples', { offset: 40 });
    await bus.resetGroup('store-b', 'samples', { offset: 10 });
    clock.now += 3 * HOUR;
    await bus.enforceRetention();
    for (const low of await lows(bus, 'samples')) expect(low).toBeLessThanOrEqual(10);
    await bus.resetGroup('store-b', 'samples', { offset: 40 });
    await bus.enforceRetention();
    expect(await lows(bus, 'samples')).toEqual([40, 40]);
  });

  it('keeps records by time and size only for a group that is not named durable', async () => {
    const clock = { now: 10 * HOUR };
    const bus = await openBus(clock, []);
    await bus.resetGroup('store', 'samples', { offset: 40 });
    clock.now += 3 * HOUR;
    expect(await bus.enforceRetention()).toBe(0);
    expect(await lows(bus, 'samples')).toEqual([0, 0]);
  });
});
