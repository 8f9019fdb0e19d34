import { join } from 'node:path';

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { redisUrl, testNamespace } from '../../harness/index.js';
import { spawnService, type ServiceProcess } from '../../harness/service-process.js';
import { WebhookSink } from './webhook-sink.js';

const GROUPS = 30;
const REPLICAS = 3;

interface Replica { readonly id: string; readonly url: string; readonly process: ServiceProcess }

async function startReplica(id: string, settings: object): Promise<Replica> {
  const script = join(import.meta.dirname, 'notify-replica.ts');
  const { process, match } = await spawnService({
    command: globalThis.process.execPath,
    args: ['--import', 'tsx', script, JSON.stringify({ ...settings, replicaId: id })],
    ready: /LISTENING (\S+)/,
    guard: true,
    stopSignal: 'KILL',
    readyTimeoutMs: 30_000,
  });
  return { id, url: match[1]!, process };
}

const post = (base: string, body: unknown) =>
  fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('notifier replicas on one Redis', () => {
  const replicas: Replica[] = [];
  let sink: WebhookSink;
  const ns = testNamespace('notify-failover');
  const redis = new Redis(redisUrl());

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process.stop()));
    await sink?.close();
    redis.disconnect();
  });

  it('delivers every notification exactly once when a replica holding groups is killed', async () => {
    sink = await WebhookSink.start();
    // The first attempt of every group fails (retryable), so each replica sits in backoff holding its groups.
    const attempts = new Map<string, number>();
    let failed = 0;
    sink.respond = (r) => {
      const k = `${r.body.groupKey}|${r.body.alerts.map((a: any) => a.status).join(',')}`;
      const n = (attempts.get(k) ?? 0) + 1;
      attempts.set(k, n);
      if (n === 1 && r.body.alerts.length === 1 && r.body.status === 'firing') {
        failed++;
        return 503;
      }
      return 200;
    };
    const configText = `
route:
  receiver: sink
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: sink
  webhook_configs: [{url: '${sink.url}'}]
`;
    const settings = {
      redisUrl: redisUrl(), prefix: ns.redisPrefix, configText, leaseMs: 1000, pollMs: 20, maxInFlight: GROUPS / REPLICAS,
      retry: { initialMs: 3000, maxMs: 3000, maxAttempts: 5, maxElapsedMs: 30_000 },
    };
    replicas.push(...(await Promise.all(Array.from({ length: REPLICAS }, (_, i) => startReplica(`r${i}`, settings)))));

    // Phase 1: one alert per group, posted round-robin to the replicas.
    const alert = (g: number, i: number, endsAt?: string) => ({ labels: { alertname: `G${g}`, instance: `i${i}` }, ...(endsAt ? { endsAt } : {}) });
    for (let g = 0; g < GROUPS; g++) expect((await post(replicas[g % REPLICAS]!.url, [alert(g, 1)])).status).toBe(200);
    const deadline = Date.now() + 15_000;
    while (failed < GROUPS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(failed).toBe(GROUPS);

    // r0 holds a third of the groups (maxInFlight), each with a notification written ahead: kill it.
    const leases = await redis.keys(`${ns.redisPrefix}lease:*`);
    const owners = await Promise.all(leases.map((k) => redis.get(k)));
    const heldByVictim = owners.filter((o) => o?.startsWith('r0:')).length;
    expect(heldByVictim).toBe(GROUPS / REPLICAS);
    await replicas[0]!.process.stop();
    await sink.waitFor(GROUPS);

    // Phase 2: a second alert in every group, then phase 3: both resolve. Only the survivors get requests.
    for (let g = 0; g < GROUPS; g++) expect((await post(replicas[1 + (g % 2)]!.url, [alert(g, 1), alert(g, 2)])).status).toBe(200);
    await sink.waitFor(2 * GROUPS);
    const end = new Date().toISOString();
    for (let g = 0; g < GROUPS; g++) expect((await post(replicas[1 + (g % 2)]!.url, [alert(g, 1, end), alert(g, 2, end)])).status).toBe(200);
    await sink.waitFor(3 * GROUPS);
    // Give any duplicate time to show up: a few group_intervals and a lease period.
    await new Promise((r) => setTimeout(r, 3000));

    const delivered = sink.requests.map((r) => `${r.body.groupKey} ${r.body.alerts.map((a: any) => `${a.labels.instance}:${a.status}`).join(',')}`);
    expect(delivered).toHaveLength(3 * GROUPS);
    expect(new Set(delivered).size).toBe(3 * GROUPS);
    for (let g = 0; g < GROUPS; g++) {
      const k = `{}:{alertname="G${g}"}`;
      expect(delivered.filter((d) => d.startsWith(`${k} `)).sort()).toEqual([`${k} i1:firing`, `${k} i1:firing,i2:firing`, `${k} i1:resolved,i2:resolved`]);
    }
  });
});
