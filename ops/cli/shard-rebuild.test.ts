import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { shardDirectory } from '../../pipeline/store/index.js';
import { UsageError } from './flags.js';
import { moveShardsAside, parseRebuildSpec, ShardRebuildRefusedError } from './shard-rebuild.js';

const quiet = { info() {}, warn() {}, error() {} };
const dirs: string[] = [];
const buses: EmbeddedBus[] = [];
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(config: Record<string, number> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-rebuild-'));
  dirs.push(dir);
  const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: quiet, config });
  buses.push(bus);
  await bus.ensureTopic('samples', 2);
  const store = join(dir, 'store');
  for (const p of [0, 1]) mkdirSync(shardDirectory(store, 'samples', p), { recursive: true });
  return { bus, store };
}

describe('moving shards aside for a rebuild', () => {
  it('reads all or comma-separated partitions and refuses anything else', () => {
    expect(parseRebuildSpec('all')).toBe('all');
    expect(parseRebuildSpec('0, 3,7')).toEqual([0, 3, 7]);
    expect(() => parseRebuildSpec('1-3')).toThrow(UsageError);
  });

  it('moves the named shard directories aside when the log reaches back to their start', async () => {
    const { bus, store } = await setup();
    await bus.produce('samples', [{ partition: 1, value: Buffer.from('x') }]);
    const moved = await moveShardsAside({ bus, dataDir: store, topics: ['samples'], spec: [1], force: false, stamp: 't1' });
    expect(moved.map((m) => m.partition)).toEqual([1]);
    // One record in the partition's log: what the rebuild replays.
    expect(moved[0].records).toBe(1);
    expect(existsSync(shardDirectory(store, 'samples', 1))).toBe(false);
    expect(readdirSync(join(store, 'shards')).sort()).toEqual(['samples-0', 'samples-1.before-rebuild-t1']);
  });

  it('moves nothing, and says why, when retention has cut the log short of a shard\'s start', async () => {
    const { bus, store } = await setup({ segment_bytes: 1024, retention_bytes: 2048 });
    for (let i = 0; i < 40; i++) await bus.produce('samples', [{ partition: 0, value: Buffer.alloc(200, 1) }]);
    await bus.enforceRetention();
    const low = (await bus.offsets('samples')).find((o) => o.partition === 0)!.low;
    expect(low).toBeGreaterThan(0);
    const err = await moveShardsAside({ bus, dataDir: store, topics: ['samples'], spec: 'all', force: false, stamp: 't2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShardRebuildRefusedError);
    expect((err as Error).message).toContain(`samples-0: the bus keeps this partition only from offset ${low}`);
    expect((err as Error).message).toContain('bus.embedded.replay_window_ms');
    // Partition 1's log was whole, but nothing moves unless everything can.
    expect(readdirSync(join(store, 'shards')).sort()).toEqual(['samples-0', 'samples-1']);
    const forced = await moveShardsAside({ bus, dataDir: store, topics: ['samples'], spec: 'all', force: true, stamp: 't3' });
    expect(forced).toHaveLength(2);
  });
});
