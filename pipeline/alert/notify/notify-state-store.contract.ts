import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Alert } from './alert.js';
import { alertFingerprint } from './fingerprint.js';
import { parseMatchers } from './matcher-parse.js';
import type { GroupInsert, NotifyStateStore, PendingNotification } from './notify-state-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alert(labels: Record<string, string>, o: Partial<Alert> = {}): Alert {
  const now = Date.now();
  return { fingerprint: alertFingerprint(labels), labels, annotations: {}, startsAt: now, endsAt: now + 300_000, generatorURL: '', updatedAt: now, timeout: true, ...o };
}

function insert(gk: string, a: Alert, groupWait = 30_000): GroupInsert {
  return { meta: { groupKey: gk, routeId: '{}', receiver: 'r', labels: { g: gk }, createdAt: Date.now() }, fingerprint: a.fingerprint, startsAt: a.startsAt, groupWait };
}

function pending(integration: string, a: Alert): PendingNotification {
  return {
    integration, reason: 'first notification', retainMs: 60_000, createdAt: Date.now(),
    alerts: [{ status: 'firing', labels: a.labels, annotations: {}, startsAt: a.startsAt, endsAt: 0, generatorURL: '', fingerprint: a.fingerprint }],
    entry: { firingAlerts: [a.fingerprint], resolvedAlerts: [], timestamp: Date.now() },
  };
}

/** The behaviour every NotifyStateStore must have; run against the memory and the Redis store. */
export function describeNotifyStateStore(name: string, open: () => Promise<NotifyStateStore>): void {
  describe(`NotifyStateStore contract: ${name}`, () => {
    let store: NotifyStateStore;
    beforeEach(async () => { store = await open(); });
    afterEach(async () => { await store.close(); });

    it('merges a re-sent alert keeping the earliest start and an explicit later end', async () => {
      const t = Date.now();
      const first = alert({ a: '1' }, { startsAt: t - 60_000, endsAt: t + 600_000, timeout: false, updatedAt: t - 1 });
      await store.putAlerts([first], t);
      const [merged] = await store.putAlerts([alert({ a: '1' }, { startsAt: t - 10_000, endsAt: t + 300_000, updatedAt: t })], t);
      expect(merged).toMatchObject({ startsAt: t - 60_000, endsAt: t + 600_000, updatedAt: t });
      expect(await store.getAlerts([first.fingerprint, 'ffffffffffffffff'])).toEqual([merged]);
    });

    it('makes a new group due after group_wait, or at once for an alert older than group_wait', async () => {
      const now = Date.now();
      await store.insertIntoGroups([insert('fresh', alert({ a: '1' }))], now);
      await store.insertIntoGroups([insert('old', alert({ a: '2' }, { startsAt: now - 3_600_000 }))], now);
      expect((await store.getGroup('fresh'))?.nextFlushAt).toBe(now + 30_000);
      expect((await store.getGroup('old'))?.nextFlushAt).toBe(now);
      expect(await store.nextDueAt()).toBe(now);
      const later = alert({ a: '3' }, { startsAt: now - 3_600_000 });
      await store.insertIntoGroups([insert('fresh', later)], now + 1);
      expect((await store.getGroup('fresh'))?.nextFlushAt).toBe(now + 1);
      const groups = await store.listGroups();
      expect(groups.find((g) => g.meta.groupKey === 'fresh')?.members).toHaveLength(2);
    });

    it('hands a due group to one claimer until its lease runs out, then to another with what was left pending', async () => {
      const now = Date.now();
      const a = alert({ a: '1' }, { startsAt: now - 3_600_000 });
      await store.putAlerts([a], now);
      await store.insertIntoGroups([insert('g1', a)], now);
      const [c1] = await store.claimDueGroups('r1', now, 150, 10);
      expect(c1?.meta.groupKey).toBe('g1');
      expect(c1?.hadFlushed).toBe(false);
      expect(c1?.alerts).toEqual([a]);
      expect(c1?.log.size).toBe(0);
      expect(await store.claimDueGroups('r2', now, 150, 10)).toEqual([]);
      expect(await store.writePending('g1', c1!.token, pending('r/webhook/0', a))).toBe(true);
      await sleep(200);
      const [c2] = await store.claimDueGroups('r2', Date.now(), 5_000, 10);
      expect(c2?.hadFlushed).toBe(true);
      expect(c2?.pending.map((p) => p.integration)).toEqual(['r/webhook/0']);
      // The first holder is fenced off.
      expect(await store.resolvePending('g1', c1!.token, 'r/webhook/0', pending('x', a).entry, 60_000)).toBe(false);
      expect(await store.finishFlush('g1', c1!.token, [], now)).toBe(false);
      expect(await store.renewClaim('g1', c1!.token, Date.now(), 1000)).toBe(false);
      expect(await store.getLog('g1', 'r/webhook/0')).toBeUndefined();
      expect(await store.resolvePending('g1', c2!.token, 'r/webhook/0', pending('x', a).entry, 60_000)).toBe(true);
      expect((await store.getLog('g1', 'r/webhook/0'))?.firingAlerts).toEqual([a.fingerprint]);
      expect(await store.finishFlush('g1', c2!.token, [], Date.now() + 1000)).toBe(true);
      const [c3] = await store.claimDueGroups('r3', Date.now() + 1000, 5_000, 10);
      expect(c3?.pending).toEqual([]);
      expect(c3?.log.get('r/webhook/0')?.firingAlerts).toEqual([a.fingerprint]);
    });

    it('removes resolved alerts that did not change, keeps re-fired ones, and deletes a group left empty', async () => {
      const now = Date.now();
      const a = alert({ a: '1' }, { startsAt: now - 3_600_000 });
      const b = alert({ a: '2' }, { startsAt: now - 3_600_000 });
      await store.putAlerts([a, b], now);
      await store.insertIntoGroups([insert('g', a), insert('g', b)], now);
      const [c] = await store.claimDueGroups('r', now, 5_000, 10);
      await store.putAlerts([{ ...b, updatedAt: now + 5 }], now + 5);
      expect(await store.finishFlush('g', c!.token, [{ fingerprint: a.fingerprint, updatedAt: a.updatedAt }, { fingerprint: b.fingerprint, updatedAt: b.updatedAt }], now + 1000)).toBe(true);
      expect((await store.listGroups())[0]?.members).toEqual([b.fingerprint]);
      expect((await store.getGroup('g'))?.nextFlushAt).toBe(now + 1000);
      const [c2] = await store.claimDueGroups('r', now + 1000, 5_000, 10);
      expect(await store.finishFlush('g', c2!.token, [{ fingerprint: b.fingerprint, updatedAt: now + 5 }], now + 2000)).toBe(true);
      expect(await store.listGroups()).toEqual([]);
      expect(await store.nextDueAt()).toBeUndefined();
    });

    it('keeps log entries per integration until their retention ends', async () => {
      const e = { firingAlerts: ['a'], resolvedAlerts: [], timestamp: 1 };
      await store.putLog('g', 'x/webhook/0', e, 60_000);
      await store.putLog('g', 'x/email/0', e, 100);
      expect(await store.getLog('g', 'x/webhook/0')).toEqual(e);
      await sleep(150);
      expect(await store.getLog('g', 'x/email/0')).toBeUndefined();
      expect(await store.getLog('g', 'x/webhook/0')).toEqual(e);
      expect(await store.getLog('other', 'x/webhook/0')).toBeUndefined();
    });

    it('keeps silences with their matchers, and the failure log newest first', async () => {
      const s = { id: 'x1', matchers: parseMatchers('{a="1",b=~"x|y"}'), startsAt: 1, endsAt: 2, createdBy: 'me', comment: 'c' };
      await store.putSilence(s);
      const [got] = await store.listSilences();
      expect(got?.matchers.map(String)).toEqual(['a="1"', 'b=~"x|y"']);
      expect(got?.matchers[1]!.matches('y')).toBe(true);
      expect(await store.deleteSilence('x1')).toBe(true);
      expect(await store.listSilences()).toEqual([]);
      await store.recordFailure({ groupKey: 'g', integration: 'i', error: 'e1', attempts: 3, alerts: 1, at: 1 });
      await store.recordFailure({ groupKey: 'g', integration: 'i', error: 'e2', attempts: 3, alerts: 1, at: 2 });
      expect((await store.listFailures(10)).map((f) => f.error)).toEqual(['e2', 'e1']);
    });

    it('garbage-collects only alerts resolved before the cutoff', async () => {
      const now = Date.now();
      await store.putAlerts([alert({ a: '1' }, { endsAt: now - 10_000 }), alert({ a: '2' }, { endsAt: now + 10_000 })], now);
      expect(await store.gcAlerts(now - 5_000)).toBe(1);
      expect((await store.getAlerts()).map((a) => a.labels.a)).toEqual(['2']);
    });

    it('keeps tenants\' uploaded configurations, moving the version at every change', async () => {
      const v0 = await store.tenantConfigsVersion();
      await store.putTenantConfig('team-a', 'a1');
      await store.putTenantConfig('team-b', 'b1');
      const v1 = await store.tenantConfigsVersion();
      expect(v1).not.toBe(v0);
      expect(Object.fromEntries(await store.listTenantConfigs())).toEqual({ 'team-a': 'a1', 'team-b': 'b1' });
      expect(await store.deleteTenantConfig('team-a')).toBe(true);
      expect(await store.deleteTenantConfig('team-a')).toBe(false);
      expect(await store.tenantConfigsVersion()).not.toBe(v1);
      expect(Object.fromEntries(await store.listTenantConfigs())).toEqual({ 'team-b': 'b1' });
    });
  });
}
