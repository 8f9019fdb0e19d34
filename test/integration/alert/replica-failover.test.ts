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
    readyTimeoutMs: 60_000,
  });
  return { id, url: match[1]!, process };
}

/** Resolves once no group state is left under `prefix`: nothing is held, pending or due. */
async function waitForSettled(redis: Redis, prefix: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await redis.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).filter((k) => /^(g|gm|lease|pend):|^due$/.test(k));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`group state still in Redis after ${timeoutMs} ms: ${left.join(' ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
    // Every group's first notification fails (retryable) until r0 is killed, so each replica sits in
    // backoff holding its groups for as long as the test needs, however slowly the machine runs.
    const firstTried = new Set<string>();
    let holding = true;
    let failed = 0;
    sink.respond = (r) => {
      if (!holding || r.body.alerts.length !== 1 || r.body.status !== 'firing') return 200;
      if (!firstTried.has(r.body.groupKey)) {
        firstTried.add(r.body.groupKey);
        failed++;
      }
      return 503;
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
      // Retries never give up while the test holds the groups (up to the 60 s wait below).
      retry: { initialMs: 3000, maxMs: 3000, maxAttempts: 100, maxElapsedMs: 180_000 },
    };
    replicas.push(...(await Promise.all(Array.from({ length: REPLICAS }, (_, i) => startReplica(`r${i}`, settings)))));

    // Phase 1: one alert per group, posted round-robin to the replicas.
    const alert = (g: number, i: number, endsAt?: string) => ({ labels: { alertname: `G${g}`, instance: `i${i}` }, ...(endsAt ? { endsAt } : {}) });
    for (let g = 0; g < GROUPS; g++) expect((await post(replicas[g % REPLICAS]!.url, [alert(g, 1)])).status).toBe(200);
    const deadline = Date.now() + 60_000;
    while (failed < GROUPS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(failed).toBe(GROUPS);

    // r0 holds a third of the groups (maxInFlight), each with a notification written ahead: kill it.
    const leases = await redis.keys(`${ns.redisPrefix}lease:*`);
    const owners = await Promise.all(leases.map((k) => redis.get(k)));
    const heldByVictim = owners.filter((o) => o?.startsWith('r0:')).length;
    expect(heldByVictim).toBe(GROUPS / REPLICAS);
    await replicas[0]!.process.stop();
    holding = false;
    await sink.waitFor(GROUPS);

    // Phase 2: a second alert in every group, then phase 3: both resolve. Only the survivors get requests.
    for (let g = 0; g < GROUPS; g++) expect((await post(replicas[1 + (g % 2)]!.url, [alert(g, 1), alert(g, 2)])).status).toBe(200);
    await sink.waitFor(2 * GROUPS);
    const end = new Date().toISOString();
    for (let g = 0; g < GROUPS; g++) expect((await post(replicas[1 + (g % 2)]!.url, [alert(g, 1, end), alert(g, 2, end)])).status).toBe(200);
    await sink.waitFor(3 * GROUPS);
    // A duplicate could only come from group state still in Redis (a group, a lease, a notification
    // written ahead, a due flush): wait until all of it is gone, then count.
    await waitForSettled(redis, ns.redisPrefix);

    const delivered = sink.requests.map((r) => `${r.body.groupKey} ${r.body.alerts.map((a: any) => `${a.labels.instance}:${a.status}`).join(',')}`);
    expect(delivered).toHaveLength(3 * GROUPS);
    expect(new Set(delivered).size).toBe(3 * GROUPS);
    for (let g = 0; g < GROUPS; g++) {
      const k = `{}:{alertname="G${g}"}`;
      expect(delivered.filter((d) => d.startsWith(`${k} `)).sort()).toEqual([`${k} i1:firing`, `${k} i1:firing,i2:firing`, `${k} i1:resolved,i2:resolved`]);
    }
  });
});
