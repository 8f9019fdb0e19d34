import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSink } from '../integration/alert/webhook-sink.js';
import { runCli, startCli, waitFor } from './cli-process.js';
import { spawnRole } from './role-process.js';

interface Notified {
  alerts: Array<{ labels: Record<string, string> }>;
}
const instancesIn = (sink: WebhookSink, i: number): string[] => (sink.requests[i]!.body as Notified).alerts.map((a) => a.labels.instance!).sort();

async function postAlerts(url: string, instances: readonly string[]): Promise<void> {
  const now = Date.now();
  const body = JSON.stringify(instances.map((instance) => ({ labels: { alertname: 'Disk', instance }, annotations: {}, endsAt: new Date(now + 600_000).toISOString() })));
  const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status, await res.text()).toBe(200);
}

async function createSilence(url: string, instance: string): Promise<string> {
  const now = Date.now();
  const res = await fetch(`${url}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: [{ name: 'instance', value: instance, isRegex: false }],
      startsAt: new Date(now).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), createdBy: 'ops', comment: `${instance} maintenance`,
    }),
  });
  const body = (await res.json()) as { silenceID: string };
  expect(res.status).toBe(200);
  return body.silenceID;
}

async function activeSilences(url: string): Promise<string[]> {
  const list = (await (await fetch(`${url}/api/v2/silences`)).json()) as Array<{ id: string; status: { state: string } }>;
  return list.filter((s) => s.status.state === 'active').map((s) => s.id).sort();
}

async function groupFlushes(url: string): Promise<number> {
  const m = /^tidemark_notify_group_flushes_total (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text());
  return m === null ? 0 : Number(m[1]);
}

/**
 * Waits until the notifier flushed the group twice: with group_interval 1s the second flush
 * claims the group only once the first one finished, so whatever the first sent has arrived.
 */
async function twoFlushes(url: string): Promise<void> {
  await waitFor(async () => ((await groupFlushes(url)) >= 2 ? true : undefined));
}

const amYml = (url: string): string =>
  `route:\n  receiver: team\n  group_by: [alertname]\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 4h\nreceivers:\n  - name: team\n    webhook_configs: [{ url: '${url}' }]\n`;

describe('the notifier\'s state without Redis across restarts', () => {
  let dir: string;
  let sink: WebhookSink;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-notify-restart-'));
    sink = await WebhookSink.start();
    await writeFile(join(dir, 'alertmanager.yml'), amYml(sink.url));
    await writeFile(join(dir, 'tidemark.yml'), 'alerting:\n  alertmanager_config_file: alertmanager.yml\n');
  });
  afterAll(async () => {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('tidemark up keeps silences and the notification log across a graceful restart and a SIGKILL', async () => {
    sink.requests.length = 0;
    const args = ['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'up-data')];

    const first = await startCli(args);
    let silenced: string;
    try {
      await postAlerts(first.url, ['db1']);
      await sink.waitFor(1);
      expect(instancesIn(sink, 0)).toEqual(['db1']);
      silenced = await createSilence(first.url, 'db2');
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }

    const second = await startCli(args);
    let silencedLater: string;
    try {
      expect(await activeSilences(second.url)).toEqual([silenced]);
      // db1 was notified before the restart (repeat_interval 4h), db2 is silenced: nothing to send.
      await postAlerts(second.url, ['db1', 'db2']);
      await twoFlushes(second.url);
      expect(sink.requests).toHaveLength(1);
      await postAlerts(second.url, ['db1', 'db2', 'db3']);
      await sink.waitFor(2);
      expect(instancesIn(sink, 1)).toEqual(['db1', 'db3']);
      silencedLater = await createSilence(second.url, 'db4');
    } finally {
      expect(await second.stop('SIGKILL')).toBeNull();
    }

    const third = await startCli(args);
    try {
      // Silences are saved before the API answers: the one created just before the SIGKILL is there.
      expect(await activeSilences(third.url)).toEqual([silenced, silencedLater].sort());
      await postAlerts(third.url, ['db1', 'db2', 'db4']);
      await twoFlushes(third.url);
      expect(sink.requests).toHaveLength(2);
    } finally {
      expect(await third.stop('SIGTERM')).toBe(0);
    }
    expect(third.output(), 'no error was logged').not.toContain('"level":50');
  });

  it('tidemark notify without Redis keeps them too', async () => {
    sink.requests.length = 0;
    const args = ['notify', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'notify-data'), '--listen', '127.0.0.1:0'];
    const start = async () => {
      const role = spawnRole(args);
      const m = await role.waitForLog(/"address":"([^"]+)"[^\n]*"msg":"notify started"/);
      return { role, url: `http://${m[1]}` };
    };

    const first = await start();
    try {
      await postAlerts(first.url, ['db1']);
      await sink.waitFor(1);
    } finally {
      expect(await first.role.stop('SIGTERM')).toBe(0);
    }

    const second = await start();
    let silenced: string;
    try {
      // The log written at that graceful stop keeps db1 from being notified again.
      await postAlerts(second.url, ['db1']);
      await twoFlushes(second.url);
      expect(sink.requests).toHaveLength(1);
      silenced = await createSilence(second.url, 'db2');
    } finally {
      expect(await second.role.stop('SIGKILL')).toBeNull();
    }

    const third = await start();
    try {
      expect(await activeSilences(third.url)).toEqual([silenced]);
      await postAlerts(third.url, ['db2']);
      await twoFlushes(third.url);
      expect(sink.requests).toHaveLength(1);
    } finally {
      expect(await third.role.stop('SIGTERM')).toBe(0);
    }
    expect(third.role.output(), 'no error was logged').not.toContain('"level":50');
  });

  it('tidemark notify keeps a tenant\'s uploaded Alertmanager configuration across a SIGKILL', async () => {
    await writeFile(join(dir, 'tenants.yml'), 'alerting:\n  alertmanager_config_file: alertmanager.yml\ntenants:\n  enabled: true\n');
    const args = ['notify', '--config', join(dir, 'tenants.yml'), '--data', join(dir, 'tenants-data'), '--listen', '127.0.0.1:0'];
    const asD = { 'x-scope-orgid': 'team-d' };
    const uploaded = `alertmanager_config: |\n${amYml(sink.url).replace('receiver: team', 'receiver: d-hook').replace('name: team', 'name: d-hook').replace(/^/gm, '  ')}`;

    const first = spawnRole(args);
    try {
      const url = `http://${(await first.waitForLog(/"address":"([^"]+)"[^\n]*"msg":"notify started"/))[1]}`;
      const res = await fetch(`${url}/api/v1/alerts`, { method: 'POST', headers: asD, body: uploaded });
      expect(res.status, await res.text()).toBe(201);
    } finally {
      expect(await first.stop('SIGKILL')).toBeNull();
    }

    const second = spawnRole(args);
    try {
      const url = `http://${(await second.waitForLog(/"address":"([^"]+)"[^\n]*"msg":"notify started"/))[1]}`;
      const res = await fetch(`${url}/api/v1/alerts`, { headers: asD });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('name: d-hook');
      const status = (await (await fetch(`${url}/api/v2/status`, { headers: asD })).json()) as { config: { original: string } };
      expect(status.config.original).toContain('receiver: d-hook');
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to start on a state file it cannot read, naming it', async () => {
    const data = join(dir, 'corrupt-data');
    await mkdir(join(data, 'notify'), { recursive: true });
    await writeFile(join(data, 'notify', 'silences.json'), '{"kind":"silences","version":1,"silen');
    const r = await runCli(['notify', '--config', join(dir, 'tidemark.yml'), '--data', data, '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(data, 'notify', 'silences.json')}: not valid JSON`);
  });
});
