/**
 * Rebuilding a store from the bus, whole processes: `tidemark up` (the built CLI) is loaded with
 * 1 M samples over remote_write and stopped; `tidemark up --rebuild all` then moves every shard
 * aside and replays the log. Timed from the start of the rebuilding process until every sample
 * answers a query, with that process' CPU.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { RoleProcess } from '../system/role-process.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { cpuMs, encodeWriteRequest, freePort, tempDir, type RwSeries } from './peers/index.js';

const SERIES = 2000;
const POINTS = 500;

async function stored(url: string): Promise<number> {
  const q = new URLSearchParams({ query: 'sum(count_over_time(rebuild_bench_total[1d]))', time: String(Date.now() / 1000) });
  try {
    const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { data?: { result: Array<{ value: [number, string] }> } };
    return Number(body.data?.result[0]?.value[1] ?? 0);
  } catch {
    return 0; // not answering yet
  }
}

async function untilStored(url: string, n: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while ((await stored(url)) < n) {
    if (Date.now() > deadline) throw new Error(`rebuild bench: fewer than ${n} samples readable after 10 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(): Promise<BenchResult[]> {
  const dir = tempDir('tidemark-bench-rebuild-');
  const port = await freePort();
  const cwd = join(dir, 'up');
  await mkdir(cwd);
  const args = ['up', '--data', join(dir, 'data'), '--listen', `127.0.0.1:${port}`, '--log.level', 'warn'];
  const total = SERIES * POINTS;
  const start = Date.now() - POINTS * 15_000;
  const load = new RoleProcess({ name: 'load', url: `http://127.0.0.1:${port}`, cwd, args }, dir);
  try {
    await load.start(120_000);
    for (let k = 0; k < POINTS; k += 50) {
      const series: RwSeries[] = [];
      for (let i = 0; i < SERIES; i++) {
        const timestamps: number[] = [];
        const values: number[] = [];
        for (let j = k; j < k + 50; j++) { timestamps.push(start + j * 15_000); values.push(j * (i % 5 + 1)); }
        series.push({ labels: { __name__: 'rebuild_bench_total', instance: `i${i}`, job: `j${i % 20}` }, values, timestamps, from: 0, to: 50 });
      }
      const res = await fetch(`${load.url}/api/v1/write`, {
        method: 'POST', body: snappyBlockCompress(encodeWriteRequest(series)),
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      });
      if (res.status !== 204) throw new Error(`rebuild bench: loading answered ${res.status} ${await res.text()}`);
    }
    await untilStored(load.url, total);
  } finally {
    await load.stop();
    await load.closeLog();
  }
  const rebuild = new RoleProcess({ name: 'rebuild', url: `http://127.0.0.1:${port}`, cwd, args: [...args, '--rebuild', 'all'] }, dir);
  let seconds: number;
  let cpu: number;
  try {
    const t0 = performance.now();
    await rebuild.spawn();
    await untilStored(rebuild.url, total);
    seconds = (performance.now() - t0) / 1000;
    cpu = cpuMs(rebuild.pid) / 1000;
  } finally {
    await rebuild.kill();
    await rebuild.closeLog();
  }
  const perMillion = seconds / (total / 1e6);
  return [
    {
      name: `store rebuild from the bus, ${SERIES} series x ${POINTS} samples (tidemark up --rebuild all, 8 partitions)`,
      subject: 'tidemark', value: perMillion, unit: 's/M samples',
      note: `${seconds.toFixed(1)} s from process start until all ${total.toLocaleString('en')} samples answer a query, process start included; ${cpu.toFixed(1)} CPU-s`,
    },
  ];
}

export const rebuildBenchmark: Benchmark = { area: 'rebuild', run };
