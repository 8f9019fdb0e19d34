import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest, type RwSeries } from '../bench/peers/remote-write-encoder.js';
import { VictoriaMetricsPeer } from '../bench/peers/victoria-metrics.js';
import { runCli, startCli, waitFor, type RunningCli } from './cli-process.js';

const run = promisify(execFile);
const MIN = 60_000;
const SCRAPE_MS = 15_000;
const HOURS = 3;
/** History ends 5 minutes back; samples sit 7 s past the scrape grid so no sample lies on a window edge. */
const END = Math.floor((Date.now() - 5 * MIN) / MIN) * MIN;
const START = END - HOURS * 60 * MIN;
const FROM = START + 10 * MIN;
const TO = END;

const RULES = `groups:
  - name: replayed
    interval: 1m
    rules:
      - record: job:rp_requests:sum
        expr: sum by (job) (rp_requests_total)
      - record: job:rp_requests:sum_x2
        expr: job:rp_requests:sum * 2
      - record: instance:rp_temperature:avg5m
        expr: avg_over_time(rp_temperature[5m])
      - alert: RpHot
        expr: rp_temperature > 24
        for: 5m
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.instance }} is at {{ $value }}'
`;

/** Two counters and two gauges over HOURS hours; the gauges cross 24 now and then, one of them only briefly. */
function history(): RwSeries[] {
  const timestamps: number[] = [];
  for (let t = START + 7_000; t <= END; t += SCRAPE_MS) timestamps.push(t);
  const series: RwSeries[] = [];
  for (const [job, inst, k] of [['api', 'a', 3], ['api', 'b', 5], ['web', 'c', 7]] as const) {
    series.push({ labels: { __name__: 'rp_requests_total', job, instance: inst }, timestamps, values: timestamps.map((_, i) => i * k + (i % 4)), from: 0, to: timestamps.length });
  }
  for (const [inst, phase] of [['a', 0], ['b', 1.7]] as const) {
    series.push({ labels: { __name__: 'rp_temperature', job: 'sensors', instance: inst }, timestamps, values: timestamps.map((_, i) => 20 + 5 * Math.sin(i / 37 + phase) + (i % 5) * 0.1), from: 0, to: timestamps.length });
  }
  return series;
}

async function remoteWrite(url: string, series: RwSeries[]): Promise<void> {
  // A few hundred samples per request, as a Prometheus sends them.
  const n = series[0]!.timestamps.length;
  for (let i = 0; i < n; i += 200) {
    const body = snappyBlockCompress(encodeWriteRequest(series.map((s) => ({ ...s, from: i, to: Math.min(i + 200, n) }))));
    const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    if (!res.ok) throw new Error(`${url} remote_write: ${res.status} ${await res.text()}`);
  }
}

type Points = Map<string, Map<number, number>>;

/** `last_over_time(sel[1m])` at every minute of [FROM, TO]: exactly the samples written at those minutes. */
async function written(url: string, selector: string, dropLabels: readonly string[] = []): Promise<Points> {
  const q = new URLSearchParams({ query: `last_over_time(${selector}[1m])`, start: String(FROM / 1000), end: String(TO / 1000), step: '60', nocache: '1' });
  const res = await fetch(`${url}/api/v1/query_range?${q}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (body.status !== 'success') throw new Error(`${url} ${selector}: ${body.error}`);
  const out: Points = new Map();
  for (const s of body.data.result) {
    const labels = Object.entries(s.metric).filter(([k]) => !dropLabels.includes(k)).sort(([a], [b]) => a.localeCompare(b));
    const m = new Map<number, number>();
    for (const [t, v] of s.values) m.set(Math.round(t * 1000), Number(v));
    out.set(JSON.stringify(labels), m);
  }
  return out;
}

function expectSamePoints(ours: Points, theirs: Points): void {
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  for (const [k, m] of theirs) {
    const o = ours.get(k)!;
    expect([...o.keys()].sort((a, b) => a - b), k).toEqual([...m.keys()].sort((a, b) => a - b));
    for (const [t, v] of m) expect(o.get(t), `${k} @${new Date(t).toISOString()}`).toBeCloseTo(v, 9);
  }
}

function total(p: Points): number {
  let n = 0;
  for (const m of p.values()) n += m.size;
  return n;
}

describe('tidemark replay --rules', () => {
  let dir: string;
  let up: RunningCli;
  let vm: VictoriaMetricsPeer;
  let rules: string;
  let replayOutput = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-replay-'));
    const cfg = join(dir, 'tidemark.yml');
    // Blocks of 6 h: the replayed history stays in the head, which takes samples older than its newest.
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\nstore:\n  block_range_ms: 21600000\n');
    rules = join(dir, 'rules.yml');
    await writeFile(rules, RULES);
    [up, vm] = await Promise.all([startCli(['up', '--config', cfg, '--data', join(dir, 'data')]), VictoriaMetricsPeer.start()]);
    const data = history();
    const samples = data.length * data[0]!.timestamps.length;
    await Promise.all([remoteWrite(up.url, data), remoteWrite(vm.url, data)]);
    await fetch(`${vm.url}/internal/force_flush`);
    const count = `sum(count_over_time({__name__=~"rp_.*"}[${HOURS * 60 + 1}m]))`;
    for (const url of [up.url, vm.url]) {
      await waitFor(async () => {
        const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: count, time: String(END / 1000), nocache: '1' })}`);
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        return Number(body.data.result[0]?.value[1]) === samples ? true : undefined;
      }, 60_000);
    }
    const iso = (ms: number) => new Date(ms).toISOString();
    const ours = await runCli(['replay', '--rules', rules, '--from', iso(FROM), '--to', String(TO / 1000), '--url', up.url, '--progress', '1', '--max-points-per-query', '50'], { timeoutMs: 120_000 });
    replayOutput = ours.stdout + ours.stderr;
    expect(ours.code, replayOutput).toBe(0);
    // vmalert replays rule by rule with a pause between them, so the chained rule reads the first one's output;
    // its range queries step by -datasource.queryStep (5m by default), the group interval here. One
    // range query per rule: vmalert restarts pending alerts at the edge of its queries, Prometheus does not.
    await run('vmalert', [`-rule=${rules}`, `-datasource.url=${vm.url}`, `-remoteWrite.url=${vm.url}`, `-replay.timeFrom=${iso(FROM)}`, `-replay.timeTo=${iso(TO)}`, '-replay.rulesDelay=10s', '-datasource.queryStep=1m', '-replay.maxDatapointsPerQuery=1000', '-loggerLevel=ERROR', `-httpListenAddr=127.0.0.1:0`], { timeout: 120_000 });
    await fetch(`${vm.url}/internal/force_flush`);
  }, 300_000);

  afterAll(async () => {
    await up?.stop();
    await vm?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reports progress and a summary of what it evaluated, read and wrote', () => {
    const minutes = (TO - FROM) / MIN + 1;
    expect(replayOutput).toMatch(new RegExp(`replayed ${4 * minutes} rule evaluations`));
    const finished = replayOutput.split('\n').filter((l) => l.includes('"msg":"replay finished"'));
    expect(finished).toHaveLength(1);
    expect(JSON.parse(finished[0]!)).toMatchObject({ evaluations: 4 * minutes, total: 4 * minutes });
  });

  it('records the same series with the same values at the same instants as vmalert -replay', async () => {
    for (const name of ['job:rp_requests:sum', 'instance:rp_temperature:avg5m']) {
      const theirs = await written(vm.url, name);
      expect(total(theirs), name).toBeGreaterThan(100);
      expectSamePoints(await written(up.url, name), theirs);
    }
  });

  it('evaluates a rule that reads an earlier rule of its group after that rule was written', async () => {
    const first = await written(up.url, 'job:rp_requests:sum');
    const chained = await written(up.url, 'job:rp_requests:sum_x2');
    expect(total(chained)).toBe(total(first));
    for (const [k, m] of first) {
      const key = JSON.stringify(JSON.parse(k).map(([n, v]: [string, string]) => (n === '__name__' ? [n, 'job:rp_requests:sum_x2'] : [n, v])));
      for (const [t, v] of m) expect(chained.get(key)?.get(t)).toBe(2 * v);
    }
    expectSamePoints(chained, await written(vm.url, 'job:rp_requests:sum_x2'));
  });

  it('writes ALERTS with pending and firing states where vmalert -replay does, `for` included', async () => {
    // vmalert adds the group name as alertgroup; Prometheus does not.
    const theirs = await written(vm.url, 'ALERTS', ['alertgroup']);
    const ours = await written(up.url, 'ALERTS');
    const states = new Set([...ours.keys()].map((k) => (Object.fromEntries(JSON.parse(k)) as Record<string, string>)['alertstate']));
    expect(states).toEqual(new Set(['pending', 'firing']));
    expectSamePoints(ours, theirs);
  });

  it("writes ALERTS_FOR_STATE holding each alert's activation time", async () => {
    const ours = await written(up.url, 'ALERTS_FOR_STATE');
    expect(total(ours)).toBeGreaterThan(0);
    const theirs = await written(vm.url, 'ALERTS_FOR_STATE', ['alertgroup']);
    expectSamePoints(ours, theirs);
  });

  it('with --dry-run prints the series and sample counts it would write, and writes nothing', async () => {
    const dry = join(dir, 'dry.yml');
    await writeFile(dry, 'groups:\n  - name: dry\n    interval: 1m\n    rules:\n      - record: rp:dry:sum\n        expr: sum by (job) (rp_requests_total)\n');
    const r = await runCli(['replay', '--rules', dry, '--from', String(FROM / 1000), '--to', String(TO / 1000), '--url', up.url, '--dry-run'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const minutes = (TO - FROM) / MIN + 1;
    expect(r.stdout).toContain(`rp:dry:sum: 2 series, ${2 * minutes} samples`);
    expect(r.stdout).toMatch(/rp:dry:sum\{job="api"\} \d+ @/);
    expect(r.stdout).toContain(`would write ${2 * minutes} samples`);
    expect(total(await written(up.url, 'rp:dry:sum'))).toBe(0);
  });

  it('records infinite values as infinite, which the query API writes as +Inf and -Inf', async () => {
    const inf = join(dir, 'inf.yml');
    await writeFile(inf, 'groups:\n  - name: inf\n    interval: 1m\n    rules:\n      - record: rp:inf\n        expr: rp_temperature / 0\n      - record: rp:neg_inf\n        expr: -rp_temperature / 0\n');
    const r = await runCli(['replay', '--rules', inf, '--from', String(FROM / 1000), '--to', String(TO / 1000), '--url', up.url], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const minutes = (TO - FROM) / MIN + 1;
    for (const [name, value] of [['rp:inf', '+Inf'], ['rp:neg_inf', '-Inf']] as const) {
      const q = new URLSearchParams({ query: `last_over_time(${name}[1m])`, start: String(FROM / 1000), end: String(TO / 1000), step: '60', nocache: '1' });
      const body = (await (await fetch(`${up.url}/api/v1/query_range?${q}`)).json()) as { data: { result: { values: [number, string][] }[] } };
      const values = body.data.result.flatMap((s) => s.values.map(([, v]) => v));
      expect(values.length, name).toBe(2 * minutes);
      expect(new Set(values), name).toEqual(new Set([value]));
    }
  });

  it('exits 1 naming the server when the query API cannot be reached', async () => {
    const r = await runCli(['replay', '--rules', rules, '--from', String(FROM / 1000), '--to', String(TO / 1000), '--url', 'http://127.0.0.1:1'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the query API');
    expect(r.stderr).toContain('http://127.0.0.1:1/api/v1/query_range');
  });
});
