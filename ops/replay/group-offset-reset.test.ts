import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { planGroupReset, ReplayTimeBeforeLogError, resetGroupOffsets } from './group-offset-reset.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const HOUR = 3600_000;
const T0 = 1_700_000_000_000;

describe('a group reset to a time', () => {
  let dir: string;
  let bus: EmbeddedBus;
  const clock = { now: T0 };

  // Partition 0 lost its first records to retention; partition 1 holds everything written.
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-group-reset-'));
    bus = await EmbeddedBus.open({
      dataDir: dir,
      logger: quiet,
      now: () => clock.now,
      durableGroups: ['store'],
      config: { segment_bytes: 1024, replay_window_ms: 2 * HOUR, retention_check_interval_ms: 3600_000 },
    });
    await bus.ensureTopic('samples', 2);
    for (let i = 0; i < 40; i++) {
      await bus.produce('samples', [{ partition: 0, value: Buffer.alloc(200, i), timestampMs: T0 + i * 1000 }]);
    }
    await bus.produce('samples', [{ partition: 1, value: Buffer.from('only'), timestampMs: T0 + 5000 }]);
    await bus.resetGroup('store', 'samples', { offset: 30 });
    clock.now += 3 * HOUR;
    await bus.enforceRetention();
  });
  afterAll(async () => {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is refused when the time is before the oldest record a partition still holds, naming that record', async () => {
    const [p0] = await bus.offsets('samples');
    expect(p0.low).toBeGreaterThan(0);
    const oldest = T0 + p0.low * 1000;
    const err = await planGroupReset(bus, 'replayer', 'samples', { timestampMs: T0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayTimeBeforeLogError);
    const e = err as ReplayTimeBeforeLogError;
    expect(e.partitions).toEqual([{ partition: 0, low: p0.low, high: 40, oldestMs: oldest }]);
    expect(e.message).toContain(`partition 0 holds offsets ${p0.low}..39 from ${new Date(oldest).toISOString()}`);
    // Nothing was moved.
    expect((await bus.committedOffsets('replayer', 'samples')).map((c) => c.offset)).toEqual([-1, -1]);
  });

  it('moves the group when the time is the oldest record a partition holds, or later', async () => {
    const [p0] = await bus.offsets('samples');
    const oldest = T0 + p0.low * 1000;
    const moves = await resetGroupOffsets(bus, 'replayer', 'samples', { timestampMs: oldest });
    expect(moves.map((m) => m.to)).toEqual([p0.low, 1]);
  });

  it('is not refused for a partition that never lost a record, however early the time', async () => {
    await bus.ensureTopic('whole', 1);
    await bus.produce('whole', [{ partition: 0, value: Buffer.from('a'), timestampMs: T0 + 5000 }, { partition: 0, value: Buffer.from('b'), timestampMs: T0 + 6000 }]);
    const moves = await planGroupReset(bus, 'replayer', 'whole', { timestampMs: 0 });
    expect(moves).toEqual([{ partition: 0, from: -1, to: 0 }]);
  });
});
