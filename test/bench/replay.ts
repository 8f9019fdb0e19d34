/**
 * Rules over history, like for like: the same rule file replayed over the same range by
 * `tidemark replay --rules` against `tidemark up`, and by `vmalert -replay` against a single-node
 * VictoriaMetrics, both holding the same remote-written history. Each is timed as a whole process
 * run (start-up included): rule evaluations per second and samples read per second (the samples
 * in the range-query answers, which are the same on both sides). vmalert runs with
 * -replay.rulesDelay=0s and -datasource.queryStep at the group interval; Tidemark waits after each
 * rule until what it wrote can be read back.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SnappyJS from 'snappyjs';
import type { Benchmark, BenchResult } from './bench-result.js';
import { encodeWriteRequest, tempDir, type RwSeries } from './peers/index.js';
import { VictoriaMetricsPeer } from './peers/victoria-metrics.js';
import { startCli, waitFor } from '../e2e/cli-process.js';

const run = promisify(execFile);
const MIN = 60_000;
/** Series, hours of history and scrape interval (BENCH_REPLAY_SERIES / _HOURS override the first two). */
const SERIES = Number(process.env.BENCH_REPLAY_SERIES ?? 200);
const HOURS = Number(process.env.BENCH_REPLAY_HOURS ?? 6);
const SCRAPE_MS = 30_000;

const RULES = `groups:
  - name: bench
    interval: 1m
    rules:
      - record: job:bench_requests:sum
        expr: sum by (job) (bench_requests_total)
      - record: instance:bench_requests:avg5m
        expr: avg_over_time(bench_requests_total[5m])
      - record: job:bench_requests:max
        expr: max by (job) (bench_requests_total)
      - alert: BenchHigh
        expr: bench_requests_total > 600
        for: 5m
        labels: {severity: page}
        annotations: {summary: '{{ $labels.instance }} at {{ $value }}'}
`;

function history(start: number, end: number): RwSeries[] {
  const timestamps: number[] = [];
  for (let t = start + 7_000; t <= end; t += SCRAPE_MS) timestamps.push(t);
  const out: RwSeries[] = [];
  for (let s = 0; s < SERIES; s++) {
    const values = timestamps.map((_, i) => 500 + 150 * Math.sin(i / 40 + s) + (i % 7));
    out.push({ labels: { __name__: 'bench_requests_total', job: `j${s % 10}`, instance: `i${s}` }, timestamps, values, from: 0, to: timestamps.length });
  }
  return out;
}

async function remoteWrite(url: string, series: RwSeries[]): Promise<void> {
  const n = series[0]!.timestamps.length;
  for (let i = 0; i < n; i += 60) {
    const body = Buffer.from(SnappyJS.compress(encodeWriteRequest(series.map((s) => ({ ...s, from: i, to: Math.min(i + 60, n) })))));
    const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    if (!res.ok) throw new Error(`${url} remote_write: ${res.status} ${await res.text()}`);
  }
}

async function countSamples(url: string, at: number): Promise<number> {
  const q = `sum(count_over_time(bench_requests_total[${HOURS * 60 + 1}m]))`;
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: q, time: String(at / 1000), nocache: '1' })}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

export const replayBenchmark: Benchmark = {
  area: 'replay',
  async run(): Promise<BenchResult[]> {
    const dir = tempDir('bench-replay-');
    await mkdir(dir, { recursive: true });
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\nstore:\n  block_range_ms: 43200000\n');
    const rules = join(dir, 'rules.yml');
    await writeFile(rules, RULES);
    const end = Math.floor((Date.now() - 5 * MIN) / MIN) * MIN;
    const start = end - HOURS * 60 * MIN;
    const from = start + 10 * MIN;
    const [up, vm] = await Promise.all([startCli(['up', '--config', cfg, '--data', join(dir, 'data')]), VictoriaMetricsPeer.start()]);
    try {
      const data = history(start, end);
      const samples = data.length * data[0]!.timestamps.length;
      await Promise.all([remoteWrite(up.url, data), remoteWrite(vm.url, data)]);
      await fetch(`${vm.url}/internal/force_flush`);
      for (const url of [up.url, vm.url]) await waitFor(async () => ((await countSamples(url, end)) === samples ? true : undefined), 120_000);

      const iso = (ms: number) => new Date(ms).toISOString();
      let t = performance.now();
      const ours = await run(process.execPath, [new URL('../../dist/ops/cli/main.js', import.meta.url).pathname, 'replay', '--rules', rules, '--from', iso(from), '--to', iso(end), '--url', up.url], { maxBuffer: 1 << 24 });
      const oursS = (performance.now() - t) / 1000;
      const m = /replayed (\d+) rule evaluations .*?(\d+) range queries read (\d+) samples, wrote (\d+) samples.*\((.*)\)$/m.exec(ours.stdout);
      if (m === null) throw new Error(`unexpected tidemark replay output: ${ours.stdout}${ours.stderr}`);
      const [evaluations, , read, wrote] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
      const spent = m[5];

      // The same replay without writing: reading and evaluating alone.
      t = performance.now();
      await run(process.execPath, [new URL('../../dist/ops/cli/main.js', import.meta.url).pathname, 'replay', '--rules', rules, '--from', iso(from), '--to', iso(end), '--url', up.url, '--dry-run'], { maxBuffer: 1 << 24 });
      const dryS = (performance.now() - t) / 1000;

      t = performance.now();
      await run('vmalert', [`-rule=${rules}`, `-datasource.url=${vm.url}`, `-remoteWrite.url=${vm.url}`, `-replay.timeFrom=${iso(from)}`, `-replay.timeTo=${iso(end)}`, '-replay.rulesDelay=0s', '-datasource.queryStep=1m', '-replay.disableProgressBar', '-loggerLevel=ERROR', '-httpListenAddr=127.0.0.1:0'], { maxBuffer: 1 << 24 });
      const vmS = (performance.now() - t) / 1000;

      const name = `replay, ${SERIES} series x ${HOURS} h, 4 rules at 1m`;
      const note = `${evaluations} evaluations, ${read} samples read, ${wrote} written`;
      return [
        { name: `${name}: rule evaluations`, subject: 'tidemark', value: evaluations / oursS, unit: 'evaluations/s', note: `${oursS.toFixed(1)} s (${spent}); ${note}` },
        { name: `${name}: rule evaluations, --dry-run`, subject: 'tidemark', value: evaluations / dryS, unit: 'evaluations/s', note: `${dryS.toFixed(1)} s: read and evaluate, nothing written` },
        { name: `${name}: rule evaluations`, subject: 'vmalert + victoria-metrics', value: evaluations / vmS, unit: 'evaluations/s', note: `${vmS.toFixed(1)} s` },
        { name: `${name}: samples read`, subject: 'tidemark', value: read / oursS, unit: 'samples/s' },
        { name: `${name}: samples read`, subject: 'vmalert + victoria-metrics', value: read / vmS, unit: 'samples/s' },
      ];
    } finally {
      await up.stop();
      await vm.stop();
    }
  },
};
