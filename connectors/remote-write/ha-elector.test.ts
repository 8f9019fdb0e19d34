import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisUrl, testNamespace } from '../../test/harness/index.js';
import { MemoryHaElector, RedisHaElector, type HaElector } from './ha-elector.js';

function suite(name: string, make: (now: () => number) => HaElector) {
  describe(name, () => {
    it('elects the first replica, drops the other, and fails over after the timeout', async () => {
      let t = 1_000_000;
      const e = make(() => t);
      expect(await e.accept('eu', 'a')).toBe(true);
      expect(await e.accept('eu', 'b')).toBe(false);
      expect(await e.accept('us', 'b')).toBe(true);
      t += 2_000; // leader a keeps writing: renewed
      expect(await e.accept('eu', 'a')).toBe(true);
      t += 2_000;
      expect(await e.accept('eu', 'b')).toBe(false);
      expect(e.elected('eu')).toBe('a');
      t += 12_000; // a silent for longer than the failover timeout (10 s)
      await waitForRedisExpiry(e);
      expect(await e.accept('eu', 'b')).toBe(true);
      expect(await e.accept('eu', 'a')).toBe(false);
    });
  });
}

// Redis expires keys on its own clock: the Redis suite uses a short real timeout instead.
async function waitForRedisExpiry(e: HaElector): Promise<void> {
  if (e instanceof RedisHaElector) await new Promise((r) => setTimeout(r, 400));
}

suite('MemoryHaElector', (now) => new MemoryHaElector({ failoverTimeoutMs: 10_000, updateTimeoutMs: 1_000, now }));

const clients: Redis[] = [];
afterAll(() => clients.forEach((c) => c.disconnect()));

describe('RedisHaElector', () => {
  it('elects across two ingest processes, renews by writes, fails over once the leader is silent', async () => {
    const ns = testNamespace('ha');
    // Far longer than a loaded machine stalls between two writes of the leader, which would
    // otherwise be a real silence and a legitimate failover.
    const failoverTimeoutMs = 5_000;
    const mk = () => {
      const c = new Redis(redisUrl());
      clients.push(c);
      return new RedisHaElector(c, ns.redisPrefix, { failoverTimeoutMs, updateTimeoutMs: 50 });
    };
    const p1 = mk();
    const p2 = mk();
    expect(await p1.accept('eu', 'a')).toBe(true);
    expect(await p2.accept('eu', 'b')).toBe(false);
    // The leader writes for longer than the timeout: its writes renew the lease.
    const renewedUntil = Date.now() + failoverTimeoutMs + 1_000;
    while (Date.now() < renewedUntil) {
      await new Promise((r) => setTimeout(r, 250));
      expect(await p1.accept('eu', 'a')).toBe(true);
      expect(await p2.accept('eu', 'b')).toBe(false);
    }
    // Then it falls silent: the other replica is elected once the lease runs out.
    while (!(await p2.accept('eu', 'b'))) await new Promise((r) => setTimeout(r, 100));
    // Past the leader's cached decision (updateTimeoutMs), it learns it was replaced.
    await new Promise((r) => setTimeout(r, 60));
    expect(await p1.accept('eu', 'a')).toBe(false);
  }, 60_000);

  it('keeps the lease of a leader that writes while the other replica of the pair writes to the same ingest', async () => {
    const c = new Redis(redisUrl());
    clients.push(c);
    // Far longer than a loaded machine stalls between two writes of the leader (as above).
    const failoverTimeoutMs = 5_000;
    const e = new RedisHaElector(c, testNamespace('ha-pair').redisPrefix, { failoverTimeoutMs, updateTimeoutMs: 50 });
    expect(await e.accept('eu', 'a')).toBe(true);
    // Both replicas write all along, the non-elected one first each time its decision is stale.
    const until = Date.now() + failoverTimeoutMs + 1_000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      expect(await e.accept('eu', 'b')).toBe(false);
      expect(await e.accept('eu', 'a')).toBe(true);
    }
    expect(e.elected('eu')).toBe('a');
  }, 30_000);

  it('reports a store that cannot be reached as a retryable error', async () => {
    const c = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    c.on('error', () => {}); // the refused connection is the point of this test
    clients.push(c);
    const e = new RedisHaElector(c, 'x:', { failoverTimeoutMs: 300, updateTimeoutMs: 50 });
    await expect(e.accept('eu', 'a')).rejects.toMatchObject({ name: 'HaElectionError', retryable: true });
  });
});
