import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createNotifier, parseAlertmanagerConfig, type Notifier } from '../../../pipeline/alert/notify/index.js';
import { serveRoutes } from './serve-routes.js';
import { WebhookSink } from './webhook-sink.js';

let sink: WebhookSink;
let notifier: Notifier;
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  sink = await WebhookSink.start();
  const { config, errors } = parseAlertmanagerConfig(`
route:
  receiver: default
  group_by: [alertname]
  routes:
  - matchers: [team="db"]
    receiver: dba
    continue: true
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [instance]
receivers:
- name: default
  webhook_configs: [{url: '${sink.url}'}]
- name: dba
  webhook_configs: [{url: '${sink.url}'}]
`);
  expect(errors).toEqual([]);
  notifier = createNotifier({ config: config! });
  server = await serveRoutes(notifier.routes);
});
afterAll(async () => {
  await server.close();
  await notifier.stop();
  await sink.close();
});

const api = (path: string, init?: RequestInit) => fetch(`${server.url}/api/v2${path}`, init);
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('Alertmanager v2 API', () => {
  it('accepts alerts as Prometheus posts them and lists them with receivers and status', async () => {
    const res = await post('/alerts', [
      { labels: { alertname: 'DiskFull', team: 'db', instance: 'db1', severity: 'warning' }, annotations: { summary: 'full' }, generatorURL: 'http://prom/graph' },
      { labels: { alertname: 'Down', instance: 'web1', job: 'web' }, startsAt: new Date(Date.now() - 60_000).toISOString() },
    ]);
    expect(res.status).toBe(200);
    const alerts = (await (await api('/alerts')).json()) as any[];
    expect(alerts.map((a) => a.labels.alertname).sort()).toEqual(['DiskFull', 'Down']);
    const disk = alerts.find((a) => a.labels.alertname === 'DiskFull');
    // continue lets later siblings match too; the root itself matches only when no child did.
    expect(disk.receivers.map((r: any) => r.name)).toEqual(['dba']);
    expect(disk.status).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [], mutedBy: [] });
    expect(disk.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(disk.generatorURL).toBe('http://prom/graph');
    expect(Date.parse(disk.endsAt) - Date.parse(disk.startsAt)).toBeGreaterThanOrEqual(5 * 60_000 - 10);
    const filtered = (await (await api(`/alerts?filter=${encodeURIComponent('alertname="Down"')}`)).json()) as any[];
    expect(filtered.map((a) => a.labels.alertname)).toEqual(['Down']);
    const byReceiver = (await (await api('/alerts?receiver=dba')).json()) as any[];
    expect(byReceiver.map((a) => a.labels.alertname)).toEqual(['DiskFull']);
  });

  it('rejects invalid alerts with 400 and Alertmanager messages, storing the valid ones', async () => {
    const res = await post('/alerts', [
      { labels: { '0bad': 'x' } },
      { labels: { alertname: 'Ok1' } },
      { labels: { alertname: 'Late' }, startsAt: '2026-01-02T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' },
      { labels: { empty: '' } },
    ]);
    expect(res.status).toBe(400);
    expect(await res.json()).toBe('invalid label set: invalid name "0bad"; start time must be before end time; at least one label pair required');
    const alerts = (await (await api('/alerts')).json()) as any[];
    expect(alerts.some((a) => a.labels.alertname === 'Ok1')).toBe(true);
    expect((await api('/alerts', { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await post('/alerts', [{ annotations: {} }])).status).toBe(400);
    expect((await api('/alerts?active=maybe')).status).toBe(400);
  });

  it('creates, shows, applies and expires a silence', async () => {
    const now = Date.now();
    const res = await post('/silences', {
      matchers: [{ name: 'alertname', value: 'Down', isRegex: false }],
      startsAt: new Date(now - 1000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), createdBy: 'me', comment: 'maintenance',
    });
    expect(res.status).toBe(200);
    const { silenceID } = (await res.json()) as { silenceID: string };
    expect(silenceID).toMatch(/^[0-9a-f-]{36}$/);
    const one = (await (await api(`/silence/${silenceID}`)).json()) as any;
    expect(one).toMatchObject({ id: silenceID, status: { state: 'active' }, createdBy: 'me', comment: 'maintenance', matchers: [{ name: 'alertname', value: 'Down', isRegex: false, isEqual: true }] });
    const down = ((await (await api('/alerts')).json()) as any[]).find((a) => a.labels.alertname === 'Down');
    expect(down.status).toMatchObject({ state: 'suppressed', silencedBy: [silenceID] });
    const unsilenced = (await (await api('/alerts?silenced=false')).json()) as any[];
    expect(unsilenced.some((a) => a.labels.alertname === 'Down')).toBe(false);
    expect((await api(`/silence/${silenceID}`, { method: 'DELETE' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    const list = (await (await api('/silences')).json()) as any[];
    expect(list.find((s) => s.id === silenceID).status.state).toBe('expired');
    expect((await api('/silence/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('refuses silences Alertmanager refuses', async () => {
    const now = Date.now();
    const base = { matchers: [{ name: 'a', value: 'b', isRegex: false }], createdBy: 'x', comment: '' };
    const past = await post('/silences', { ...base, startsAt: new Date(now - 7200_000).toISOString(), endsAt: new Date(now - 3600_000).toISOString() });
    expect(past.status).toBe(400);
    expect(await past.json()).toBe("Failed to create silence: end time can't be in the past");
    const empty = await post('/silences', { ...base, matchers: [{ name: 'a', value: '.*', isRegex: true }], startsAt: new Date(now).toISOString(), endsAt: new Date(now + 1000_000).toISOString() });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toBe('invalid silence: at least one matcher must not match the empty string');
    const unknown = await post('/silences', { ...base, id: 'nope', startsAt: new Date(now).toISOString(), endsAt: new Date(now + 1000_000).toISOString() });
    expect(unknown.status).toBe(404);
  });

  it('marks an inhibited alert with the fingerprint of the alert inhibiting it', async () => {
    await post('/alerts', [{ labels: { alertname: 'DbDown', instance: 'db1', severity: 'critical' } }]);
    const alerts = (await (await api('/alerts')).json()) as any[];
    const source = alerts.find((a) => a.labels.alertname === 'DbDown');
    const target = alerts.find((a) => a.labels.alertname === 'DiskFull');
    expect(target.status).toMatchObject({ state: 'suppressed', inhibitedBy: [source.fingerprint] });
    expect((await (await api('/alerts?inhibited=false')).json() as any[]).some((a) => a.labels.alertname === 'DiskFull')).toBe(false);
  });

  it('lists aggregation groups with their receiver and alerts', async () => {
    const groups = (await (await api('/alerts/groups')).json()) as any[];
    const dba = groups.filter((g) => g.receiver.name === 'dba');
    expect(dba).toHaveLength(1);
    expect(dba[0].labels).toEqual({ alertname: 'DiskFull' });
    expect(dba[0].alerts.map((a: any) => a.labels.instance)).toEqual(['db1']);
    expect(groups.filter((g) => g.receiver.name === 'default').map((g) => g.labels.alertname).sort()).toEqual(['DbDown', 'Down', 'Ok1']);
  });

  it('lists notifications that could not be delivered', async () => {
    await notifier.store.recordFailure({ groupKey: '{}:{alertname="X"}', integration: 'default/webhook/0', error: 'unexpected status code 400', attempts: 1, alerts: 2, at: Date.UTC(2026, 0, 1) });
    const res = await fetch(`${server.url}/api/tidemark/v1/notify/failures?limit=5`);
    expect(await res.json()).toEqual([{ groupKey: '{}:{alertname="X"}', integration: 'default/webhook/0', error: 'unexpected status code 400', attempts: 1, alerts: 2, at: '2026-01-01T00:00:00.000Z' }]);
  });

  it('reports status and receivers', async () => {
    const status = (await (await api('/status')).json()) as any;
    expect(status.cluster.status).toBe('disabled');
    expect(status.config.original).toContain('inhibit_rules');
    expect(Date.parse(status.uptime)).toBeLessThanOrEqual(Date.now());
    expect(await (await api('/receivers')).json()).toEqual([{ name: 'default' }, { name: 'dba' }]);
  });
});
