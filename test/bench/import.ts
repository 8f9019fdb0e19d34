import { execFile } from 'node:child_process';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Benchmark, BenchResult } from './bench-result.js';
import { cpuMs, tempDir, VictoriaMetricsPeer } from './peers/index.js';
import { promtoolCreateBlocks } from './peers/prometheus-peer.js';
import { startTidemarkUp, TIDEMARK_CLI } from './system-under-test.js';

const execFileAsync = promisify(execFile);
const SERIES = 2_000;
const POINTS = 500;
const STEP_S = 10;
const SAMPLES = SERIES * POINTS;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const CASE = `${SAMPLES / 1e6} M OpenMetrics samples (${SERIES} series x ${POINTS})`;

/**
 * An OpenMetrics file as a backfill would bring: node_cpu-like counters, series after series
 * (as exports are), 10 s apart, ending 5 minutes ago (within one head block of a fresh store).
 */
async function writeOpenMetrics(file: string): Promise<{ start: number; end: number }> {
  const end = Math.floor(Date.now() / 1000 / 60) * 60 - 300;
  const start = end - (POINTS - 1) * STEP_S;
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('# HELP bench_cpu_seconds Seconds the CPUs spent in each mode.\n# TYPE bench_cpu_seconds counter\n');
  for (let s = 0; s < SERIES; s++) {
    const labels = `{instance="host-${Math.floor(s / 64)}:9100",cpu="${Math.floor(s / 8) % 8}",mode="${MODES[s % 8]}"}`;
    const lines: string[] = [];
    let v = s * 3.5;
    for (let i = 0; i < POINTS; i++) {
      v += ((s * 7 + i * 13) % 100) / 10;
      lines.push(`bench_cpu_seconds_total${labels} ${v.toFixed(2)} ${start + i * STEP_S}`);
    }
    await write(lines.join('\n') + '\n');
  }
  await write('# EOF\n');
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
  return { start: start * 1000, end: end * 1000 };
}

/** Polls a Prometheus-compatible API until it counts every imported sample; returns the count seen last. */
async function untilCounted(url: string, atMs: number, timeoutMs = 600_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    const q = new URLSearchParams({ query: 'sum(count_over_time(bench_cpu_seconds_total[2h]))', time: String(atMs / 1000) });
    try {
      const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { data?: { result?: { value: [number, string] }[] } };
      seen = Number(body.data?.result?.[0]?.value[1] ?? 0);
      if (seen >= SAMPLES) return seen;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return seen;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** vmctl's prometheus mode wants a terminal even without its progress bar: script(1) gives it one. */
async function vmctlPrometheus(blocks: string, url: string): Promise<void> {
  const cmd = `/usr/bin/vmctl prometheus -s --prom-snapshot ${blocks} --vm-addr ${url} --vm-disable-progress-bar`;
  await execFileAsync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { maxBuffer: 16 << 20 });
}

/**
 * Backfilling one OpenMetrics file: `tidemark import` into `tidemark up`, against what the peers
 * offer for the same file: `promtool tsdb create-blocks-from openmetrics` (offline, blocks for a
 * stopped Prometheus) and vmctl's prometheus mode (over those blocks) into VictoriaMetrics, and
 * into `tidemark up` (vmctl writes /api/v1/import). Wall time from the first byte read until every
 * sample is queryable; server CPU from /proc.
 */
export const importBenchmark: Benchmark = {
  area: 'import',
  async run(): Promise<BenchResult[]> {
    const dir = tempDir('bench-import-');
    const rows: BenchResult[] = [];
    try {
      const file = join(dir, 'history.om');
      const { end } = await writeOpenMetrics(file);
      const fileNote = `${(statSync(file).size / 1e6).toFixed(0)} MB file`;

      {
        const up = await startTidemarkUp();
        try {
          const cpu0 = up.cpuMs();
          const t0 = performance.now();
          const { stdout } = await execFileAsync(process.execPath, [TIDEMARK_CLI, 'import', '--url', up.query.url, file], { maxBuffer: 16 << 20 });
          const sent = seconds(t0);
          const counted = await untilCounted(up.query.url, end);
          const queryable = seconds(t0);
          const cpu = (up.cpuMs() - cpu0) / 1000;
          if (counted !== SAMPLES) throw new Error(`tidemark up counts ${counted} of ${SAMPLES} samples after import: ${stdout}`);
          rows.push(
            { name: `import ${CASE}, command done`, subject: 'tidemark import -> up', value: SAMPLES / sent, unit: 'samples/s', note: `${sent.toFixed(1)} s; ${fileNote}` },
            { name: `import ${CASE}, until queryable`, subject: 'tidemark import -> up', value: SAMPLES / queryable, unit: 'samples/s', note: `${queryable.toFixed(1)} s` },
            { name: `import ${CASE}, server CPU`, subject: 'tidemark import -> up', value: SAMPLES / cpu, unit: 'samples/CPU-s', note: `tidemark up: ${cpu.toFixed(1)} CPU-s (the import command's own CPU not counted)` },
          );
        } finally {
          await up.stop();
        }
      }

      const blocks = join(dir, 'blocks');
      {
        const t0 = performance.now();
        await promtoolCreateBlocks(file, blocks);
        const took = seconds(t0);
        rows.push({ name: `import ${CASE}, blocks written`, subject: 'promtool create-blocks-from', value: SAMPLES / took, unit: 'samples/s', note: `${took.toFixed(1)} s; offline: blocks for a stopped Prometheus` });
      }

      {
        const vm = await VictoriaMetricsPeer.start(['-search.disableCache']);
        try {
          const cpu0 = cpuMs(vm.pid);
          const t0 = performance.now();
          await vmctlPrometheus(blocks, vm.url);
          await fetch(`${vm.url}/internal/force_flush`);
          const counted = await untilCounted(vm.url, end);
          const took = seconds(t0);
          const cpu = (cpuMs(vm.pid) - cpu0) / 1000;
          if (counted !== SAMPLES) throw new Error(`VictoriaMetrics counts ${counted} of ${SAMPLES} samples after vmctl`);
          rows.push(
            { name: `import ${CASE}, until queryable`, subject: 'vmctl prometheus -> victoria-metrics', value: SAMPLES / took, unit: 'samples/s', note: `${took.toFixed(1)} s; reads promtool's blocks` },
            { name: `import ${CASE}, server CPU`, subject: 'vmctl prometheus -> victoria-metrics', value: SAMPLES / cpu, unit: 'samples/CPU-s', note: `victoria-metrics: ${cpu.toFixed(1)} CPU-s` },
          );
        } finally {
          await vm.stop();
        }
      }

      {
        const up = await startTidemarkUp();
        try {
          const cpu0 = up.cpuMs();
          const t0 = performance.now();
          await vmctlPrometheus(blocks, up.query.url);
          const counted = await untilCounted(up.query.url, end);
          const took = seconds(t0);
          const cpu = (up.cpuMs() - cpu0) / 1000;
          if (counted !== SAMPLES) throw new Error(`tidemark up counts ${counted} of ${SAMPLES} samples after vmctl`);
          rows.push(
            { name: `import ${CASE}, until queryable`, subject: 'vmctl prometheus -> tidemark up', value: SAMPLES / took, unit: 'samples/s', note: `${took.toFixed(1)} s; reads promtool's blocks` },
            { name: `import ${CASE}, server CPU`, subject: 'vmctl prometheus -> tidemark up', value: SAMPLES / cpu, unit: 'samples/CPU-s', note: `tidemark up: ${cpu.toFixed(1)} CPU-s` },
          );
        } finally {
          await up.stop();
        }
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
