import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPushgatewayConnector, encodeBase64Segment, pushgatewayConfigSchema, type PushgatewayConnector } from '../../../connectors/pushgateway/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { decodeSampleBatch, type Labels } from '../../../schemas/index.js';
import { freePort } from '../../harness/index.js';
// The harness index does not export its process launcher; the Pushgateway is not one of its services.
import { spawnService, type ServiceProcess } from '../../harness/service-process.js';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;
interface Route {
  readonly methods: string[];
  readonly path: string;
  readonly handler: Handler;
}
/** Mounts connector routes as the lead's router does: exact paths or `/*` prefixes, longest first, 405 on a known path. */
export async function serveRoutes(routes: readonly Route[]): Promise<{ url: string; server: Server }> {
  const table = routes
    .flatMap((r) => r.methods.map((m) => ({ method: m, prefix: r.path.endsWith('/*'), path: r.path.endsWith('/*') ? r.path.slice(0, -1) : r.path, handler: r.handler })))
    .sort((a, b) => b.path.length - a.path.length);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathKnown = false;
    for (const r of table) {
      if (r.prefix ? !url.pathname.startsWith(r.path) : url.pathname !== r.path) continue;
      if (r.method !== req.method) {
        pathKnown = true;
        continue;
      }
      void Promise.resolve(r.handler(req, res, url)).catch((err) => {
        res.writeHead(500);
        res.end(String(err));
      });
      return;
    }
    req.resume();
    res.writeHead(pathKnown ? 405 : 404);
    res.end(pathKnown ? 'Method Not Allowed\n' : '404 page not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The real Pushgateway (Debian's prometheus-pushgateway) on a free port, persisting to `file`. */
export async function startRealPushgateway(file: string): Promise<{ url: string; process: ServiceProcess }> {
  const port = await freePort();
  const started = await spawnService({
    command: '/usr/bin/prometheus-pushgateway',
    args: [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${file}`, '--web.enable-admin-api', '--persistence.interval=1s'],
    ready: /msg="Listening on"/,
    guard: true,
    stopSignal: 'TERM', // it writes its persistence file on a clean shutdown
  });
  return { url: `http://127.0.0.1:${port}`, process: started.process };
}

/**
 * `GET /metrics` made comparable: the Pushgateway's own families (go_, process_, pushgateway_)
 * removed, and push timestamps reduced to zero / non-zero.
 */
export function comparableExposition(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const name = /^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1] ?? '';
    if (/^(go|process|pushgateway)_/.test(name)) continue;
    if (/^push_(failure_)?time_seconds\{/.test(line)) {
      out.push(line.replace(/ (\S+)$/, (_, v: string) => (v === '0' ? ' 0' : ' <time>')));
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

export interface DecodedSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

/** Every sample on the topic so far, in partition and offset order. */
export async function readAllSamples(bus: EmbeddedBus, topic: string): Promise<DecodedSample[]> {
  const offsets = await bus.offsets(topic);
  const want = offsets.reduce((n, o) => n + o.high - o.low, 0);
  const values: { p: number; o: number; v: Buffer }[] = [];
  if (want > 0) {
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const consumer = await bus.consume({ group: `read-${Math.random()}`, topic, fromBeginning: true }, async (b) => {
      for (const r of b.records) values.push({ p: r.partition, o: r.offset, v: r.value });
      if (values.length >= want) resolveDone();
    });
    await done;
    await consumer.stop();
  }
  values.sort((a, b) => a.p - b.p || a.o - b.o);
  const out: DecodedSample[] = [];
  for (const { v } of values) {
    for (const s of decodeSampleBatch(v).series) {
      const stale = new Set(s.stale);
      s.timestamps.forEach((t, i) => out.push({ labels: s.labels, t, v: s.values[i], stale: stale.has(i) }));
    }
  }
  return out;
}

const HEX = '3b9d0c2f5e6a4718b2c4d6e8f0a1b3c5';
const FLINK_JOB = `flink-job-${HEX}`;

function flinkTaskManagerPage(tmId: string, attempt: string, records: number): string {
  const common = `host="tm_1",tm_id="${tmId}",`;
  const task = `job_id="5f1c0d9e",job_name="word \\"count\\"",task_attempt_id="${attempt}",task_attempt_num="0",subtask_index="0",task_name="Source:_Kafka",${common}`;
  return [
    '# HELP flink_taskmanager_Status_JVM_CPU_Load Load (scope: taskmanager_Status_JVM_CPU)',
    '# TYPE flink_taskmanager_Status_JVM_CPU_Load gauge',
    `flink_taskmanager_Status_JVM_CPU_Load{${common}} 0.031`,
    '# HELP flink_taskmanager_job_task_numRecordsIn numRecordsIn (scope: taskmanager_job_task)',
    '# TYPE flink_taskmanager_job_task_numRecordsIn gauge',
    `flink_taskmanager_job_task_numRecordsIn{${task}} ${records}.0`,
    '# HELP flink_taskmanager_job_task_operator_latency latency (scope: taskmanager_job_task_operator)',
    '# TYPE flink_taskmanager_job_task_operator_latency summary',
    `flink_taskmanager_job_task_operator_latency{${task}quantile="0.5",} 3.0`,
    `flink_taskmanager_job_task_operator_latency{${task}quantile="0.99",} 1200000.0`,
    `flink_taskmanager_job_task_operator_latency_count{${task}} 42.0`,
    '',
  ].join('\n');
}

interface Step {
  readonly method: 'PUT' | 'POST' | 'DELETE' | 'GET';
  readonly path: string;
  readonly body?: string;
  /** Compare the answer's body too (the Pushgateway's wording), not only the status. */
  readonly sameBody?: boolean;
  /** Where Go's map order decides which of two clashing metrics is named: both bodies must match this. */
  readonly bodyLike?: RegExp;
  readonly expect: number;
}

const b64 = encodeBase64Segment;

/** Pushes, replacements, deletes and rejections, in the order both servers get them. */
const STEPS: Step[] = [
  { method: 'PUT', path: `/metrics/job/${FLINK_JOB}`, body: flinkTaskManagerPage('container_01', 'a1', 10), expect: 200 },
  { method: 'PUT', path: `/metrics/job@base64/${b64('flink/job a')}/instance/tm-1`, body: flinkTaskManagerPage('container_02', 'a2', 7), expect: 200 },
  { method: 'POST', path: `/metrics/job/${FLINK_JOB}`, body: '# HELP flink_taskmanager_job_task_numRecordsIn numRecordsIn (scope: taskmanager_job_task)\n# TYPE flink_taskmanager_job_task_numRecordsIn gauge\nflink_taskmanager_job_task_numRecordsIn{job="other",instance="x"} 99\n', expect: 200 },
  { method: 'PUT', path: '/metrics/job/batch/instance/host1', body: '# HELP last_run Last run.\n# TYPE last_run gauge\nlast_run 1.7e9\nrows_total 5\nrows_total{stage="b"} 6\n', expect: 200 },
  { method: 'PUT', path: '/metrics/job/batch/instance/host1', body: '# HELP last_run Last run.\n# TYPE last_run gauge\nlast_run 1.8e9\n', expect: 200 },
  { method: 'POST', path: '/metrics/job/batch/instance/host1', body: 'extra{path="a\\\\b",quote="\\"q\\"",nl="x\\ny",u="é✓"} NaN\ninf +Inf\nminus -Inf\nsmall 0.00001\nbig 123456789\n', expect: 200 },
  { method: 'PUT', path: '/metrics/job/hist', body: '# HELP req_seconds Requests \\\\ with a\\nnewline.\n# TYPE req_seconds histogram\nreq_seconds_bucket{le="0.1"} 1\nreq_seconds_bucket{le="1e6"} 2\nreq_seconds_sum 3.5\nreq_seconds_count 2\n', expect: 200 },
  { method: 'PUT', path: '/metrics/job/clash', body: '# TYPE last_run counter\nlast_run 3\n', bodyLike: /^pushed metrics are invalid or inconsistent with existing metrics: collected metric "last_run" \{ label:<name:"instance" value:"(host1)?" > label:<name:"job" value:"(batch|clash)" > (gauge|counter):<value:\S+ > \} is not a (COUNTER|GAUGE)\n$/, expect: 400 },
  { method: 'PUT', path: '/metrics/job/stamped', body: 'stamped_metric 3 1700000000000\n', sameBody: true, expect: 400 },
  { method: 'PUT', path: '/metrics/job/collide', body: '# TYPE req_seconds_count gauge\nreq_seconds_count 3\n', bodyLike: /^pushed metrics are invalid or inconsistent with existing metrics: collected (metric named "req_seconds_count" collides with previously collected histogram named "req_seconds"|histogram or summary named "req_seconds" collides with previously collected metric named "req_seconds_count")\n$/, expect: 400 },
  { method: 'PUT', path: '/metrics/job/dup', body: 'dup_metric{instance="i1"} 1\n', expect: 200 },
  // Which of the two clashing metrics Go names depends on its map order: status only.
  { method: 'PUT', path: '/metrics/job/dup/instance/i1', body: 'dup_metric 2\n', expect: 400 },
  { method: 'PUT', path: '/metrics/job/broken', body: 'broken{ 1\n', expect: 400 },
  { method: 'PUT', path: '/metrics/job/j/odd', body: 'x 1\n', sameBody: true, expect: 400 },
  { method: 'PUT', path: '/metrics/job/j/__reserved/y', body: 'x 1\n', sameBody: true, expect: 400 },
  { method: 'PUT', path: '/metrics/job/j/bad-name/y', body: 'x 1\n', sameBody: true, expect: 400 },
  { method: 'PUT', path: '/metrics/job/j/a@base64/!!', body: 'x 1\n', sameBody: true, expect: 400 },
  { method: 'PUT', path: '/metrics/job/j/a@base64/=', body: 'x 1\n', expect: 200 },
  { method: 'PUT', path: `/metrics/job/j/b@base64/${b64('with/slash')}`, body: 'x 2\n', expect: 200 },
  { method: 'PUT', path: `/metrics/job/j/c@base64/${b64('pad').replace(/=*$/, '==')}`, body: 'x 3\n', expect: 200 },
  { method: 'PUT', path: '/metrics/job/j/job/ignored', body: 'x 4\n', expect: 200 },
  { method: 'PUT', path: '/metrics/job/j/trailing/', body: 'x 5\n', expect: 200 },
  { method: 'DELETE', path: '/metrics/job/j/a@base64/=', expect: 202 },
  { method: 'DELETE', path: '/metrics/job/never-pushed', expect: 202 },
  { method: 'DELETE', path: '/metrics/job/j/odd', expect: 400 },
  { method: 'PUT', path: '/metrics/job/empty', body: '', expect: 200 },
  // A different HELP is accepted (Go then exposes one of the two at random): deleted before comparing.
  { method: 'POST', path: '/metrics/job/helpdiff', body: '# HELP last_run Another help.\n# TYPE last_run gauge\nlast_run 2\n', expect: 200 },
  { method: 'DELETE', path: '/metrics/job/helpdiff', expect: 202 },
  { method: 'GET', path: '/metrics/job/j', expect: 405 },
  { method: 'PUT', path: '/metrics/other', body: 'x 1\n', expect: 404 },
];

async function send(base: string, step: Pick<Step, 'method' | 'path' | 'body'>): Promise<{ status: number; body: string }> {
  const res = await fetch(base + step.path, {
    method: step.method,
    body: step.body,
    headers: step.body === undefined ? {} : { 'content-type': 'text/plain; version=0.0.4' },
  });
  return { status: res.status, body: await res.text() };
}

describe('Pushgateway API side by side with the real Pushgateway 1.5', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let real: { url: string; process: ServiceProcess };
  let ours: PushgatewayConnector;
  let server: Server;
  let oursUrl: string;

  async function startOurs(): Promise<void> {
    ours = createPushgatewayConnector(
      { sink: new BusSampleSink({ bus, topic: 'samples', partitions: 2, source: 'pushgateway' }), registry: new Registry(), dataDir: dir },
      pushgatewayConfigSchema.parse({ emit_interval: '1h', enable_admin_api: true }),
    );
    await ours.start();
    ({ url: oursUrl, server } = await serveRoutes(ours.routes));
  }

  async function stopOurs(): Promise<void> {
    await ours.stop();
    await new Promise((r) => server.close(r));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-pgw-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus') });
    await bus.ensureTopic('samples', 2);
    real = await startRealPushgateway(join(dir, 'real.data'));
    await startOurs();
  });

  afterAll(async () => {
    await stopOurs();
    await real.process.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every push, delete and rejection with the same status (and wording where the Pushgateway is deterministic)', async () => {
    for (const step of STEPS) {
      const a = await send(real.url, step);
      const b = await send(oursUrl, step);
      expect({ step: `${step.method} ${step.path}`, status: a.status }).toEqual({ step: `${step.method} ${step.path}`, status: step.expect });
      expect({ step: `${step.method} ${step.path}`, status: b.status }).toEqual({ step: `${step.method} ${step.path}`, status: a.status });
      if (step.sameBody === true) expect(b.body).toBe(a.body);
      if (step.bodyLike !== undefined) {
        expect(a.body).toMatch(step.bodyLike);
        expect(b.body).toMatch(step.bodyLike);
      }
    }
  });

  it('serves the same GET /metrics after the sequence (push timestamps aside)', async () => {
    const a = comparableExposition(await (await fetch(real.url + '/metrics')).text());
    const b = comparableExposition(await (await fetch(oursUrl + '/metrics')).text());
    expect(b).toBe(a);
    expect(b).toContain('flink_taskmanager_job_task_operator_latency_sum{');
    expect(b).toContain('req_seconds_bucket{instance="",job="hist",le="1e+06"} 2');
  });

  it('lists the same groups on /api/v1/metrics (times aside)', async () => {
    const norm = (data: Array<Record<string, unknown>>) =>
      data
        .map((g) =>
          JSON.stringify(g, (k, v) => (k === 'time_stamp' ? 'T' : v), 0).replace(/"value":"1\.[0-9e+.]+"/g, '"value":"<time>"'),
        )
        .map((s) => JSON.parse(s))
        .map((g) => JSON.stringify(g, Object.keys(flatKeys(g)).sort()))
        .sort();
    const a = (await (await fetch(real.url + '/api/v1/metrics')).json()) as { status: string; data: Array<Record<string, unknown>> };
    const b = (await (await fetch(oursUrl + '/api/v1/metrics')).json()) as { status: string; data: Array<Record<string, unknown>> };
    expect(b.status).toBe('success');
    expect(norm(b.data)).toEqual(norm(a.data));
  });

  it('keeps every group across a restart, as the Pushgateway does with its persistence file', async () => {
    const before = comparableExposition(await (await fetch(oursUrl + '/metrics')).text());
    await stopOurs();
    await real.process.stop();
    real = await startRealPushgateway(join(dir, 'real.data'));
    await startOurs();
    const afterOurs = comparableExposition(await (await fetch(oursUrl + '/metrics')).text());
    const afterReal = comparableExposition(await (await fetch(real.url + '/metrics')).text());
    expect(afterOurs).toBe(before);
    expect(afterOurs).toBe(afterReal);
  });

  it('wipes every group with PUT /api/v1/admin/wipe', async () => {
    const a = await send(real.url, { method: 'PUT', path: '/api/v1/admin/wipe' });
    const b = await send(oursUrl, { method: 'PUT', path: '/api/v1/admin/wipe' });
    expect(b.status).toBe(a.status);
    expect(comparableExposition(await (await fetch(oursUrl + '/metrics')).text())).toBe(
      comparableExposition(await (await fetch(real.url + '/metrics')).text()),
    );
  });
});

/** Every key at any depth, so JSON.stringify's replacer list keeps nested objects whole. */
function flatKeys(v: unknown, acc: Record<string, true> = {}): Record<string, true> {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      acc[k] = true;
      flatKeys(x, acc);
    }
  }
  return acc;
}

describe('Pushgateway groups as samples on the bus', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let topicN = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-pgw-bus-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus') });
  });
  afterAll(async () => {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function connector(config: Record<string, unknown>, now?: () => number) {
    const topic = `samples-${++topicN}`;
    await bus.ensureTopic(topic, 2);
    const c = createPushgatewayConnector(
      { sink: new BusSampleSink({ bus, topic, partitions: 2, source: 'pushgateway' }), registry: new Registry(), dataDir: join(dir, topic), now },
      pushgatewayConfigSchema.parse({ emit_interval: '1h', persistence_file: '', ...config }),
    );
    await c.start();
    const { url, server } = await serveRoutes(c.routes);
    return {
      c,
      url,
      topic,
      samples: () => readAllSamples(bus, topic),
      close: async () => {
        await c.stop();
        await new Promise((r) => server.close(r));
      },
    };
  }

  const seriesOf = (s: Pick<DecodedSample, 'labels'>) => JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort()));

  it('emits a group on every push and every interval as a honor_labels scrape of the Pushgateway stores it', async () => {
    const t = await connector({});
    try {
      expect((await send(t.url, { method: 'PUT', path: `/metrics/job/${FLINK_JOB}`, body: flinkTaskManagerPage('c1', 'a1', 10) })).status).toBe(200);
      await t.c.pushgateway.tick();
      const samples = await t.samples();
      const cpu = samples.filter((s) => s.labels.__name__ === 'flink_taskmanager_Status_JVM_CPU_Load');
      expect(cpu).toHaveLength(2);
      expect(cpu[0].labels).toEqual({ __name__: 'flink_taskmanager_Status_JVM_CPU_Load', host: 'tm_1', job: FLINK_JOB, tm_id: 'c1' });
      expect(cpu[1].t).toBeGreaterThanOrEqual(cpu[0].t);
      expect(cpu.every((s) => s.v === 0.031 && !s.stale)).toBe(true);
      const names = new Set(samples.map((s) => `${s.labels.__name__}${s.labels.quantile ? `{quantile=${s.labels.quantile}}` : ''}`));
      expect([...names].sort()).toEqual([
        'flink_taskmanager_Status_JVM_CPU_Load',
        'flink_taskmanager_job_task_numRecordsIn',
        'flink_taskmanager_job_task_operator_latency_count',
        'flink_taskmanager_job_task_operator_latency_sum',
        'flink_taskmanager_job_task_operator_latency{quantile=0.5}',
        'flink_taskmanager_job_task_operator_latency{quantile=0.99}',
        'push_failure_time_seconds',
        'push_time_seconds',
      ]);
      const pushTime = samples.find((s) => s.labels.__name__ === 'push_time_seconds');
      expect(pushTime?.labels).toEqual({ __name__: 'push_time_seconds', job: FLINK_JOB });
    } finally {
      await t.close();
    }
  });

  it('writes staleness markers for series a PUT dropped and for every series of a deleted group', async () => {
    const t = await connector({});
    try {
      await send(t.url, { method: 'PUT', path: '/metrics/job/batch/instance/h1', body: 'kept 1\ndropped 2\n' });
      await send(t.url, { method: 'PUT', path: '/metrics/job/batch/instance/h1', body: 'kept 3\n' });
      let samples = await t.samples();
      const dropped = samples.filter((s) => s.labels.__name__ === 'dropped');
      expect(dropped.map((s) => s.stale)).toEqual([false, true]);
      expect(samples.some((s) => s.labels.__name__ === 'kept' && s.stale)).toBe(false);

      expect((await send(t.url, { method: 'DELETE', path: '/metrics/job/batch/instance/h1' })).status).toBe(202);
      samples = await t.samples();
      const staleAfterDelete = new Set(samples.filter((s) => s.stale).map(seriesOf));
      expect(staleAfterDelete).toEqual(
        new Set([
          seriesOf({ labels: { __name__: 'dropped', job: 'batch', instance: 'h1' } }),
          seriesOf({ labels: { __name__: 'kept', job: 'batch', instance: 'h1' } }),
          seriesOf({ labels: { __name__: 'push_time_seconds', job: 'batch', instance: 'h1' } }),
          seriesOf({ labels: { __name__: 'push_failure_time_seconds', job: 'batch', instance: 'h1' } }),
        ]),
      );
      const before = samples.length;
      await t.c.pushgateway.tick();
      expect((await t.samples()).length).toBe(before); // a deleted group is no longer emitted
    } finally {
      await t.close();
    }
  });

  it('deletes a group after group_ttl without pushes, with staleness markers', async () => {
    let now = 1_700_000_000_000;
    const t = await connector({ group_ttl: '5m' }, () => now);
    try {
      await send(t.url, { method: 'PUT', path: '/metrics/job/old', body: 'm 1\n' });
      now += 4 * 60_000;
      await send(t.url, { method: 'PUT', path: '/metrics/job/young', body: 'm 2\n' });
      await t.c.pushgateway.tick();
      expect((await t.samples()).filter((s) => s.stale)).toHaveLength(0);
      now += 2 * 60_000;
      await t.c.pushgateway.tick();
      const samples = await t.samples();
      expect(samples.filter((s) => s.stale).map((s) => s.labels.job)).toEqual(['old', 'old', 'old']);
      expect(samples.filter((s) => s.stale).every((s) => s.t === now)).toBe(true);
      const exposition = await (await fetch(t.url + '/metrics')).text();
      expect(exposition).not.toContain('job="old"');
      expect(exposition).toContain('m{instance="",job="young"} 2');
    } finally {
      await t.close();
    }
  });

  it('keeps Flink restart identifiers from multiplying groups and series when label rules say so', async () => {
    const t = await connector({
      label_rules: [
        { action: 'replace', label: 'job', regex: '(.+)-[0-9a-f]{32}', replacement: '$1' },
        { action: 'drop', labels: ['tm_id', 'task_attempt_id', 'task_attempt_num'], apply_to: ['series'] },
      ],
    });
    try {
      await send(t.url, { method: 'PUT', path: `/metrics/job/${FLINK_JOB}`, body: flinkTaskManagerPage('c1', 'a1', 10) });
      // The restarted TaskManager: new random suffix, new tm_id, new attempt id.
      await send(t.url, { method: 'PUT', path: `/metrics/job/flink-job-${'e'.repeat(32)}`, body: flinkTaskManagerPage('c2', 'a2', 11) });
      const exposition = await (await fetch(t.url + '/metrics')).text();
      expect(exposition).toContain('job="flink-job"');
      expect(exposition).not.toContain(HEX);
      expect(exposition).toContain('tm_id="c2"'); // the exposition keeps what was pushed
      expect(exposition).not.toContain('tm_id="c1"'); // the restart replaced the group
      const samples = await t.samples();
      expect(samples.filter((s) => s.stale)).toHaveLength(0); // same series both times
      const records = samples.filter((s) => s.labels.__name__ === 'flink_taskmanager_job_task_numRecordsIn');
      expect(records.map((s) => s.v)).toEqual([10, 11]);
      expect(new Set(records.map(seriesOf)).size).toBe(1);
      expect(records[0].labels).not.toHaveProperty('tm_id');
      expect(records[0].labels).not.toHaveProperty('task_attempt_id');
      expect(records[0].labels.job).toBe('flink-job');
    } finally {
      await t.close();
    }
  });

  it('answers 503 with Retry-After when the sink does not acknowledge, and 401 without the configured credentials', async () => {
    const c = createPushgatewayConnector(
      {
        sink: { appender: () => ({ append() {}, rollback() {}, commit: () => Promise.reject(Object.assign(new Error('bus down'), { retryable: true })) }) },
        registry: new Registry(),
      },
      pushgatewayConfigSchema.parse({ persistence_file: '', auth: { bearer_token: 'secret' } }),
    );
    const { url, server } = await serveRoutes(c.routes);
    try {
      const unauth = await fetch(url + '/metrics/job/x', { method: 'PUT', body: 'm 1\n' });
      expect(unauth.status).toBe(401);
      const res = await fetch(url + '/metrics/job/x', { method: 'PUT', body: 'm 1\n', headers: { authorization: 'Bearer secret' } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.text()).toContain('bus down');
    } finally {
      await c.stop();
      await new Promise((r) => server.close(r));
    }
  });
});
