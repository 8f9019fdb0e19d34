import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tsdb } from '../../pipeline/tsdb/index.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { cpuMs, dirBytes, VictoriaMetricsPeer } from './peers/index.js';
import { promtoolCreateBlocks, startPrometheus } from './peers/prometheus-peer.js';
import { startTidemarkQueryServer } from './peers/tidemark-query-server-process.js';
import { PROMQL_BENCH_QUERIES } from './promql.js';
import {
  allSeries, prometheusTextBodies, QUERY_BENCH_RANGE, QUERY_BENCH_SERIES, QUERY_BENCH_START, QUERY_BENCH_STEP,
  SAMPLES_PER_SERIES, sampleTimes, writeOpenMetrics,
} from './query-dataset.js';

/**
 * Query latency through the Prometheus HTTP API, same data, same run: Tidemark (its API over a
 * Tsdb holding the data in blocks, served by a process of its own), Prometheus (promtool blocks) and VictoriaMetrics (imported
 * as text, rollup cache off). Each query: QUERY_BENCH_WARMUP warm-up runs (default 10; a server
 * answers the same dashboards all day, and Tidemark's JIT needs a few runs where Go binaries need
 * none), then QUERY_BENCH_RUNS runs (default 10), median reported. Env QUERY_BENCH_PEERS="prom,vm" ("" for Tidemark alone).
 */
const RUNS = Number(process.env.QUERY_BENCH_RUNS ?? 10);
const WARMUP = Number(process.env.QUERY_BENCH_WARMUP ?? 10);
const PEERS = (process.env.QUERY_BENCH_PEERS ?? 'prom,vm').split(',').filter(Boolean);

interface Target {
  readonly subject: string;
  readonly url: string;
  /** The server's process id, for its CPU time. */
  readonly pid: number;
  /** Extra query parameters (VictoriaMetrics: nocache). */
  readonly extra?: Record<string, string>;
}

function log(msg: string): void {
  process.stderr.write(`  query: ${msg}\n`);
}

async function loadTsdb(dir: string): Promise<Tsdb> {
  const db = await Tsdb.open(dir, { retentionMs: 0 });
  for (const [labels, values] of allSeries()) {
    const ref = db.ref(labels);
    for (let i = 0; i < values.length; i++) db.appendRef(ref, sampleTimes[i], values[i]);
  }
  await db.flush();
  await db.compact();
  return db;
}

/**
 * Runs `query` on a target; returns the milliseconds until the whole body arrived, the CPU
 * milliseconds the server spent meanwhile (the machine is shared, so wall time is noisy), and
 * the series count.
 */
async function timeQuery(t: Target, query: string): Promise<{ ms: number; cpu: number; series: number }> {
  const params = new URLSearchParams({
    query,
    start: String(QUERY_BENCH_START / 1000),
    end: String((QUERY_BENCH_START + QUERY_BENCH_RANGE) / 1000),
    step: String(QUERY_BENCH_STEP / 1000),
    ...t.extra,
  });
  const c0 = cpuMs(t.pid);
  const t0 = performance.now();
  const res = await fetch(`${t.url}/api/v1/query_range`, { method: 'POST', body: params, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const text = await res.text();
  const ms = performance.now() - t0;
  const cpu = cpuMs(t.pid) - c0;
  const body = JSON.parse(text) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`${t.subject}: ${query}: ${body.error}`);
  return { ms, cpu, series: body.data!.result.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export const queryBenchmark: Benchmark = {
  area: 'query',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-query-'));
    const stops: (() => Promise<void>)[] = [];
    try {
      const targets: Target[] = [];
      let t0 = performance.now();
      const db = await loadTsdb(join(dir, 'tidemark'));
      log(`tidemark: ${QUERY_BENCH_SERIES} series x ${SAMPLES_PER_SERIES} samples loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${db.stats().blocks} blocks`);
      await db.close();
      const tidemark = await startTidemarkQueryServer(join(dir, 'tidemark'));
      stops.push(() => tidemark.process.stop());
      targets.push({ subject: 'tidemark', url: tidemark.url, pid: tidemark.process.pid });

      if (PEERS.includes('prom')) {
        t0 = performance.now();
        const file = join(dir, 'data.om');
        writeOpenMetrics(file);
        await promtoolCreateBlocks(file, join(dir, 'prometheus'), '24h');
        rmSync(file);
        const prom = await startPrometheus(join(dir, 'prometheus'));
        stops.push(() => prom.stop());
        targets.push({ subject: 'prometheus', url: prom.url, pid: prom.process.pid });
        log(`prometheus: blocks written and server ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      if (PEERS.includes('vm')) {
        t0 = performance.now();
        const vm = await VictoriaMetricsPeer.start();
        stops.push(() => vm.stop());
        for (const body of prometheusTextBodies()) await vm.importPrometheus(body);
        await vm.compact();
        targets.push({ subject: 'victoria-metrics', url: vm.url, pid: vm.pid, extra: { nocache: '1' } });
        log(`victoria-metrics: imported, flushed and merged in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }

      const rows: BenchResult[] = [];
      for (const q of PROMQL_BENCH_QUERIES) {
        const seriesBy: string[] = [];
        for (const t of targets) {
          (globalThis as { gc?: () => void }).gc?.();
          const first = await timeQuery(t, q.query);
          for (let i = 1; i < WARMUP; i++) await timeQuery(t, q.query);
          const times: number[] = [];
          const cpus: number[] = [];
          for (let i = 0; i < RUNS; i++) {
            const r = await timeQuery(t, q.query);
            times.push(r.ms);
            cpus.push(r.cpu);
          }
          seriesBy.push(`${t.subject} ${first.series}`);
          rows.push({
            name: `query_range 6h @ 60s over HTTP: ${q.name}`,
            subject: t.subject,
            value: median(times),
            unit: 'ms',
            goal: t.subject !== 'tidemark' ? undefined : q.query.startsWith('sum by (mode)') ? '< prometheus (863 ms measured by the issue), then < victoria-metrics (118 ms)' : '< prometheus, then < victoria-metrics',
            note: `median of ${RUNS} after ${WARMUP} warm-up runs (server CPU ${median(cpus).toFixed(0)} ms); ${first.series} result series`,
          });
        }
        log(`${q.name}: ${seriesBy.join(', ')} series`);
      }
      rows.push({
        name: 'query bench data set',
        subject: 'all',
        value: QUERY_BENCH_SERIES * SAMPLES_PER_SERIES,
        unit: 'samples',
        note: `${QUERY_BENCH_SERIES} series x ${SAMPLES_PER_SERIES} (15 s, 6 h 10 m); tidemark tsdb ${(dirBytes(join(dir, 'tidemark')) / 1e6).toFixed(0)} MB`,
      });
      return rows;
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
