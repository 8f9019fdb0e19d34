import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotifyStateFileError } from './errors.js';
import { FileBackedStateStore, NFLOG_FILE, SILENCES_FILE, TENANT_CONFIGS_FILE } from './file-backed-state-store.js';
import { parseMatchers } from './matcher-parse.js';
import { describeNotifyStateStore } from './notify-state-store.contract.js';
import type { Silence } from './silence.js';

const HOUR = 3_600_000;
const contractDirs: string[] = [];
describeNotifyStateStore('file-backed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-file-store-contract-'));
  contractDirs.push(dir);
  return FileBackedStateStore.open({ dir });
});
afterAll(async () => {
  for (const d of contractDirs) await rm(d, { recursive: true, force: true });
});

describe('FileBackedStateStore across restarts', () => {
  let dir: string;
  let t: number;
  const now = () => t;
  const open = (o: { silenceRetentionMs?: number } = {}) => FileBackedStateStore.open({ dir, now, ...o });
  const silence = (id: string, endsAt: number, matchers = '{alertname="Disk",instance=~"db[12]"}'): Silence =>
    ({ id, matchers: parseMatchers(matchers), startsAt: t - HOUR, endsAt, createdBy: 'ops', comment: 'maintenance', updatedAt: t });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-file-store-'));
    t = Date.UTC(2026, 11, 6, 12);
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('saves silences and uploaded configurations at every change, before the change returns', async () => {
    const a = await open();
    await a.putSilence({ ...silence('s1', t + HOUR), annotations: { ticket: 'x' } } as Silence);
    await a.putSilence(silence('s2', t + HOUR));
    expect(await a.deleteSilence('s2')).toBe(true);
    await a.putTenantConfig('team-a', 'route: {}\n');
    await a.putTenantConfig('team-b', 'b');
    expect(await a.deleteTenantConfig('team-b')).toBe(true);
    // Not closed: as after a SIGKILL.
    const b = await open();
    const [got, ...rest] = await b.listSilences();
    expect(rest).toEqual([]);
    expect(got).toMatchObject({ id: 's1', startsAt: t - HOUR, endsAt: t + HOUR, createdBy: 'ops', comment: 'maintenance', updatedAt: t, annotations: { ticket: 'x' } });
    expect(got!.matchers.map(String)).toEqual(['alertname="Disk"', 'instance=~"db[12]"']);
    expect(got!.matchers[1]!.matches('db2')).toBe(true);
    expect(got!.matchers[1]!.matches('db3')).toBe(false);
    expect(Object.fromEntries(await b.listTenantConfigs())).toEqual({ 'team-a': 'route: {}\n' });
    await Promise.all([a.close(), b.close()]);
  });

  it('saves the notification log when closed, and periodically when it changed', async () => {
    const e = { firingAlerts: ['fp1'], resolvedAlerts: [], timestamp: t };
    const a = await open();
    await a.putLog('{}:{alertname="Disk"}', 'team/webhook/0', e, 8 * HOUR);
    const killed = await open();
    expect(await killed.getLog('{}:{alertname="Disk"}', 'team/webhook/0')).toBeUndefined();
    await a.saveLogIfChanged();
    const saved = await open();
    expect(await saved.getLog('{}:{alertname="Disk"}', 'team/webhook/0')).toEqual(e);
    await a.putLog('g2', 'team/email/0', e, HOUR);
    await a.close();
    const b = await open();
    expect(await b.getLog('g2', 'team/email/0')).toEqual(e);
    expect(await b.getLog('{}:{alertname="Disk"}', 'team/webhook/0')).toEqual(e);
    await Promise.all([killed.close(), saved.close(), b.close()]);
  });

  it('does not load log entries that expired, nor silences ended longer ago than the retention', async () => {
    const a = await open({ silenceRetentionMs: 10 * HOUR });
    await a.putSilence(silence('recent', t - 7 * HOUR));
    await a.putSilence(silence('old', t - 8 * HOUR - 1));
    await a.putLog('g', 'short', { firingAlerts: ['x'], resolvedAlerts: [], timestamp: t }, HOUR);
    await a.putLog('g', 'long', { firingAlerts: ['x'], resolvedAlerts: [], timestamp: t }, 3 * HOUR);
    await a.close();
    t += 2 * HOUR;
    const b = await open({ silenceRetentionMs: 10 * HOUR });
    expect((await b.listSilences()).map((s) => s.id)).toEqual(['recent']);
    expect(b.loggedNotifications().map((n) => n.integration)).toEqual(['long']);
    // Saved again, the file keeps only what is retained.
    await b.putSilence(silence('new', t + HOUR));
    const onDisk = JSON.parse(await readFile(join(dir, SILENCES_FILE), 'utf8')) as { silences: Array<{ id: string }> };
    expect(onDisk.silences.map((s) => s.id)).toEqual(['recent', 'new']);
    // Running, the store forgets them too once past the retention.
    t += 2 * HOUR;
    await b.maintain();
    expect((await b.listSilences()).map((s) => s.id)).toEqual(['new']);
    const c = await open({ silenceRetentionMs: 10 * HOUR });
    expect((await c.listSilences()).map((s) => s.id)).toEqual(['new']);
    await Promise.all([b.close(), c.close()]);
  });

  it('refuses to open on a file it cannot read, naming the file and the problem', async () => {
    await writeFile(join(dir, SILENCES_FILE), JSON.stringify({ kind: 'silences', version: 1, silences: [{ id: 's', matchers: [{ type: '=~', name: 'a', value: '(' }], startsAt: 1, endsAt: t + HOUR, createdBy: '', comment: '' }] }));
    const err = await open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyStateFileError);
    expect((err as Error).message).toContain(`${join(dir, SILENCES_FILE)}: silences[0].matchers[0]:`);
    await writeFile(join(dir, SILENCES_FILE), JSON.stringify({ kind: 'silences', version: 1, silences: [] }));
    await writeFile(join(dir, NFLOG_FILE), JSON.stringify({ kind: 'nflog', version: 1, entries: [{ groupKey: 'g', integration: 'i', entry: { firingAlerts: 'fp', resolvedAlerts: [], timestamp: 1 }, expiresAt: t + HOUR }] }));
    await expect(open()).rejects.toThrow(`${join(dir, NFLOG_FILE)}: entries[0].entry.firingAlerts: expected an array`);
    await writeFile(join(dir, NFLOG_FILE), JSON.stringify({ kind: 'nflog', version: 1, entries: [] }));
    await writeFile(join(dir, TENANT_CONFIGS_FILE), JSON.stringify({ kind: 'tenant-configs', version: 1, tenants: { a: 3 } }));
    await expect(open()).rejects.toThrow(`${join(dir, TENANT_CONFIGS_FILE)}: tenants.a: expected a string`);
  });
});
