import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisShardRegistry } from '../../../pipeline/store-protocol/index.js';
import { redisUrl, testNamespace } from '../../harness/index.js';
import { waitUntil } from './store-test-data.js';

describe('RedisShardRegistry against a real Redis', () => {
  const ns = testNamespace('shard-registry');
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(redisUrl());
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('lists what every store announced, seen from another registry instance', async () => {
    const prefix = `${ns.redisPrefix}a:`;
    const one = new RedisShardRegistry({ redis, keyPrefix: prefix, ttlMs: 5000 });
    const two = new RedisShardRegistry({ redis, keyPrefix: prefix, ttlMs: 5000 });
    try {
      await one.announce('store-1', 'http://10.0.0.1:9464', [2, 0]);
      await two.announce('store-2', 'http://10.0.0.2:9464', [1, 3]);
      await one.announce('store-1', 'http://10.0.0.1:9464', [0, 2, 4]);
      const reader = new RedisShardRegistry({ redis, keyPrefix: prefix });
      const list = await reader.list();
      expect(list.map(({ updatedAt: _u, ...e }) => e)).toEqual([
        { storeId: 'store-1', address: 'http://10.0.0.1:9464', partitions: [0, 2, 4] },
        { storeId: 'store-2', address: 'http://10.0.0.2:9464', partitions: [1, 3] },
      ]);
      expect(list.every((e) => Math.abs(e.updatedAt - Date.now()) < 60_000)).toBe(true);
      await two.withdraw('store-2');
      expect((await reader.list()).map((e) => e.storeId)).toEqual(['store-1']);
    } finally {
      one.close();
      two.close();
    }
  });

  it('keeps a live store listed past its TTL by heartbeats, drops a dead one after the TTL, and a heartbeat trims it from the index', async () => {
    const prefix = `${ns.redisPrefix}b:`;
    // A TTL far above any stall of a loaded machine between two heartbeats, which would otherwise
    // expire the live store too.
    const live = new RedisShardRegistry({ redis, keyPrefix: prefix, ttlMs: 5000, heartbeatMs: 100 });
    const dead = new RedisShardRegistry({ redis, keyPrefix: prefix, ttlMs: 5000, heartbeatMs: 100 });
    const reader = new RedisShardRegistry({ redis, keyPrefix: prefix });
    try {
      await live.announce('live', 'http://live', [0]);
      await dead.announce('dead', 'http://dead', [1]);
      dead.close(); // the process died: no more heartbeats, no withdraw
      const firstSeen = (await reader.list()).find((e) => e.storeId === 'live')!.updatedAt;
      await waitUntil(async () => (await reader.list()).every((e) => e.storeId !== 'dead'), 'dead store expired', 30_000);
      const after = await reader.list();
      expect(after.map((e) => e.storeId)).toEqual(['live']);
      expect(after[0].updatedAt).toBeGreaterThan(firstSeen);
      expect(await redis.exists(`${prefix}store:dead`)).toBe(0);
      // The live store's next heartbeat trims the dead id from the index (list() only reads).
      await waitUntil(async () => (await redis.zscore(`${prefix}index`, 'dead')) === null, 'dead id trimmed from the index', 30_000);
    } finally {
      live.close();
    }
  });
});
