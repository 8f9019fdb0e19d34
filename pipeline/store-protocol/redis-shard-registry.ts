import type { Redis } from 'ioredis';
import type { ShardRegistry, ShardRegistryEntry } from './shard-registry.js';

export interface RedisShardRegistrySettings {
  /** A connected ioredis client; the registry does not close it. */
  readonly redis: Redis;
  /** Prefix of every key; default `tidemark:shards:`. */
  readonly keyPrefix?: string;
  /** How long an announcement lives without a heartbeat; default 15 s. */
  readonly ttlMs?: number;
  /** How often this process refreshes its announcements; default a third of the TTL. */
  readonly heartbeatMs?: number;
  /** Told about failed heartbeats (the next one retries). */
  readonly onError?: (err: unknown) => void;
}

interface Announcement {
  readonly address: string;
  readonly partitions: number[];
}

/**
 * The distributed shard registry: one key per store (`<prefix>store:<id>`, JSON, expiring after
 * the TTL) plus a sorted set `<prefix>index` of store ids scored by expiry, so `list()` reads a few
 * keys instead of scanning the keyspace. The key is what counts: a store whose key expired is
 * gone even if the index still names it. Every heartbeat trims the index of expired ids, so
 * `list()`, which runs for every query of the query role, only reads (two round trips).
 */
export class RedisShardRegistry implements ShardRegistry {
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly mine = new Map<string, Announcement>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly settings: RedisShardRegistrySettings) {
    this.prefix = settings.keyPrefix ?? 'tidemark:shards:';
    this.ttlMs = settings.ttlMs ?? 15_000;
    if (!(this.ttlMs >= 100)) throw new RangeError(`ttlMs must be at least 100, got ${this.ttlMs}`);
  }

  private key(storeId: string): string {
    return `${this.prefix}store:${storeId}`;
  }

  private get index(): string {
    return `${this.prefix}index`;
  }

  async announce(storeId: string, address: string, partitions: readonly number[]): Promise<void> {
    const a: Announcement = { address, partitions: [...partitions].sort((x, y) => x - y) };
    this.mine.set(storeId, a);
    await this.write(storeId, a);
    this.startHeartbeat();
  }

  private async write(storeId: string, a: Announcement): Promise<void> {
    const now = Date.now();
    const entry: ShardRegistryEntry = { storeId, address: a.address, partitions: a.partitions, updatedAt: now };
    await this.settings.redis
      .multi()
      .set(this.key(storeId), JSON.stringify(entry), 'PX', this.ttlMs)
      .zadd(this.index, now + this.ttlMs, storeId)
      .zremrangebyscore(this.index, '-inf', String(now - 1))
      .exec();
  }

  private startHeartbeat(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      for (const [id, a] of this.mine) this.write(id, a).catch((err: unknown) => this.settings.onError?.(err));
    }, this.settings.heartbeatMs ?? Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  async withdraw(storeId: string): Promise<void> {
    this.mine.delete(storeId);
    if (this.mine.size === 0) this.stopHeartbeat();
    await this.settings.redis.multi().del(this.key(storeId)).zrem(this.index, storeId).exec();
  }

  async list(): Promise<ShardRegistryEntry[]> {
    const redis = this.settings.redis;
    const ids = await redis.zrangebyscore(this.index, String(Date.now()), '+inf');
    if (ids.length === 0) return [];
    const values = await redis.mget(ids.map((id) => this.key(id)));
    const out: ShardRegistryEntry[] = [];
    for (const v of values) {
      if (v === null) continue;
      try {
        const e = JSON.parse(v) as ShardRegistryEntry;
        if (typeof e.storeId === 'string' && typeof e.address === 'string' && Array.isArray(e.partitions)) out.push(e);
      } catch {
        // A foreign value under our prefix: not an announcement.
      }
    }
    return out.sort((a, b) => (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : 0));
  }

  private stopHeartbeat(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops refreshing (announcements then expire after the TTL); does not withdraw. */
  close(): void {
    this.stopHeartbeat();
    this.mine.clear();
  }
}
