import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newRedisClient } from '../../schemas/redis-client.js';
import type { TenantLimits } from './config.js';

/** What a push asked of its tenant's shared limits. */
export type Admission = 'ok' | 'ingestion_rate' | 'max_active_series';

/**
 * The ingestion limits of every ingest replica together (`--redis`): one token bucket and one set
 * of active series per tenant, kept in Redis and changed only by a Lua script, so two replicas
 * admitting at once cannot both take the last tokens or the last series. Time is Redis' clock
 * (TIME), not the replicas', so their clocks need not agree.
 */
export interface SharedTenantLimits {
  /**
   * Takes `samples` from the tenant's rate and counts `series` (canonical keys) as its active
   * series, or neither when that would exceed a limit. Rejects when Redis does not answer.
   */
  admit(tenant: string, samples: number, series: ReadonlySet<string>, limits: TenantLimits, idleMs: number): Promise<Admission>;
  /** Returns samples taken for a push that was not stored after all (in the background). */
  giveBack(tenant: string, samples: number, limits: TenantLimits): void;
  /** Counts series that arrived outside a request (scrapes) as active, refusing nothing (in the background). */
  touch(tenant: string, series: ReadonlySet<string>, idleMs: number): void;
  /** The tenant's active series across the replicas, as Redis last answered this process. */
  activeSeries(tenant: string): number;
  tenants(): string[];
  close(): Promise<void>;
}

// KEYS: bucket hash, series sorted set. ARGV: samples, rate, burst, max series, idle ms, members...
// Answers {verdict, active series}: 0 admitted, 1 over the rate, 2 over the series limit.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local samples, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local max, idle = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - idle)
local active = redis.call('ZCARD', KEYS[2])
if max > 0 and #ARGV > 5 then
  local fresh = 0
  for i = 6, #ARGV do
    if not redis.call('ZSCORE', KEYS[2], ARGV[i]) then fresh = fresh + 1 end
  end
  if fresh > 0 and active + fresh > max then return {2, active} end
end
if rate > 0 and samples > 0 then
  local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
  if tokens < samples then
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
    return {1, active}
  end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - samples), 'at', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
end
local args = {}
for i = 6, #ARGV do
  args[#args + 1] = now
  args[#args + 1] = ARGV[i]
  if #args >= 1000 then
    redis.call('ZADD', KEYS[2], unpack(args))
    args = {}
  end
end
if #args > 0 then redis.call('ZADD', KEYS[2], unpack(args)) end
if #ARGV > 5 then redis.call('PEXPIRE', KEYS[2], idle) end
return {0, redis.call('ZCARD', KEYS[2])}
`;

// KEYS: bucket hash. ARGV: samples, burst.
const GIVE_BACK = `
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
if tokens == nil then return 0 end
redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tonumber(ARGV[2]), tokens + tonumber(ARGV[1]))))
return 1
`;

type AdmitCommand = (bucket: string, series: string, ...args: Array<string | number>) => Promise<[number, number]>;

/** SharedTenantLimits in Redis. */
export class RedisTenantLimits implements SharedTenantLimits {
  private readonly redis: Redis;
  /** Per tenant, when this process last sent each series to Redis: a series is sent again only as its entry nears expiry. */
  private readonly sent = new Map<string, Map<string, number>>();
  private readonly known = new Map<string, number>();

  constructor(
    url: string,
    private readonly onError: (err: Error, what: string) => void,
    private readonly prefix = 'tidemark:tenants:',
    private readonly now: () => number = Date.now,
  ) {
    // One retry: a push waits for Redis at most a reconnect, then is answered 503 and retried by its sender.
    this.redis = newRedisClient(url, { maxRetriesPerRequest: 1 });
    this.redis.on('error', (err: Error) => onError(err, 'connection'));
    this.redis.defineCommand('tidemarkTenantAdmit', { numberOfKeys: 2, lua: ADMIT });
    this.redis.defineCommand('tidemarkTenantGiveBack', { numberOfKeys: 1, lua: GIVE_BACK });
  }

  async admit(tenant: string, samples: number, series: ReadonlySet<string>, limits: TenantLimits, idleMs: number): Promise<Admission> {
    const members = this.due(tenant, series, idleMs);
    const burst = limits.ingestion_burst_size > 0 ? limits.ingestion_burst_size : limits.ingestion_rate;
    const admit = (this.redis as unknown as { tidemarkTenantAdmit: AdmitCommand }).tidemarkTenantAdmit;
    const [verdict, active] = await admit.call(
      this.redis, this.key(tenant, 'rate'), this.key(tenant, 'series'),
      samples, limits.ingestion_rate, burst, limits.max_active_series, idleMs, ...members.values(),
    );
    this.known.set(tenant, active);
    if (verdict !== 0) return verdict === 1 ? 'ingestion_rate' : 'max_active_series';
    this.markSent(tenant, members.keys());
    return 'ok';
  }

  giveBack(tenant: string, samples: number, limits: TenantLimits): void {
    if (samples <= 0 || limits.ingestion_rate <= 0) return;
    const burst = limits.ingestion_burst_size > 0 ? limits.ingestion_burst_size : limits.ingestion_rate;
    const give = (this.redis as unknown as { tidemarkTenantGiveBack: (k: string, ...a: number[]) => Promise<number> }).tidemarkTenantGiveBack;
    give.call(this.redis, this.key(tenant, 'rate'), samples, burst).catch((err: Error) => this.onError(err, 'give back'));
  }

  touch(tenant: string, series: ReadonlySet<string>, idleMs: number): void {
    const members = this.due(tenant, series, idleMs);
    if (members.size === 0) return;
    const admit = (this.redis as unknown as { tidemarkTenantAdmit: AdmitCommand }).tidemarkTenantAdmit;
    admit
      .call(this.redis, this.key(tenant, 'rate'), this.key(tenant, 'series'), 0, 0, 0, 0, idleMs, ...members.values())
      .then(([, active]) => {
        this.known.set(tenant, active);
        this.markSent(tenant, members.keys());
      })
      .catch((err: Error) => this.onError(err, 'count scraped series'));
  }

  activeSeries(tenant: string): number {
    return this.known.get(tenant) ?? 0;
  }

  tenants(): string[] {
    return [...this.known.keys()];
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Key → Redis member of the series this process has not refreshed within a quarter of the idle timeout. */
  private due(tenant: string, series: ReadonlySet<string>, idleMs: number): Map<string, string> {
    const sent = this.sent.get(tenant);
    const now = this.now();
    const out = new Map<string, string>();
    for (const key of series) {
      const at = sent?.get(key);
      if (at === undefined || now - at > idleMs / 4) out.set(key, member(key));
    }
    // Forget what Redis has dropped by now, so the map does not grow with every series ever seen.
    if (sent !== undefined && sent.size > 2 * series.size + 1024) for (const [k, at] of sent) if (now - at > idleMs) sent.delete(k);
    return out;
  }

  private markSent(tenant: string, keys: Iterable<string>): void {
    let sent = this.sent.get(tenant);
    if (sent === undefined) this.sent.set(tenant, (sent = new Map()));
    const now = this.now();
    for (const k of keys) sent.set(k, now);
  }

  private key(tenant: string, what: 'rate' | 'series'): string {
    // Braces: a tenant's two keys hash to one slot, as a Redis Cluster needs for one script.
    return `${this.prefix}{${tenant}}:${what}`;
  }
}

/** A short, fixed-size Redis member for a series' canonical key. */
function member(key: string): string {
  return createHash('sha1').update(key).digest('base64').slice(0, 16);
}
