/**
 * The scenarios of the system suite, written once against a `Deployment` and run against both
 * shapes (separate role processes; one `tidemark up`). Only public interfaces: HTTP, signals, files.
 */
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { expect } from 'vitest';
import { encodeWriteRequest } from '../bench/peers/index.js';
import { startPrometheus, type PrometheusProcess } from '../integration/ingest/prometheus-process.js';
import type { Deployment } from './deployment.js';
import { PrometheusApi, valueOf, waitFor, type MatrixSeries, type VectorSample } from './prometheus-api.js';
import { CLI, type RoleProcess } from './role-process.js';
import { SteadyFeeder } from './steady-feeder.js';

async function push(d: Deployment, method: 'PUT' | 'POST' | 'DELETE', group: string, body?: string): Promise<number> {
  const res = await fetch(`${d.ingestUrl}/metrics/job/${group}`, { method, body });
  await res.arrayBuffer();
  return res.status;
}

const byInstance = (v: readonly VectorSample[]): Record<string, number> =>
  Object.fromEntries(v.map((s) => [s.metric.instance, Number(s.value[1])]));

/**
 * Flink task managers push through the Pushgateway API; the values come back through the query
 * API, instant and range; PUT replaces a group, POST merges into it, a deleted group goes stale.
 */
export async function flinkPushgateway(d: Deployment): Promise<void> {
  const api = new PrometheusApi(d.queryUrl);
  const t0 = Date.now();
  expect(await push(d, 'PUT', 'flink/instance/tm-1', 'sys_flink_records_in{task="map"} 10\nsys_flink_busy_ratio 0.25\n')).toBe(200);
  expect(await push(d, 'POST', 'flink/instance/tm-2', 'sys_flink_records_in{task="map"} 20\n')).toBe(200);
  expect(await push(d, 'PUT', 'flink/instance/tm-3', 'sys_flink_records_in{task="map"} 30\n')).toBe(200);

  const first = await waitFor('three pushed groups queryable', async () => {
    const v = await api.vector('sys_flink_records_in');
    return v.length === 3 ? v : undefined;
  });
  expect(byInstance(first)).toEqual({ 'tm-1': 10, 'tm-2': 20, 'tm-3': 30 });
  expect(first.every((s) => s.metric.job === 'flink' && s.metric.task === 'map')).toBe(true);

  // POST merges into tm-2's group; PUT replaces tm-1's (its busy ratio goes); tm-3 is deleted.
  expect(await push(d, 'POST', 'flink/instance/tm-2', 'sys_flink_busy_ratio 0.5\n')).toBe(200);
  expect(await push(d, 'PUT', 'flink/instance/tm-1', 'sys_flink_records_in{task="map"} 11\n')).toBe(200);
  expect(await push(d, 'DELETE', 'flink/instance/tm-3')).toBe(202);

  const after = await waitFor('pushes after PUT/POST/DELETE queryable', async () => {
    const records = byInstance(await api.vector('sys_flink_records_in'));
    const busy = byInstance(await api.vector('sys_flink_busy_ratio'));
    return records['tm-1'] === 11 && records['tm-3'] === undefined && busy['tm-1'] === undefined && busy['tm-2'] !== undefined
      ? { records, busy }
      : undefined;
  });
  expect(after.records).toEqual({ 'tm-1': 11, 'tm-2': 20 });
  expect(after.busy).toEqual({ 'tm-2': 0.5 });

  // Range: tm-1 went from 10 to 11; tm-3 had 30 and is stale (no point) from now on. The range
  // reaches 2 s past now, which a lookback would fill if the deletion had left no stale marker.
  const now = Date.now();
  const end = now + 2000;
  const range = await api.range('sys_flink_records_in', t0, end, 0.25);
  expect(range.status).toBe(200);
  expect(range.warnings).toEqual([]);
  const series = (instance: string): MatrixSeries | undefined => range.data.find((s) => s.metric.instance === instance);
  const tm1 = series('tm-1')?.values.map(([, v]) => Number(v)) ?? [];
  expect(tm1[tm1.length - 1], JSON.stringify(range.data)).toBe(11);
  // Steps can fall between two quick pushes: the raw samples show both values, in order.
  const raw = (await api.rawSamples('sys_flink_records_in{instance="tm-1"}', '5m', end))[0]?.values.map(([, v]) => Number(v)) ?? [];
  expect(raw.filter((v, i) => i === 0 || raw[i - 1] !== v)).toEqual([10, 11]);
  expect(series('tm-2')?.values.every(([, v]) => v === '20')).toBe(true);
  // tm-3 had only 30 and has no point after the deletion was seen (a stale marker, not lookback).
  const tm3 = series('tm-3')?.values ?? [];
  expect(tm3.every(([t, v]) => v === '30' && t <= now / 1000)).toBe(true);
  const raw3 = (await api.rawSamples('sys_flink_records_in{instance="tm-3"}', '5m', end))[0]?.values ?? [];
  expect(raw3.length).toBeGreaterThan(0);
  expect(raw3.every(([, v]) => v === '30')).toBe(true);
}

/**
 * Two Prometheus HA pairs remote-write with `cluster`/`__replica__` external labels; ingest keeps
 * one replica per cluster. Each replica scrapes itself, so a second replica's data would show as a
 * second `up` series in its cluster. Killing the elected replica fails over to the other.
 */
export async function prometheusHaPairs(d: Deployment): Promise<void> {
  const api = new PrometheusApi(d.queryUrl);
  const proms: Array<{ cluster: string; replica: string; p: PrometheusProcess }> = [];
  try {
    const started = await Promise.all(
      (['c1', 'c2'] as const).flatMap((cluster) =>
        (['a', 'b'] as const).map(async (replica) => ({
          cluster,
          replica,
          p: await startPrometheus((self) => `global:
  scrape_interval: 1s
  external_labels: { cluster: ${cluster}, __replica__: ${replica} }
scrape_configs:
  - job_name: prom-self
    static_configs: [{ targets: ['${self}'] }]
remote_write:
  - url: ${d.ingestUrl}/api/v1/write
    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
`),
        })),
      ),
    );
    proms.push(...started);
    const instanceOf = (p: PrometheusProcess): string => p.url.replace('http://', '');

    const sums = await waitFor('up of both clusters queryable', async () => {
      const v = await api.vector('sum by (cluster) (up{job="prom-self"})');
      return v.length === 2 ? v : undefined;
    }, 45_000);
    expect(valueOf(sums, { cluster: 'c1' })).toBe(1);
    expect(valueOf(sums, { cluster: 'c2' })).toBe(1);
    const ups = await api.vector('up{job="prom-self"}');
    expect(ups.every((s) => !('__replica__' in s.metric))).toBe(true);
    const elected = ups.find((s) => s.metric.cluster === 'c1')!.metric.instance;
    const victim = proms.find((x) => x.cluster === 'c1' && instanceOf(x.p) === elected)!;
    const survivor = proms.find((x) => x.cluster === 'c1' && x !== victim)!;

    await victim.p.stop(); // SIGKILL
    const takenOver = await waitFor('the other c1 replica is elected', async () => {
      const v = await api.vector(`up{job="prom-self", cluster="c1", instance="${instanceOf(survivor.p)}"}`);
      return v.length === 1 ? v : undefined;
    }, 45_000);
    expect(Number(takenOver[0].value[1])).toBe(1);
    // c2 kept its one replica throughout: one instance has samples, from when to when.
    const c2 = await api.rawSamples('up{job="prom-self", cluster="c2"}', '10m');
    const spans = c2.map((s) => `${s.metric.instance}: ${s.values.length} samples ${s.values[0][0]}..${s.values[s.values.length - 1][0]}`);
    expect(spans.length, spans.join('; ')).toBe(1);
  } finally {
    await Promise.all(proms.map((x) => x.p.stop()));
  }
}

async function notificationsSent(r: RoleProcess): Promise<number> {
  const text = await (await fetch(`${r.url}/metrics`)).text();
  const m = /^tidemark_notify_notifications_total\{integration="webhook"\} (\S+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** What the rules and notify roles say about alerts, for a failure message. */
async function alertState(d: Deployment): Promise<string> {
  const text = async (url: string): Promise<string> => {
    try {
      return (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text()).slice(0, 20_000);
    } catch (err) {
      return (err as Error).message;
    }
  };
  const api = new PrometheusApi(d.queryUrl);
  const lines = [
    `rules /api/v1/rules: ${await text(`${d.rulesUrl}/api/v1/rules`)}`,
    `rules /api/v1/alerts: ${await text(`${d.rulesUrl}/api/v1/alerts`)}`,
    `query sys_queue_backlog: ${JSON.stringify((await api.instant('sys_queue_backlog').catch((e: Error) => e.message)))}`,
  ];
  const metrics = await text(`${d.rulesUrl}/metrics`);
  lines.push(`rules metrics (now ${Date.now() / 1000}): ${metrics.split('\n').filter((l) => l.startsWith('tidemark_rules_')).join('; ')}`);
  for (const n of d.notifiers) lines.push(`${n.name} /api/v2/alerts: ${await text(`${n.url}/api/v2/alerts`)}`);
  if (d.kafka !== undefined) {
    // The producers' latest promises, per producer: the rules watermark is their minimum.
    const tail = await runCli(['tail', '--topic', 'tidemark.samples', '--from', 'earliest', '--to-end', '--kafka', d.kafka.bootstrap], 60_000);
    const latest = new Map<string, string>();
    for (const l of tail.stdout.split('\n')) {
      const m = /producer watermark: (\S+ \([^)]*\))/.exec(l);
      if (m) latest.set(m[1], l);
    }
    lines.push(`latest producer watermarks:\n${[...latest.values()].join('\n')}`);
  }
  return lines.join('\n');
}

interface WebhookPayload {
  version: string;
  status: string;
  receiver: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

/**
 * An alert rule fires on pushed data; the webhook gets one Alertmanager v4 notification from the
 * notifier replicas. With two replicas, the one that sent it is SIGKILLed and the other sends the
 * resolve, once (a later firing notification is the barrier: a duplicate resolve would come first).
 */
export async function alertFanOut(d: Deployment): Promise<void> {
  const sink = d.sink;
  const before = sink.requests.length;
  expect(await push(d, 'PUT', 'queue/instance/q-1', 'sys_queue_backlog 500\n')).toBe(200);
  await sink.waitFor(before + 1, 45_000).catch(async (err: Error) => {
    throw new Error(`${err.message}; alert state:\n${await alertState(d)}`);
  });
  const firing = sink.requests[before].body as WebhookPayload;
  expect(firing.version).toBe('4');
  expect(firing.status).toBe('firing');
  expect(firing.receiver).toBe('hook');
  expect(firing.alerts.map((a) => a.labels.alertname)).toEqual(['SysQueueBacklog']);
  expect(firing.alerts[0].labels.severity).toBe('page');

  const sent = await Promise.all(d.notifiers.map(notificationsSent));
  expect(sent.reduce((a, b) => a + b, 0)).toBe(1);
  let resolver = d.notifiers[0];
  if (d.notifiers.length > 1) {
    const sender = d.notifiers[sent.indexOf(1)];
    resolver = d.notifiers.find((n) => n !== sender)!;
    expect(await sender.signal('SIGKILL')).toBe(137);
  }

  expect(await push(d, 'PUT', 'queue/instance/q-1', 'sys_queue_backlog 3\n')).toBe(200);
  await sink.waitFor(before + 2, 45_000);
  const resolved = sink.requests[before + 1].body as WebhookPayload;
  expect(resolved.status).toBe('resolved');
  expect(resolved.alerts.map((a) => [a.labels.alertname, a.status])).toEqual([['SysQueueBacklog', 'resolved']]);
  expect(await notificationsSent(resolver)).toBe(d.notifiers.length > 1 ? 1 : 2);

  expect(await push(d, 'PUT', 'queue/instance/q-1', 'sys_queue_backlog 700\n')).toBe(200);
  await sink.waitFor(before + 3, 45_000);
  expect(sink.requests.slice(before).map((r) => (r.body as WebhookPayload).status)).toEqual(['firing', 'resolved', 'firing']);
  expect(await push(d, 'DELETE', 'queue/instance/q-1')).toBe(202);
}

/** Per series, every raw sample's timestamp the query API returns over the feeder's whole run. */
async function storedTimestamps(api: PrometheusApi, feeder: SteadyFeeder): Promise<Map<string, number[]>> {
  const m = await api.rawSamples('sys_steady_value', '30m');
  const out = new Map<string, number[]>();
  for (const s of m) out.set(s.metric.series, s.values.map(([t]) => Math.round(t * 1000)));
  for (const s of feeder.series) if (!out.has(s)) out.set(s, []);
  return out;
}

/** Every acknowledged sample exactly once; an unacknowledged one at most once; nothing else. */
function checkExactlyOnce(stored: Map<string, number[]>, feeder: SteadyFeeder): void {
  for (const s of feeder.series) {
    const got = stored.get(s) ?? [];
    const acked = feeder.acked.get(s)!;
    const unacked = new Set(feeder.unacked.get(s)!);
    const counts = new Map<number, number>();
    for (const t of got) counts.set(t, (counts.get(t) ?? 0) + 1);
    const doubled = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
    const missing = acked.filter((t) => !counts.has(t));
    const foreign = got.filter((t) => !unacked.has(t) && !acked.includes(t));
    expect({ series: s, doubled, missing, foreign }).toEqual({ series: s, doubled: [], missing: [], foreign: [] });
  }
}

async function caughtUp(api: PrometheusApi, feeder: SteadyFeeder): Promise<Map<string, number[]>> {
  const last = new Map([...feeder.acked].map(([s, ts]) => [s, ts[ts.length - 1]]));
  return waitFor('every acknowledged sample queryable', async () => {
    const stored = await storedTimestamps(api, feeder);
    return feeder.series.every((s) => stored.get(s)!.includes(last.get(s)!)) ? stored : undefined;
  }, 90_000);
}

/**
 * SIGKILL a store under steady ingest: queries answer 200 with a partial-response warning, the other
 * store takes the partitions, the killed store restarts and serves again; afterwards every series
 * has every acknowledged sample exactly once. With one `tidemark up`, the whole process is killed
 * and restarted.
 */
export async function storeKilledUnderIngest(d: Deployment): Promise<void> {
  const api = new PrometheusApi(d.queryUrl);
  const feeder = new SteadyFeeder(d.ingestUrl);
  feeder.start();
  try {
    await waitFor('steady series queryable', async () => {
      const v = await api.vector('count(sys_steady_value)');
      return v[0]?.value[1] === String(feeder.series.length) ? true : undefined;
    });
    const victim = d.stores[0];
    const killedAt = Date.now();
    expect(await victim.signal('SIGKILL')).toBe(137);

    if (d.kind === 'distributed') {
      // Partial answers while the victim's partitions have no reachable store.
      const statuses: number[] = [];
      const partial = await waitFor('a partial-response warning', async () => {
        const a = await api.instant('count(sys_steady_value)');
        statuses.push(a.status);
        return a.warnings.length > 0 ? a : undefined;
      });
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(partial.warnings.join(' ')).not.toBe('');
      // The survivor takes every partition: complete answers with fresh samples of every series.
      await waitFor('the surviving store serves every partition', async () => {
        const a = await api.instant('timestamp(sys_steady_value)');
        return a.status === 200 && a.warnings.length === 0 && a.data.length === feeder.series.length &&
          a.data.every((s) => Number(s.value[1]) * 1000 > killedAt) ? true : undefined;
      }, 120_000);
    }

    await victim.start(120_000);
    if (d.kind === 'distributed') {
      // Rejoined: it serves shards again, at the address it announced.
      await waitFor('the restarted store holds partitions again', async () => {
        const res = await fetch(`${victim.url}/api/v1/store/label_values`, {
          method: 'POST',
          body: JSON.stringify({ name: 'series', matchers: [{ type: '=', name: '__name__', value: 'sys_steady_value' }] }),
        });
        const body = (await res.json()) as { data?: string[] };
        return res.status === 200 && (body.data?.length ?? 0) > 0 ? body.data : undefined;
      }, 120_000);
    }
    await waitFor('complete answers with every series fresh', async () => {
      const a = await api.instant('timestamp(sys_steady_value)');
      const now = Date.now() - 5000;
      return a.status === 200 && a.warnings.length === 0 && a.data.length === feeder.series.length &&
        a.data.every((s) => Number(s.value[1]) * 1000 > now) ? true : undefined;
    }, 120_000);
  } finally {
    await feeder.stop();
  }
  expect(feeder.acked.get('s0')!.length).toBeGreaterThan(0);
  checkExactlyOnce(await caughtUp(api, feeder), feeder);
}

/**
 * A store's data directory is deleted and the store restarted: it rebuilds its shards from the
 * bus and answers the same queries (at fixed times) as before.
 */
export async function storeRebuiltFromBus(d: Deployment): Promise<void> {
  const api = new PrometheusApi(d.queryUrl);
  // A fixed time 2 s in the past (samples up to it are stored), once the steady series reach it.
  const at = await waitFor('steady samples 2 s old', async () => {
    const t = Date.now() - 2000;
    return (await api.vector('count(sys_steady_value)', t)).length > 0 ? t : undefined;
  });
  const queries = [
    'sys_steady_value[30m]',
    'count_over_time(sys_steady_value[30m])',
    'sys_flink_records_in[30m]',
    'sum by (cluster) (count_over_time(up{job="prom-self"}[30m]))',
  ];
  const answers = async (): Promise<unknown[]> => {
    const out: unknown[] = [];
    for (const q of queries) {
      const a = await api.instant(q, at);
      if (a.status !== 200 || a.warnings.length > 0) throw new Error(`${q}: ${a.status} ${a.error ?? ''} ${a.warnings.join('; ')}`);
      out.push(a.data);
    }
    return out;
  };
  const before = await answers();
  expect((before[0] as unknown[]).length).toBeGreaterThan(0);

  const victim = d.stores[d.stores.length - 1];
  expect(await victim.stop()).toBe(0);
  await rm(d.kind === 'distributed' ? d.dataDirOf(victim) : d.tsdbDirOf(victim), { recursive: true, force: true });
  await victim.start(120_000);
  const after = await waitFor('the rebuilt store answers as before', async () => {
    const a = await answers();
    return JSON.stringify(a) === JSON.stringify(before) ? a : undefined;
  }, 150_000).catch(async () => answers());
  expect(after).toEqual(before);
}

function runCli(args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The README's operator commands against the running deployment: `check config`, `tail` (on
 * Kafka, while the roles run), `POST /-/reload` on every role, and `delete_series` on a store.
 */
export async function readmeOperatorCommands(d: Deployment): Promise<void> {
  const check = await runCli(['check', 'config', d.configFile]);
  expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: '' });
  expect(check.stdout).toContain('SUCCESS');

  if (d.kafka !== undefined) {
    const tail = await runCli(['tail', '--topic', 'tidemark.samples', '--from', 'earliest', '--limit', '10', '--kafka', d.kafka.bootstrap]);
    expect(tail.code, tail.stderr).toBe(0);
    const headers = tail.stdout.split('\n').filter((l) => l.startsWith('# tidemark.samples/'));
    expect(headers.length).toBe(10);
    // The whole topic as it stood: the pushed samples are there, decoded, one line each.
    const all = await runCli(['tail', '--topic', 'tidemark.samples', '--from', 'earliest', '--to-end', '--kafka', d.kafka.bootstrap], 60_000);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^sys_flink_records_in\{instance="tm-1", ?job="flink", ?task="map"\} 10 \d+$/m);
  }

  for (const r of d.roles.filter((x) => x.running)) {
    const res = await fetch(`${r.url}/-/reload`, { method: 'POST' });
    expect({ role: r.name, status: res.status }).toEqual({ role: r.name, status: 200 });
  }

  // Delete the Pushgateway group that was deleted earlier: its samples go from every shard.
  const api = new PrometheusApi(d.queryUrl);
  const selector = 'sys_flink_records_in{instance="tm-3"}';
  expect((await api.rawSamples(selector, '30m')).length).toBe(1);
  const store = d.stores.find((s) => s.running)!;
  const del = await fetch(`${store.url}/api/v1/admin/tsdb/delete_series?match[]=${encodeURIComponent(selector)}&start=${new Date(Date.now() - 3_600_000).toISOString()}`, { method: 'POST' });
  expect(del.status, await del.text()).toBe(204);
  await waitFor('deleted series gone from every shard', async () => ((await api.rawSamples(selector, '30m')).length === 0 ? true : undefined));
}

/**
 * History brought in with `tidemark import` through the ingest role (VictoriaMetrics' JSON lines,
 * the last half hour at 15 s) is read back through the query role exactly, sample by sample, and
 * a second import of the same file stores nothing twice.
 */
export async function importHistory(d: Deployment): Promise<void> {
  const base = Math.floor((Date.now() - 30 * 60_000) / 15_000) * 15_000;
  const series = ['a', 'b', 'c'].map((host) => ({
    metric: { __name__: 'sys_history_value', host },
    values: Array.from({ length: 100 }, (_, i) => i * (host === 'b' ? 2 : 1)),
    timestamps: Array.from({ length: 100 }, (_, i) => base + i * 15_000),
  }));
  const file = join(d.dir, 'history.jsonl');
  await writeFile(file, series.map((s) => JSON.stringify(s)).join('\n') + '\n');
  for (let pass = 0; pass < 2; pass++) {
    const r = await runCli(['import', '--url', d.ingestUrl, file]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^imported 300 samples from 1 file \(3 lines\)/);
  }
  const api = new PrometheusApi(d.queryUrl);
  const at = base + 100 * 15_000;
  const raw = await waitFor('imported history readable', async () => {
    const got = await api.rawSamples('sys_history_value', '40m', at);
    return got.length === 3 && got.every((s) => s.values.length === 100) ? got : undefined;
  });
  for (const s of series) {
    const found = raw.find((r) => r.metric.host === s.metric.host)!;
    expect(found.values).toEqual(s.timestamps.map((t, i) => [t / 1000, String(s.values[i])]));
  }
}

/** Pauses (or resumes) consumption on every store process through its admin endpoint. */
async function storesConsuming(d: Deployment, what: 'pause' | 'resume'): Promise<void> {
  for (const s of d.stores) {
    const res = await fetch(`${s.url}/api/v1/admin/store/${what}_consumption`, { method: 'POST' });
    expect(res.status, `${what} consumption on ${s.name}: ${await res.text()}`).toBe(204);
  }
}

const instantQuery = async (d: Deployment, query: string, headers: Record<string, string>): Promise<{ status: number; body: { error?: string; data?: { result: VectorSample[] } } }> => {
  const res = await fetch(`${d.queryUrl}/api/v1/query?query=${encodeURIComponent(query)}`, { headers });
  return { status: res.status, body: (await res.json()) as { error?: string; data?: { result: VectorSample[] } } };
};

/**
 * Read-your-writes: every write surface answers with a write token; a read sending it back sees
 * the write at once, without polling. While the stores' consumption is paused, a token read
 * fails with 503 naming the partition behind, and a strong read waits for consumption to resume
 * and then sees the write.
 */
export async function readYourWrites(d: Deployment): Promise<void> {
  const TOKEN = 'x-tidemark-write-token';
  const now = Date.now();
  const writes: Array<{ metric: string; send: () => Promise<Response> }> = [
    { metric: 'ryw_influx_value', send: () => fetch(`${d.ingestUrl}/api/v2/write?precision=ms`, { method: 'POST', body: `ryw_influx value=1 ${now}\n` }) },
    { metric: 'ryw_pushed', send: () => fetch(`${d.ingestUrl}/metrics/job/ryw`, { method: 'PUT', body: 'ryw_pushed 2\n' }) },
    { metric: 'ryw_imported', send: () => fetch(`${d.ingestUrl}/api/v1/import/prometheus`, { method: 'POST', body: `ryw_imported 3 ${now}\n` }) },
    {
      metric: 'ryw_remote_written',
      send: () => fetch(`${d.ingestUrl}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body: snappyBlockCompress(encodeWriteRequest([{ labels: { __name__: 'ryw_remote_written' }, values: [4], timestamps: [now], from: 0, to: 1 }])),
      }),
    },
  ];
  for (const w of writes) {
    const res = await w.send();
    expect(res.status, `${w.metric}: ${await res.text()}`).toBeLessThan(300);
    const token = res.headers.get(TOKEN);
    expect(token, `${w.metric} answered without a write token`).toMatch(/^w1\./);
    const read = await instantQuery(d, w.metric, { [TOKEN]: token! });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.data?.result.map((s) => s.metric.__name__), `${w.metric} not seen through its token`).toEqual([w.metric]);
  }

  await storesConsuming(d, 'pause');
  try {
    const paused = await fetch(`${d.ingestUrl}/api/v2/write?precision=ms`, { method: 'POST', body: `ryw_paused value=5 ${Date.now()}\n` });
    expect(paused.status).toBe(204);
    const stuck = await instantQuery(d, 'ryw_paused_value', { [TOKEN]: paused.headers.get(TOKEN)! });
    expect(stuck.status).toBe(503);
    expect(stuck.body.error).toMatch(/^read consistency not reached within \d+ ms: partition \d+ applied up to offset \d+ of \d+ on /);

    await fetch(`${d.ingestUrl}/api/v2/write?precision=ms`, { method: 'POST', body: `ryw_strong value=6 ${Date.now()}\n` });
    const strong = instantQuery(d, 'ryw_strong_value', { 'x-read-consistency': 'strong' });
    await storesConsuming(d, 'resume');
    const seen = await strong;
    expect(seen.status, JSON.stringify(seen.body)).toBe(200);
    expect(seen.body.data?.result.map((s) => s.value[1])).toEqual(['6']);
  } finally {
    await storesConsuming(d, 'resume');
  }
}
