import type { Redis } from 'ioredis';
import { HaElectionError } from './errors.js';

/**
 * Elects one replica per HA cluster: writes from the elected replica are kept, the others'
 * dropped. The elected replica keeps its lease by writing; when it has not written for the
 * failover timeout, the next replica to write takes over.
 */
export interface HaElector {
  /** Whether samples from `replica` of `cluster` are kept now. Throws HaElectionError when the store is unreachable. */
  accept(cluster: string, replica: string): Promise<boolean>;
  /** The replica elected for a cluster as last seen here, if any. */
  elected(cluster: string): string | undefined;
}

export interface HaElectorTiming {
  readonly failoverTimeoutMs: number;
  /** A decision is reused this long before the store is asked again (the leader's renewal period). */
  readonly updateTimeoutMs: number;
  readonly now?: () => number;
}

/** One process only (`tidemark up`): the election lives in memory. */
export class MemoryHaElector implements HaElector {
  private readonly leaders = new Map<string, { replica: string; lastSeen: number }>();
  private readonly now: () => number;

  constructor(private readonly timing: HaElectorTiming) {
    this.now = timing.now ?? Date.now;
  }

  async accept(cluster: string, replica: string): Promise<boolean> {
    const now = this.now();
    const cur = this.leaders.get(cluster);
    if (cur === undefined || now - cur.lastSeen > this.timing.failoverTimeoutMs) {
      this.leaders.set(cluster, { replica, lastSeen: now });
      return true;
    }
    if (cur.replica !== replica) return false;
    cur.lastSeen = now;
    return true;
  }

  elected(cluster: string): string | undefined {
    return this.leaders.get(cluster)?.replica;
  }
}

// Elect-or-renew in one step: SET NX PX when free, PEXPIRE when the caller holds it.
const ELECT_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return cur
`;

type ElectingRedis = Redis & { tidemarkHaElect(key: string, replica: string, ttlMs: number): Promise<string> };

/**
 * The election held in Redis, shared by every ingest replica: key `<prefix><cluster>` holds the
 * elected replica with a TTL of the failover timeout, renewed by the leader's writes. Each ingest
 * process reuses a decision for `updateTimeoutMs`, so Redis sees about one call per cluster per
 * update period rather than one per request; failover therefore takes between the failover
 * timeout and that plus the update period.
 */
export class RedisHaElector implements HaElector {
  /**
   * Decisions per cluster and replica: each replica refreshes its own, so the leader's writes
   * reach Redis (and renew its lease) every update period even while another replica's requests
   * keep asking too. One decision per cluster let the other replica's refresh stand in for the
   * leader's, the lease ran out under a leader still writing, and both replicas' data was kept.
   */
  private readonly cache = new Map<string, { leader: string; checkedAt: number }>();
  private readonly leaders = new Map<string, string>();
  private readonly now: () => number;
  private readonly redis: ElectingRedis;
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly timing: HaElectorTiming,
  ) {
    this.now = timing.now ?? Date.now;
    if (typeof (redis as unknown as Partial<ElectingRedis>).tidemarkHaElect !== 'function') {
      redis.defineCommand('tidemarkHaElect', { numberOfKeys: 1, lua: ELECT_SCRIPT });
    }
    this.redis = redis as unknown as ElectingRedis;
  }

  async accept(cluster: string, replica: string): Promise<boolean> {
    const now = this.now();
    const key = `${cluster}\u0000${replica}`;
    const c = this.cache.get(key);
    if (c !== undefined && now - c.checkedAt < this.timing.updateTimeoutMs) return c.leader === replica;
    // Concurrent requests of one replica share one round trip.
    let p = this.pending.get(key);
    if (p === undefined) {
      p = this.redis
        .tidemarkHaElect(this.keyPrefix + cluster, replica, this.timing.failoverTimeoutMs)
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    let leader: string;
    try {
      leader = await p;
    } catch (err) {
      throw new HaElectionError(cluster, err);
    }
    this.cache.set(key, { leader, checkedAt: now });
    this.leaders.set(cluster, leader);
    return leader === replica;
  }

  elected(cluster: string): string | undefined {
    return this.leaders.get(cluster);
  }
}
