import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { WebhookSink } from '../../../test/integration/alert/webhook-sink.js';
import type { Alert } from './alert.js';
import { ManualClock } from './clock.js';
import { parseAlertmanagerConfig, type AlertmanagerConfig } from './config/index.js';
import { Dispatcher } from './dispatcher.js';
import { alertFingerprint } from './fingerprint.js';
import { MemoryStateStore } from './memory-state-store.js';
import { alertmanagerRenderer } from '../receivers/index.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const M = 60_000;

let main: WebhookSink;
let teamA: WebhookSink;
beforeAll(async () => {
  [main, teamA] = await Promise.all([WebhookSink.start(), WebhookSink.start()]);
});
afterAll(async () => {
  await Promise.all([main.close(), teamA.close()]);
});
beforeEach(() => {
  main.requests.length = 0;
  teamA.requests.length = 0;
});

function config(receiver: string, url: string, extra = ''): AlertmanagerConfig {
  const r = parseAlertmanagerConfig(`route:\n  receiver: ${receiver}\n  group_by: [alertname]\n  group_wait: 0s\n${extra}receivers:\n- name: ${receiver}\n  webhook_configs: [{ url: '${url}' }]\n`);
  if (r.config === undefined) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

function alert(clock: ManualClock, labels: Record<string, string>): Alert {
  const now = clock.now();
  return { fingerprint: alertFingerprint(labels), labels, annotations: {}, startsAt: now, endsAt: now + 60 * M, generatorURL: '', updatedAt: now, timeout: true };
}

function setup(tenants: Map<string, AlertmanagerConfig>, mainExtra = '', tenantLabel: string | null = 'tenant_id') {
  const clock = new ManualClock(T0);
  const store = new MemoryStateStore(() => clock.now());
  const d = new Dispatcher(config('main', main.url, mainExtra), { store, clock, tenantLabel: tenantLabel ?? undefined, retry: { initialMs: 1, maxMs: 2, maxAttempts: 2, maxElapsedMs: 1000 } });
  d.applyConfig(d.plan.config, alertmanagerRenderer(), new Map([...tenants].map(([t, c]) => [t, { config: c, templates: alertmanagerRenderer() }])));
  return { clock, d };
}

const tenantsOf = (sink: WebhookSink): string[][] =>
  sink.requests.map((r) => (r.body.alerts as Array<{ labels: Record<string, string> }>).map((a) => a.labels.tenant_id ?? '-'));

describe('a notifier with per-tenant configurations', () => {
  it('routes a tenant\'s alerts by its own configuration, and every other tenant\'s by the main one', async () => {
    const { clock, d } = setup(new Map([['team-a', config('a-hook', teamA.url)]]));
    await d.putAlerts([
      alert(clock, { alertname: 'Down', tenant_id: 'team-a' }),
      alert(clock, { alertname: 'Down', tenant_id: 'team-b' }),
    ]);
    await d.tick();
    expect(tenantsOf(teamA)).toEqual([['team-a']]);
    expect(teamA.requests[0]!.body.receiver).toBe('a-hook');
    expect(tenantsOf(main)).toEqual([['team-b']]);
  });

  it('keeps tenants in groups of their own under the main configuration, the tenant in front of the group key', async () => {
    const { clock, d } = setup(new Map());
    await d.putAlerts([
      alert(clock, { alertname: 'Down', tenant_id: 'team-b', instance: '1' }),
      alert(clock, { alertname: 'Down', tenant_id: 'team-c', instance: '1' }),
      alert(clock, { alertname: 'Down', instance: '1' }),
    ]);
    await d.tick();
    expect(tenantsOf(main).sort()).toEqual([['-'], ['team-b'], ['team-c']]);
    expect(main.requests.map((r) => r.body.groupKey).sort()).toEqual(['team-b:{}:{alertname="Down"}', 'team-c:{}:{alertname="Down"}', '{}:{alertname="Down"}']);
  });

  it('groups every tenant together when the notifier keeps no tenants apart', async () => {
    const { clock, d } = setup(new Map(), '', null);
    await d.putAlerts([alert(clock, { alertname: 'Down', tenant_id: 'team-b' }), alert(clock, { alertname: 'Down', tenant_id: 'team-c' })]);
    await d.tick();
    expect(tenantsOf(main)).toEqual([['team-b', 'team-c']]);
  });

  it('lets an alert inhibit only alerts of its own tenant', async () => {
    const inhibit = 'inhibit_rules:\n- source_matchers: [severity="critical"]\n  target_matchers: [severity="warning"]\n';
    const { clock, d } = setup(new Map(), inhibit);
    await d.putAlerts([
      alert(clock, { alertname: 'Critical', severity: 'critical', tenant_id: 'team-b' }),
      alert(clock, { alertname: 'Warn', severity: 'warning', tenant_id: 'team-b' }),
      alert(clock, { alertname: 'Warn', severity: 'warning', tenant_id: 'team-c' }),
    ]);
    await d.tick();
    const sent = main.requests.map((r) => `${r.body.alerts[0].labels.alertname}/${r.body.alerts[0].labels.tenant_id}`).sort();
    expect(sent).toEqual(['Critical/team-b', 'Warn/team-c']);
  });

  it('moves a tenant\'s groups to the configuration it gets on reload', async () => {
    const { clock, d } = setup(new Map());
    await d.putAlerts([alert(clock, { alertname: 'Down', tenant_id: 'team-a' })]);
    await d.tick();
    expect(tenantsOf(main)).toEqual([['team-a']]);
    d.applyConfig(d.plan.config, alertmanagerRenderer(), new Map([['team-a', { config: config('a-hook', teamA.url), templates: alertmanagerRenderer() }]]));
    clock.advance(5 * M);
    await d.tick();
    await d.tick();
    expect(tenantsOf(teamA)).toEqual([['team-a']]);
    expect(tenantsOf(main)).toEqual([['team-a']]);
  });
});
