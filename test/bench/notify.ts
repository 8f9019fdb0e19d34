import { join } from 'node:path';

import { WebhookSink } from '../integration/alert/webhook-sink.js';
import { startRedis } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import type { Benchmark, BenchResult } from './bench-result.js';

const REPLICAS = 3;
const GROUPS = 3000;
const BATCH = 100;
const TRIALS = 20;

/**
 * Notifications per second through 3 notifier replicas (separate processes) sharing one Redis:
 * GROUPS alerts, each its own group (group_wait 0s), posted through the v2 API round-robin
 * across the replicas; a node:http sink counts deliveries per group key, so duplicates and
 * losses show.
 */
async function run(): Promise<BenchResult[]> {
  const redis = await startRedis();
  const sink = await WebhookSink.start();
  const replicas: ServiceProcess[] = [];
  const servers: { url: string }[] = [];
  try {
    const configText = `
route:
  receiver: sink
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
- name: sink
  webhook_configs: [{url: '${sink.url}'}]
`;
    const script = join(import.meta.dirname, '..', 'integration', 'alert', 'notify-replica.ts');
    const started = await Promise.all(Array.from({ length: REPLICAS }, (_, i) => spawnService({
      command: process.execPath,
      args: ['--import', 'tsx', script, JSON.stringify({
        redisUrl: redis.url, prefix: 'bench:', configText, replicaId: `r${i}`, leaseMs: 10_000, pollMs: 20, maxInFlight: 128,
        retry: { initialMs: 500, maxMs: 5000, maxAttempts: 5, maxElapsedMs: 30_000 },
      })],
      ready: /LISTENING (\S+)/,
      guard: true,
      readyTimeoutMs: 60_000,
    })));
    for (const r of started) {
      replicas.push(r.process);
      servers.push({ url: r.match[1]! });
    }
    const start = performance.now();
    const posts: Promise<Response>[] = [];
    for (let b = 0; b < GROUPS / BATCH; b++) {
      const alerts = Array.from({ length: BATCH }, (_, i) => ({ labels: { alertname: `A${b * BATCH + i}`, job: 'bench' } }));
      posts.push(fetch(`${servers[b % REPLICAS]!.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) }));
    }
    await Promise.all(posts);
    await sink.waitFor(GROUPS, 120_000);
    const seconds = (performance.now() - start) / 1000;
    // Let any duplicate arrive before counting.
    await new Promise((r) => setTimeout(r, 1000));
    const keys = sink.requests.map((r) => r.body.groupKey as string);
    const duplicates = keys.length - new Set(keys).size;

    // Latency of one alert, from POST to the webhook request, with group_wait 0s.
    const latencies: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const before = sink.requests.length;
      const t = performance.now();
      await fetch(`${servers[i % REPLICAS]!.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: `L${i}` } }]) });
      await sink.waitFor(before + 1, 10_000);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    return [
      { name: `notify: ${GROUPS} groups through ${REPLICAS} replicas on Redis`, subject: 'tidemark', value: GROUPS / seconds, unit: 'notifications/s', note: `${seconds.toFixed(2)} s, webhook sink` },
      { name: 'notify: duplicate notifications', subject: 'tidemark', value: duplicates, unit: 'count', goal: '0' },
      { name: `notify: POST /api/v2/alerts to webhook, group_wait 0s, median of ${TRIALS}`, subject: 'tidemark', value: latencies[Math.floor(TRIALS / 2)]!, unit: 'ms', note: `max ${latencies[TRIALS - 1]!.toFixed(1)} ms` },
    ];
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await sink.close();
    await redis.stop();
  }
}

export const notifyBenchmark: Benchmark = { area: 'notify', run };
