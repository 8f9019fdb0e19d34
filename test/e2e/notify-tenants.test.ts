import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../ops/config/index.js';
import { notifyRole } from '../../ops/cli/notify.js';
import { alertmanagerTargets, httpNotifyFunc } from '../../ops/cli/rules.js';
import { startRole, type RunningRole } from '../../ops/cli/run-role.js';

const PASSWORD = 'notify-tenants-password';
let dir: string;
let notify: RunningRole;
let base: string;

const basic = (user: string): string => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-notify-tenants-'));
  // Cost 4: the test pays bcrypt once per user, not the realistic cost of 10.
  const hash = bcrypt.hashSync(PASSWORD, 4);
  await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  rules: ${hash}\n  grafana-a: ${hash}\n  someone: ${hash}\n`);
  await writeFile(
    join(dir, 'notify.yml'),
    [
      'alerting:',
      '  alertmanager_config:',
      '    route: { receiver: none }',
      '    receivers: [{ name: none }]',
      'tenants:',
      '  enabled: true',
      '  users: { grafana-a: team-a }',
      '  operators: [rules]',
      '',
    ].join('\n'),
  );
  notify = await startRole(notifyRole, { config: join(dir, 'notify.yml'), listen: '127.0.0.1:0', data: join(dir, 'data'), logLevel: 'error', webConfigFile: join(dir, 'web.yml') });
  base = `http://${notify.address.host}:${notify.address.port}`;
});

afterAll(async () => {
  await notify?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a separate tidemark rules posting to a tidemark notify with tenants', () => {
  it('posts every tenant\'s alerts as an operator, and each tenant sees only its own', async () => {
    // The rules side, configured as the README's Tenants section says: its notifier user is an operator.
    const rulesConfig = join(dir, 'rules.yml');
    await writeFile(rulesConfig, `alerting:\n  alertmanagers:\n    - static_configs: [{ targets: ['${notify.address.host}:${notify.address.port}'] }]\n      basic_auth: { username: rules, password: ${PASSWORD} }\n`);
    const now = Date.now();
    const alert = (tenant: string) => ({ labels: { alertname: 'LoadHigh', tenant_id: tenant }, annotations: {}, startsAt: now, endsAt: now + 300_000, generatorURL: '' });
    await httpNotifyFunc(alertmanagerTargets(await loadConfig(rulesConfig)))([alert('team-a'), alert('team-b')]);

    const asA = (await (await fetch(`${base}/api/v2/alerts`, { headers: { authorization: basic('grafana-a') } })).json()) as Array<{ labels: Record<string, string> }>;
    expect(asA.map((a) => a.labels.tenant_id)).toEqual(['team-a']);
    const asB = (await (await fetch(`${base}/api/v2/alerts`, { headers: { authorization: basic('someone'), 'x-scope-orgid': 'team-b' } })).json()) as Array<{ labels: Record<string, string> }>;
    expect(asB.map((a) => a.labels.tenant_id)).toEqual(['team-b']);
    const all = (await (await fetch(`${base}/api/v2/alerts`, { headers: { authorization: basic('rules') } })).json()) as Array<{ labels: Record<string, string> }>;
    expect(all.map((a) => a.labels.tenant_id).sort()).toEqual(['team-a', 'team-b']);
  });

  it('refuses the same post from a user that is no operator and names no tenant', async () => {
    const rulesConfig = join(dir, 'rules-other.yml');
    await writeFile(rulesConfig, `alerting:\n  alertmanagers:\n    - static_configs: [{ targets: ['${notify.address.host}:${notify.address.port}'] }]\n      basic_auth: { username: someone, password: ${PASSWORD} }\n`);
    const now = Date.now();
    const post = httpNotifyFunc(alertmanagerTargets(await loadConfig(rulesConfig)))([{ labels: { alertname: 'X', tenant_id: 'team-a' }, annotations: {}, startsAt: now, endsAt: now + 300_000, generatorURL: '' }]);
    await expect(post).rejects.toThrow(/no notifier accepted the alerts/);
  });
});
