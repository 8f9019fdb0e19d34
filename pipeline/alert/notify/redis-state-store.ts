import type { Redis, RedisOptions } from 'ioredis';
import { newRedisClient } from '../../../schemas/redis-client.js';

import { isResolvedAt, putOver, type Alert } from './alert.js';
import type { NotificationLogEntry } from './dedup.js';
import type {
  ClaimedGroup, DeliveryFailure, GroupInsert, GroupMeta, GroupState, NotifyPeer, NotifyStateStore, PendingNotification, ResolvedSnapshot,
} from './notify-state-store.js';
import {
  CAS_ALERTS, CLAIM_DUE, DELETE_UNCHANGED_ALERTS, FINISH_FLUSH, INSERT_INTO_GROUPS, PUT_LOG_SCRIPT, RENEW, RESOLVE_PENDING, WRITE_PENDING,
} from './redis-scripts.js';
import { matcherFromApi, matcherToApi, type ApiMatcher, type Silence } from './silence.js';

type Script = (...args: (string | number)[]) => Promise<unknown>;
interface Scripts {
  tmCasAlerts: Script;
  tmDeleteUnchanged: Script;
  tmInsert: Script;
  tmClaim: Script;
  tmRenew: Script;
  tmWritePending: Script;
  tmResolvePending: Script;
  tmFinish: Script;
  tmPutLog: Script;
}

/** A notification-log entry as stored: Redis 7.0 hash fields cannot expire, so entries carry their own end. */
interface StoredLog { readonly entry: NotificationLogEntry; readonly expiresAt: number }

function logJson(entry: NotificationLogEntry, retainMs: number): string {
  return JSON.stringify({ entry, expiresAt: Date.now() + retainMs } satisfies StoredLog);
}

function readLog(json: string | null | undefined): NotificationLogEntry | undefined {
  if (json === null || json === undefined) return undefined;
  const l = JSON.parse(json) as StoredLog;
  return l.expiresAt > Date.now() ? l.entry : undefined;
}

export interface RedisStateStoreSettings {
  /** `redis://host:port/db`, or an existing client (not closed by the store). */
  readonly redis: string | Redis;
  /** Prefix of every key, e.g. `tidemark:notify:`. */
  readonly prefix?: string;
  readonly options?: RedisOptions;
}

const MAX_FAILURES = 1000;
const CAS_ROUNDS = 10;

/**
 * NotifyStateStore on Redis, shared by any number of notifier replicas. Claims, write-ahead and
 * log entries go through Lua scripts (EVALSHA via defineCommand), so each step is atomic and
 * fenced by the group's lease token: a replica that lost its lease can no longer log, reschedule
 * or delete anything.
 */
export class RedisStateStore implements NotifyStateStore {
  private readonly redis: Redis & Scripts;
  private readonly p: string;
  private readonly owned: boolean;
  private calls = 0;

  constructor(s: RedisStateStoreSettings) {
    this.owned = typeof s.redis === 'string';
    const client = typeof s.redis === 'string' ? newRedisClient(s.redis, { maxRetriesPerRequest: 3, ...s.options }) : s.redis;
    const define = (name: keyof Scripts, lua: string) => {
      if (typeof (client as unknown as Record<string, unknown>)[name] !== 'function') client.defineCommand(name, { numberOfKeys: 0, lua });
    };
    define('tmCasAlerts', CAS_ALERTS);
    define('tmDeleteUnchanged', DELETE_UNCHANGED_ALERTS);
    define('tmInsert', INSERT_INTO_GROUPS);
    define('tmClaim', CLAIM_DUE);
    define('tmRenew', RENEW);
    define('tmWritePending', WRITE_PENDING);
    define('tmResolvePending', RESOLVE_PENDING);
    define('tmFinish', FINISH_FLUSH);
    define('tmPutLog', PUT_LOG_SCRIPT);
    this.redis = client as Redis & Scripts;
    this.p = s.prefix ?? 'tidemark:notify:';
  }

  private k(name: string): string {
    return this.p + name;
  }

  async getGroup(groupKey: string): Promise<GroupState | undefined> {
    const [meta, due] = await Promise.all([this.redis.hget(this.k(`g:${groupKey}`), 'meta'), this.redis.zscore(this.k('due'), groupKey)]);
    if (meta === null || due === null) return undefined;
    return { groupKey, createdAt: (JSON.parse(meta) as GroupMeta).createdAt, nextFlushAt: Number(due) };
  }

  async setGroup(state: GroupState): Promise<void> {
    const meta: GroupMeta = { groupKey: state.groupKey, routeId: '', receiver: '', labels: {}, createdAt: state.createdAt };
    await this.redis.multi()
      .hsetnx(this.k(`g:${state.groupKey}`), 'meta', JSON.stringify(meta))
      .hsetnx(this.k(`g:${state.groupKey}`), 'flushed', '0')
      .zadd(this.k('due'), state.nextFlushAt, state.groupKey)
      .exec();
  }

  async deleteGroup(groupKey: string): Promise<void> {
    await this.redis.multi()
      .del(this.k(`g:${groupKey}`), this.k(`gm:${groupKey}`), this.k(`pend:${groupKey}`), this.k(`lease:${groupKey}`))
      .zrem(this.k('due'), groupKey)
      .exec();
  }

  async getLog(groupKey: string, integration: string): Promise<NotificationLogEntry | undefined> {
    return readLog(await this.redis.hget(this.k(`nflog:${groupKey}`), integration));
  }

  async putLog(groupKey: string, integration: string, entry: NotificationLogEntry, retainMs: number): Promise<void> {
    const retain = Math.max(1, Math.round(retainMs));
    await this.redis.tmPutLog(this.p, groupKey, integration, logJson(entry, retain), retain);
  }

  async listSilences(): Promise<readonly Silence[]> {
    const all = await this.redis.hvals(this.k('sil'));
    return all.map(decodeSilence);
  }

  async putSilence(s: Silence): Promise<void> {
    await this.redis.hset(this.k('sil'), s.id, JSON.stringify({ ...s, matchers: s.matchers.map(matcherToApi) }));
  }

  async deleteSilence(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.k('sil'), id)) > 0;
  }

  async listTenantConfigs(): Promise<ReadonlyMap<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.k('amcfg'))));
  }

  async putTenantConfig(tenant: string, body: string): Promise<void> {
    await this.redis.multi().hset(this.k('amcfg'), tenant, body).incr(this.k('amcfg:v')).exec();
  }

  async deleteTenantConfig(tenant: string): Promise<boolean> {
    const res = await this.redis.multi().hdel(this.k('amcfg'), tenant).incr(this.k('amcfg:v')).exec();
    return Number(res?.[0]?.[1] ?? 0) > 0;
  }

  async tenantConfigsVersion(): Promise<string> {
    return (await this.redis.get(this.k('amcfg:v'))) ?? '0';
  }

  async putAlerts(alerts: readonly Alert[], now: number): Promise<readonly Alert[]> {
    // Alerts with the same fingerprint in one batch are applied in order.
    const byFp = new Map<string, Alert[]>();
    for (const a of alerts) {
      const l = byFp.get(a.fingerprint);
      if (l === undefined) byFp.set(a.fingerprint, [a]);
      else l.push(a);
    }
    const result = new Map<string, Alert>();
    let todo = [...byFp.keys()];
    for (let round = 0; todo.length > 0; round++) {
      if (round >= CAS_ROUNDS) throw new Error(`alerts kept changing concurrently: ${todo.length} not stored`);
      const olds = await this.redis.hmget(this.k('alerts'), ...todo);
      const args: (string | number)[] = [this.p];
      const merged: Alert[] = [];
      todo.forEach((fp, i) => {
        const oldText = olds[i] ?? '';
        let cur: Alert | undefined = oldText === '' ? undefined : (JSON.parse(oldText) as Alert);
        for (const a of byFp.get(fp)!) cur = putOver(cur, a, now);
        merged.push(cur!);
        args.push(fp, oldText, JSON.stringify(cur), String(cur!.updatedAt));
      });
      const ok = (await this.redis.tmCasAlerts(...args)) as number[];
      const retry: string[] = [];
      todo.forEach((fp, i) => (ok[i] === 1 ? result.set(fp, merged[i]!) : retry.push(fp)));
      todo = retry;
    }
    return [...byFp.keys()].map((fp) => result.get(fp)!);
  }

  async getAlerts(fingerprints?: readonly string[]): Promise<readonly Alert[]> {
    if (fingerprints !== undefined) {
      if (fingerprints.length === 0) return [];
      const vals = await this.redis.hmget(this.k('alerts'), ...fingerprints);
      return vals.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Alert);
    }
    return (await this.redis.hvals(this.k('alerts'))).map((v) => JSON.parse(v) as Alert);
  }

  async gcAlerts(resolvedBefore: number): Promise<number> {
    const old = (await this.getAlerts()).filter((a) => isResolvedAt(a, resolvedBefore));
    if (old.length === 0) return 0;
    return (await this.redis.tmDeleteUnchanged(this.p, ...old.flatMap((a) => [a.fingerprint, String(a.updatedAt)]))) as number;
  }

  async insertIntoGroups(inserts: readonly GroupInsert[], now: number): Promise<void> {
    for (let i = 0; i < inserts.length; i += 500) {
      const args: (string | number)[] = [this.p, now];
      for (const ins of inserts.slice(i, i + 500)) args.push(ins.meta.groupKey, JSON.stringify(ins.meta), ins.fingerprint, ins.startsAt, ins.groupWait);
      await this.redis.tmInsert(...args);
    }
  }

  async listGroups(): Promise<readonly { meta: GroupMeta; members: readonly string[] }[]> {
    const keys = await this.redis.zrange(this.k('due'), '0', '-1');
    if (keys.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const gk of keys) pipe.hget(this.k(`g:${gk}`), 'meta').smembers(this.k(`gm:${gk}`));
    const res = (await pipe.exec()) ?? [];
    const out: { meta: GroupMeta; members: string[] }[] = [];
    for (let i = 0; i < keys.length; i++) {
      const meta = res[2 * i]?.[1] as string | null;
      if (meta === null || meta === undefined) continue;
      out.push({ meta: JSON.parse(meta) as GroupMeta, members: (res[2 * i + 1]?.[1] as string[]) ?? [] });
    }
    return out;
  }

  async nextDueAt(): Promise<number | undefined> {
    const r = await this.redis.zrange(this.k('due'), '0', '0', 'WITHSCORES');
    return r.length < 2 ? undefined : Number(r[1]);
  }

  async claimDueGroups(owner: string, now: number, leaseMs: number, limit: number): Promise<readonly ClaimedGroup[]> {
    type Row = [string, string, string, string, string, string[], string[], string[], string[]];
    const raw = (await this.redis.tmClaim(this.p, now, `${owner}:${++this.calls}`, Math.max(1, Math.round(leaseMs)), limit)) as Row[];
    return raw.map(([, token, dueAt, flushed, meta, members, pending, alerts, log]) => {
      const entries = new Map<string, NotificationLogEntry>();
      for (let i = 0; i < log.length; i += 2) {
        const e = readLog(log[i + 1]);
        if (e !== undefined) entries.set(log[i]!, e);
      }
      return {
        meta: JSON.parse(meta) as GroupMeta,
        token,
        dueAt: Number(dueAt),
        hadFlushed: flushed === '1',
        members,
        pending: pending.map((p) => JSON.parse(p) as PendingNotification),
        alerts: alerts.filter((a) => a !== '').map((a) => JSON.parse(a) as Alert),
        log: entries,
      };
    });
  }

  async renewClaim(groupKey: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    return (await this.redis.tmRenew(this.p, groupKey, token, now, Math.max(1, Math.round(leaseMs)))) === 1;
  }

  async writePending(groupKey: string, token: string, p: PendingNotification): Promise<boolean> {
    return (await this.redis.tmWritePending(this.p, groupKey, token, p.integration, JSON.stringify(p))) === 1;
  }

  async resolvePending(groupKey: string, token: string, integration: string, entry: NotificationLogEntry | undefined, retainMs: number): Promise<boolean> {
    const retain = Math.max(1, Math.round(retainMs));
    const e = entry === undefined ? '' : logJson(entry, retain);
    return (await this.redis.tmResolvePending(this.p, groupKey, token, integration, e, retain)) === 1;
  }

  async finishFlush(groupKey: string, token: string, resolved: readonly ResolvedSnapshot[], nextFlushAt: number): Promise<boolean> {
    const args: (string | number)[] = [this.p, groupKey, token, nextFlushAt];
    for (const r of resolved) args.push(r.fingerprint, String(r.updatedAt));
    return (await this.redis.tmFinish(...args)) === 1;
  }

  async recordFailure(f: DeliveryFailure): Promise<void> {
    await this.redis.multi().lpush(this.k('fail'), JSON.stringify(f)).ltrim(this.k('fail'), 0, MAX_FAILURES - 1).exec();
  }

  async listFailures(limit: number): Promise<readonly DeliveryFailure[]> {
    return (await this.redis.lrange(this.k('fail'), 0, limit - 1)).map((v) => JSON.parse(v) as DeliveryFailure);
  }

  async announcePeer(peer: NotifyPeer, ttlMs: number): Promise<void> {
    const now = Date.now();
    await this.redis
      .multi()
      .set(this.k(`peer:${peer.name}`), JSON.stringify(peer), 'PX', ttlMs)
      .zadd(this.k('peers'), now + ttlMs, peer.name)
      .exec();
  }

  /** Replicas whose announcement has not expired (the index is trimmed as it goes). */
  async listPeers(): Promise<readonly NotifyPeer[]> {
    await this.redis.zremrangebyscore(this.k('peers'), '-inf', String(Date.now() - 1));
    const names = await this.redis.zrange(this.k('peers'), '0', '-1');
    if (names.length === 0) return [];
    const values = await this.redis.mget(names.map((n) => this.k(`peer:${n}`)));
    return values.flatMap((v) => (v === null ? [] : [JSON.parse(v) as NotifyPeer])).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Close the connection this store opened (a client passed in is left open). */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Drop the connection at once, as a crashed replica would (tests). */
  disconnect(): void {
    this.redis.disconnect();
  }
}

function decodeSilence(text: string): Silence {
  const raw = JSON.parse(text) as Omit<Silence, 'matchers'> & { matchers: ApiMatcher[] };
  return { ...raw, matchers: raw.matchers.map(matcherFromApi) };
}
