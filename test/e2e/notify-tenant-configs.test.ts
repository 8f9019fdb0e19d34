import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisService } from '../harness/index.js';
import { WebhookSink } from '../integration/alert/webhook-sink.js';
import { runCli, waitFor } from './cli-process.js';
import { listeningUrl, spawnRole, type RoleProcess } from './role-process.js';

const PASSWORD = 'tenant-configs-password';
const basic = (user: string): string => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;
const OPERATOR = { authorization: basic('rules') };

/** An alertmanager.yml sending everything to one webhook, grouped by alertname, flushed at once and every second. */
const amYml = (receiver: string, url: string): string =>
  `route:\n  receiver: ${receiver}\n  group_by: [alertname]\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 4h\nreceivers:\n  - name: ${receiver}\n    webhook_configs: [{ url: '${url}' }]\n`;

interface Notified {
  receiver: string;
  groupKey: string;
  alerts: Array<{ labels: Record<string, string> }>;
}
const bodies = (sink: WebhookSink): Notified[] => sink.requests.map((r) => r.body as Notified);
const tenantsIn = (sink: WebhookSink): string[] => [...new Set(bodies(sink).flatMap((b) => b.alerts.map((a) => a.labels.tenant_id)))].sort();

/**
 * Two `tidemark notify` processes sharing Redis, with per-tenant Alertmanager configurations
 * (tenants.alertmanager_configs): team-a and team-b have their own routing tree and receivers,
 * every other tenant falls back to alertmanager.yml. Alerts are posted to both replicas, as
 * Prometheus posts to every Alertmanager.
 */
describe('tidemark notify with per-tenant Alertmanager configurations', () => {
  let dir: string;
  let redis: RedisService;
  let hookA: WebhookSink;
  let hookB: WebhookSink;
  let hookB2: WebhookSink;
  let fallback: WebhookSink;
  let hookD: WebhookSink;
  const replicas: RoleProcess[] = [];
  const urls: string[] = [];

  const post = async (alerts: Array<Record<string, string>>): Promise<void> => {
    const now = Date.now();
    const body = JSON.stringify(alerts.map((labels) => ({ labels, annotations: {}, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 600_000).toISOString() })));
    for (const url of urls) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { ...OPERATOR, 'content-type': 'application/json' }, body });
      expect(res.status, await res.text()).toBe(200);
    }
  };
  const reloadAll = async (): Promise<Array<{ status: number; text: string }>> =>
    Promise.all(urls.map(async (url) => {
      const res = await fetch(`${url}/-/reload`, { method: 'POST', headers: OPERATOR });
      return { status: res.status, text: await res.text() };
    }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-notify-tenant-configs-'));
    [redis, hookA, hookB, hookB2, fallback, hookD] = await Promise.all([startRedis(), WebhookSink.start(), WebhookSink.start(), WebhookSink.start(), WebhookSink.start(), WebhookSink.start()]);
    const hash = bcrypt.hashSync(PASSWORD, 4);
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  rules: ${hash}\n  grafana-a: ${hash}\n  someone: ${hash}\n`);
    await mkdir(join(dir, 'am'));
    await writeFile(join(dir, 'alertmanager.yml'), amYml('fallback', fallback.url));
    await writeFile(join(dir, 'am', 'team-a.yml'), amYml('a-hook', hookA.url));
    await writeFile(join(dir, 'am', 'team-b.yml'), amYml('b-hook', hookB.url));
    await writeFile(
      join(dir, 'tidemark.yml'),
      [
        'alerting:',
        '  alertmanager_config_file: alertmanager.yml',
        'tenants:',
        '  enabled: true',
        '  users: { grafana-a: team-a }',
        '  operators: [rules]',
        '  alertmanager_configs:',
        '    team-a: am/team-a.yml',
        '    team-b: am/team-b.yml',
        '',
      ].join('\n'),
    );
    for (let i = 0; i < 2; i++) {
      const role = spawnRole(['notify', '--config', join(dir, 'tidemark.yml'), '--redis', redis.url, '--listen', '127.0.0.1:0', '--web.config.file', join(dir, 'web.yml')]);
      replicas.push(role);
      urls.push(await listeningUrl(role));
    }
    for (const r of replicas) await r.waitForLog(/"msg":"notify started"/);
  });

  afterAll(async () => {
    for (const r of replicas) expect(await r.stop()).toBe(0);
    await Promise.all([hookA?.close(), hookB?.close(), hookB2?.close(), fallback?.close(), hookD?.close()]);
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends each tenant\'s alerts to its own receivers once, and the alerts of a tenant without a configuration to the main one', async () => {
    await post([
      { alertname: 'Down', instance: 'a1', tenant_id: 'team-a' },
      { alertname: 'Down', instance: 'b1', tenant_id: 'team-b' },
      { alertname: 'Down', instance: 'c1', tenant_id: 'team-c' },
    ]);
    await Promise.all([hookA.waitFor(1), hookB.waitFor(1), fallback.waitFor(1)]);
    // A second alert of team-a's group: the group's next flush (group_interval later) adds it, by
    // which time a second delivery of the first notification would have arrived.
    await post([{ alertname: 'Down', instance: 'a2', tenant_id: 'team-a' }]);
    await hookA.waitFor(2);

    expect(bodies(hookA).map((b) => b.alerts.map((a) => a.labels.instance))).toEqual([['a1'], ['a1', 'a2']]);
    expect(bodies(hookA).map((b) => b.receiver)).toEqual(['a-hook', 'a-hook']);
    expect(tenantsIn(hookB)).toEqual(['team-b']);
    expect(bodies(hookB)).toHaveLength(1);
    expect(tenantsIn(fallback)).toEqual(['team-c']);
    expect(bodies(fallback).map((b) => b.groupKey)).toEqual(['team-c:{}:{alertname="Down"}']);
  });

  it('shows in the Alertmanager API each tenant\'s configuration and the receivers its configuration routes to', async () => {
    const status = async (headers: Record<string, string>): Promise<string> =>
      ((await (await fetch(`${urls[1]}/api/v2/status`, { headers })).json()) as { config: { original: string } }).config.original;
    expect(await status({ authorization: basic('grafana-a') })).toContain('a-hook');
    expect(await status({ authorization: basic('someone'), 'x-scope-orgid': 'team-b' })).toContain('b-hook');
    const other = await status({ authorization: basic('someone'), 'x-scope-orgid': 'team-c' });
    expect(other).toContain('fallback');
    expect(other).not.toContain('a-hook');
    expect(await status(OPERATOR)).toContain('fallback');
    const receivers = (await (await fetch(`${urls[0]}/api/v2/receivers`, { headers: { authorization: basic('grafana-a') } })).json()) as Array<{ name: string }>;
    expect(receivers.map((r) => r.name)).toEqual(['a-hook']);
    // Each alert is shown with the receivers its tenant's configuration routes it to.
    const alerts = (await (await fetch(`${urls[0]}/api/v2/alerts`, { headers: OPERATOR })).json()) as Array<{ labels: Record<string, string>; receivers: Array<{ name: string }> }>;
    expect(Object.fromEntries(alerts.map((a) => [a.labels.instance, a.receivers.map((r) => r.name)]))).toEqual({ a1: ['a-hook'], a2: ['a-hook'], b1: ['b-hook'], c1: ['fallback'] });
    const groups = (await (await fetch(`${urls[1]}/api/v2/alerts/groups`, { headers: { authorization: basic('grafana-a') } })).json()) as Array<{ receiver: { name: string }; alerts: unknown[] }>;
    expect(groups.map((g) => `${g.receiver.name}:${g.alerts.length}`)).toEqual(['a-hook:2']);
  });

  it('follows a tenant\'s configuration as reloaded, and keeps it when the new file is invalid, naming the file and line', async () => {
    await writeFile(join(dir, 'am', 'team-b.yml'), amYml('b-hook-2', hookB2.url));
    expect((await reloadAll()).map((r) => r.status)).toEqual([200, 200]);
    await post([{ alertname: 'Other', instance: 'b2', tenant_id: 'team-b' }]);
    // The reload also re-routes team-b's earlier group (b1) to the new receiver; which of the two
    // flushes arrives first is timing, so each is found by what it holds.
    const holding = (instance: string): Notified | undefined => bodies(hookB2).find((b) => b.alerts.some((a) => a.labels.instance === instance));
    const b2 = await waitFor(async () => holding('b2'));
    expect(b2.alerts.map((a) => a.labels.instance)).toEqual(['b2']);
    expect(b2.receiver).toBe('b-hook-2');

    await writeFile(join(dir, 'am', 'team-b.yml'), 'route:\n  receiver: nobody\nreceivers:\n  - name: b-hook\n');
    const failed = await reloadAll();
    expect(failed.map((r) => r.status)).toEqual([500, 500]);
    expect(failed[0]!.text).toMatch(/route\.receiver \(line 2, column \d+\): undefined receiver "nobody"/);
    // The log names the file.
    const file = join(dir, 'am', 'team-b.yml');
    await replicas[0]!.waitForLog(new RegExp(`${file.replace(/[.*+?^$()|[\]\\/]/g, '\\$&')}: route\\.receiver`));
    await post([{ alertname: 'Third', instance: 'b3', tenant_id: 'team-b' }]);
    const b3 = await waitFor(async () => holding('b3'));
    expect(b3.alerts.map((a) => a.labels.instance)).toEqual(['b3']);
    expect(b3.receiver).toBe('b-hook-2');
    expect(bodies(hookB).map((b) => b.alerts.map((a) => a.labels.instance))).toEqual([['b1']]);
  });

  it('takes a tenant\'s configuration through Mimir\'s configuration API, shared by the replicas, and falls back to the main one once it is deleted', async () => {
    const asD = { authorization: basic('someone'), 'x-scope-orgid': 'team-d' };
    const api = (i: number, method: string, headers: Record<string, string>, body?: string): Promise<Response> =>
      fetch(`${urls[i]}/api/v1/alerts`, { method, headers, body });
    const statusOf = async (i: number): Promise<string> =>
      ((await (await fetch(`${urls[i]}/api/v2/status`, { headers: asD })).json()) as { config: { original: string } }).config.original;

    expect((await api(0, 'GET', asD)).status).toBe(404);
    const invalid = await api(0, 'POST', asD, 'alertmanager_config: |\n  route:\n    receiver: nobody\n  receivers:\n    - name: d-hook\n');
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toMatch(/undefined receiver "nobody" used in route \(line 2 of alertmanager_config\)/);
    const own = await api(0, 'POST', { authorization: basic('grafana-a') }, `alertmanager_config: |\n${amYml('a-other', hookD.url).replace(/^/gm, '  ')}`);
    expect(own.status).toBe(409);

    const config = [
      'template_files:',
      '  d.tmpl: \'{{ define "d.title" }}team D: {{ .CommonLabels.alertname }}{{ end }}\'',
      'alertmanager_config: |',
      ...amYml('d-hook', hookD.url).split('\n').map((l) => `  ${l}`),
    ].join('\n');
    expect((await api(0, 'POST', asD, config)).status).toBe(201);
    const got = await api(1, 'GET', asD);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe(config);
    // The other replica loads it within its look interval.
    await waitFor(async () => ((await statusOf(1)).includes('d-hook') ? true : undefined));
    expect(await statusOf(0)).toContain('d-hook');

    await post([{ alertname: 'Down', instance: 'd1', tenant_id: 'team-d' }]);
    await hookD.waitFor(1);
    expect(bodies(hookD).map((b) => `${b.receiver}:${b.alerts.map((a) => a.labels.instance).join()}`)).toEqual(['d-hook:d1']);

    expect((await api(1, 'DELETE', asD)).status).toBe(200);
    expect((await api(0, 'GET', asD)).status).toBe(404);
    await waitFor(async () => ((await statusOf(0)).includes('d-hook') ? undefined : true));
    expect(await statusOf(1)).not.toContain('d-hook');
    await post([{ alertname: 'Later', instance: 'd2', tenant_id: 'team-d' }]);
    await waitFor(async () => (bodies(fallback).some((b) => b.alerts.some((a) => a.labels.instance === 'd2')) ? true : undefined));
    expect(bodies(hookD)).toHaveLength(1);
    expect(tenantsIn(fallback)).toEqual(['team-c', 'team-d']);
  });

  it('refuses to start with an invalid tenant configuration, naming its file, path and line', async () => {
    await writeFile(join(dir, 'am', 'team-x.yml'), 'route:\n  receiver: x\n  group_wait: soon\nreceivers:\n  - name: x\n');
    await writeFile(join(dir, 'bad.yml'), 'tenants:\n  enabled: true\n  alertmanager_configs: { team-x: am/team-x.yml }\n');
    const r = await runCli(['notify', '--config', join(dir, 'bad.yml'), '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dir, 'am', 'team-x.yml'));
    expect(r.stderr).toMatch(/route\.group_wait \(line 3, column \d+\)/);
  });
});
