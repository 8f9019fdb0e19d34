import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../ops/config/index.js';
import { notifyRole } from '../../ops/cli/notify.js';
import { alertmanagerTargets, httpNotifyFunc } from '../../ops/cli/rules.js';
import { startRole, type RunningRole } from '../../ops/cli/run-role.js';
import { startRedis, type RedisService } from '../harness/index.js';
import { waitFor } from './cli-process.js';

let dir: string;
let redis: RedisService;
let sink: Server;
const received: Array<{ alerts: Array<{ labels: Record<string, string> }> }> = [];
const replicas: RunningRole[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-rules-notify-'));
  redis = await startRedis();
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await new Promise<void>((r) => sink.close(() => r()));
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const url = (r: RunningRole) => `${r.address.host}:${r.address.port}`;

describe('alerts from tidemark rules to tidemark notify replicas', () => {
  it('reach every replica listed in alerting.alertmanagers, and are notified once', async () => {
    const notifyConfig = join(dir, 'notify.yml');
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
    await writeFile(
      notifyConfig,
      [
        'alerting:',
        '  alertmanager_config:',
        "    route: { receiver: hook, group_by: [alertname], group_wait: 0s, group_interval: 1m, repeat_interval: 1h }",
        `    receivers: [{ name: hook, webhook_configs: [{ url: '${sinkUrl}' }] }]`,
        '',
      ].join('\n'),
    );
    for (const i of [0, 1]) {
      replicas.push(await startRole(notifyRole, { config: notifyConfig, listen: '127.0.0.1:0', data: join(dir, `n${i}`), redis: redis.url, logLevel: 'error' }));
    }

    // The rules side, configured as the README says: every notify replica in static_configs.
    const rulesConfig = join(dir, 'rules.yml');
    await writeFile(rulesConfig, `alerting:\n  alertmanagers:\n    - static_configs: [{ targets: ['${url(replicas[0])}', '${url(replicas[1])}'] }]\n`);
    const targets = alertmanagerTargets(await loadConfig(rulesConfig));
    expect(targets.map((t) => t.url)).toEqual(replicas.map((r) => `http://${url(r)}/api/v2/alerts`));

    const now = Date.now();
    await httpNotifyFunc(targets)([
      { labels: { alertname: 'DiskFull', instance: 'db-1' }, annotations: {}, startsAt: now, endsAt: now + 300_000, generatorURL: 'http://rules/graph' },
    ]);
    for (const r of replicas) {
      const alerts = (await (await fetch(`http://${url(r)}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string> }>;
      expect(alerts.map((a) => a.labels.alertname)).toEqual(['DiskFull']);
    }
    await waitFor(async () => (received.length > 0 ? true : undefined));
    // Both replicas hold the group; the notification log in Redis lets only one send it. Wait
    // for the other replica's flush of the same group to have happened before counting.
    await waitFor(async () => {
      const groups = await Promise.all(replicas.map(async (r) => (await (await fetch(`http://${url(r)}/api/v2/alerts/groups`)).json()) as unknown[]));
      return groups.every((g) => g.length === 1) ? true : undefined;
    });
    expect(received.flatMap((n) => n.alerts.map((a) => a.labels.alertname))).toEqual(['DiskFull']);
  });

  it('still delivers when one replica is down, and fails only when none accepts', async () => {
    const targets = [
      { url: 'http://127.0.0.1:9/api/v2/alerts', timeoutMs: 2000 },
      { url: `http://${url(replicas[1])}/api/v2/alerts`, timeoutMs: 2000 },
    ];
    const now = Date.now();
    const alert = { labels: { alertname: 'NodeDown', instance: 'n-2' }, annotations: {}, startsAt: now, endsAt: now + 300_000, generatorURL: '' };
    await httpNotifyFunc(targets)([alert]);
    const alerts = (await (await fetch(`http://${url(replicas[1])}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string> }>;
    expect(alerts.map((a) => a.labels.alertname).sort()).toEqual(['DiskFull', 'NodeDown']);
    await expect(httpNotifyFunc([targets[0]])([alert])).rejects.toThrow(/no notifier accepted the alerts: .*127\.0\.0\.1:9/);
  });

  it('has every replica report the cluster of replicas sharing Redis, and aggregation groups that agree with its API', async () => {
    for (const r of replicas) {
      const status = (await (await fetch(`http://${url(r)}/api/v2/status`)).json()) as { cluster: { status: string; name: string; peers: Array<{ address: string }> } };
      expect(status.cluster.status).toBe('ready');
      expect(status.cluster.peers.map((p) => p.address).sort()).toEqual(replicas.map(url).sort());
    }
    for (const r of replicas) {
      const groups = (await (await fetch(`http://${url(r)}/api/v2/alerts/groups`)).json()) as unknown[];
      const metrics = await (await fetch(`http://${url(r)}/metrics`)).text();
      expect(groups).toHaveLength(2); // DiskFull and NodeDown (group_by alertname)
      expect(metrics).toMatch(/^tidemark_notify_aggregation_groups 2$/m);
    }
  });
});
