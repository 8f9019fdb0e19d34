import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest, type RwSeries } from '../bench/peers/remote-write-encoder.js';
import { VictoriaMetricsPeer } from '../bench/peers/victoria-metrics.js';
import { runCli, startCli, waitFor, type RunningCli } from './cli-process.js';

const MIN = 60_000;
const SCRAPE_MS = 15_000;
/** Two hours of history ending 5 minutes back; instance "a" stops scraping after the first hour. */
const END = Math.floor((Date.now() - 5 * MIN) / MIN) * MIN;
const START = END - 120 * MIN;
const A_LAST = START + 60 * MIN + 7_000;
const FROM = START + 2 * MIN;

const RULES = `groups:
  - name: staleness
    interval: 1m
    rules:
      - record: instance:rs_up:x2
        expr: rs_up * 2
`;

function history(): RwSeries[] {
  const out: RwSeries[] = [];
  for (const [inst, last] of [['a', A_LAST], ['b', END]] as const) {
    const timestamps: number[] = [];
    for (let t = START + 7_000; t <= last; t += SCRAPE_MS) timestamps.push(t);
    out.push({ labels: { __name__: 'rs_up', instance: inst }, timestamps, values: timestamps.map(() => 1), from: 0, to: timestamps.length });
  }
  return out;
}

async function remoteWrite(url: string): Promise<void> {
  const body = snappyBlockCompress(encodeWriteRequest(history()));
  const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
  if (!res.ok) throw new Error(`${url} remote_write: ${res.status} ${await res.text()}`);
}

async function instant(url: string, query: string, atMs: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query, time: String(atMs / 1000), nocache: '1' })}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`${url} ${query}: ${body.error}`);
  return body.data.result;
}

async function count(url: string, selector: string): Promise<number> {
  const r = await instant(url, `sum(count_over_time(${selector}[121m]))`, END);
  return Number(r[0]?.value[1] ?? 0);
}

describe('tidemark replay --rules: how the output is written', () => {
  let dir: string;
  let up: RunningCli;
  let vm: VictoriaMetricsPeer;
  let rules: string;
  const iso = (ms: number) => new Date(ms).toISOString();
  const replay = (url: string) => runCli(['replay', '--rules', rules, '--from', iso(FROM), '--to', iso(END), '--url', url], { timeoutMs: 120_000 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-replay-staleness-'));
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\nstore:\n  block_range_ms: 21600000\n');
    rules = join(dir, 'rules.yml');
    await writeFile(rules, RULES);
    [up, vm] = await Promise.all([startCli(['up', '--config', cfg, '--data', join(dir, 'data')]), VictoriaMetricsPeer.start()]);
    await Promise.all([remoteWrite(up.url), remoteWrite(vm.url)]);
    await fetch(`${vm.url}/internal/force_flush`);
    const samples = history().reduce((n, s) => n + s.timestamps.length, 0);
    for (const url of [up.url, vm.url]) await waitFor(async () => ((await count(url, 'rs_up')) === samples ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await up?.stop();
    await vm?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('sends a Tidemark its output as series runs, and the staleness marker of a series that ended hides it as live evaluation would', async () => {
    const r = await replay(up.url);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const wrote = Number(/wrote (\d+) samples/.exec(r.stdout)?.[1]);
    // a's output runs until its input leaves the 5m lookback, then a staleness marker ends it.
    const aLastOutput = Math.floor((A_LAST + 5 * MIN - 1) / MIN) * MIN;
    const marker = aLastOutput + MIN;
    expect(await count(up.url, 'instance:rs_up:x2')).toBe(wrote);
    expect((await instant(up.url, 'instance:rs_up:x2', aLastOutput)).map((s) => s.metric['instance']).sort()).toEqual(['a', 'b']);
    // Without the marker, a's last sample would answer here: it is within the 5m lookback.
    expect((await instant(up.url, 'instance:rs_up:x2', marker + MIN)).map((s) => s.metric['instance'])).toEqual(['b']);
    const metrics = await (await fetch(`${up.url}/metrics`)).text();
    expect(Number(/^tidemark_import_samples_total\{[^}]*endpoint="series-runs"[^}]*\} (\S+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(wrote);
  });

  it('writes by remote_write to a server without the series-runs endpoint (VictoriaMetrics), every sample', async () => {
    const r = await replay(vm.url);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const wrote = Number(/wrote (\d+) samples/.exec(r.stdout)?.[1]);
    expect(wrote).toBeGreaterThan(0);
    await fetch(`${vm.url}/internal/force_flush`);
    await waitFor(async () => ((await count(vm.url, 'instance:rs_up:x2')) === wrote ? true : undefined), 30_000);
  });
});
