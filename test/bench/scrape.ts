import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import { compileRelabelRules, populateTargetLabels, resolveScrapeConfig, scrapeConfigSchema, ScrapeLoop, Target } from '../../connectors/scrape/index.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { freePort } from '../harness/index.js';
import { spawnService } from '../harness/service-process.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { nodeExporterPage } from './node-exporter-page.js';

const GOAL = '<= Prometheus (about 1.36 µs CPU/sample measured for 2.42)';
const SCRAPES = 12;

/** Serves the page from a separate process, so serving costs nothing in the measured processes. */
async function startPageServer(pageFile: string): Promise<{ address: string; stop(): void; requests(): Promise<number> }> {
  const port = await freePort();
  const src = `
    const http = require('node:http'); const fs = require('node:fs');
    const page = fs.readFileSync(${JSON.stringify(pageFile)}); let n = 0;
    http.createServer((req, res) => {
      if (req.url === '/count') { res.end(String(n)); return; }
      n++; res.writeHead(200, {'content-type': 'text/plain; version=0.0.4'}); res.end(page);
    }).listen(${port}, '127.0.0.1', () => console.log('ready'));
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const child: ChildProcess = spawn(process.execPath, ['-e', src], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return {
    address: `127.0.0.1:${port}`,
    stop: () => child.stdin!.end(),
    requests: async () => Number(await (await fetch(`http://127.0.0.1:${port}/count`)).text()),
  };
}

class CountingSink implements SampleSink {
  samples = 0;
  appender(): Appender {
    let n = 0;
    return {
      append: () => void n++,
      appendHistogram: () => void n++,
      commit: async () => void (this.samples += n),
      rollback: () => void (n = 0),
    };
  }
}

/**
 * CPU µs per sample line of the page over `SCRAPES` scrapes by Tidemark's scrape loop into `sink`,
 * with the scrape config's `extra` keys; each scrape must append `added` samples (default: one per line).
 */
async function tidemarkCpuPerSample(address: string, sink: SampleSink, pageSamples: number, extra: Record<string, unknown> = {}, added = pageSamples): Promise<number> {
  const cfg = resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'bench', scrape_interval: '10s', ...extra }));
  const populated = populateTargetLabels({ __address__: address }, cfg, []);
  const target = new Target(populated.labels!, populated.discovered, 'bench', {});
  const agent = new Agent({ keepAlive: true });
  const loop = new ScrapeLoop(target, cfg, compileRelabelRules([]), { sink, agent });
  for (let i = 0; i < 3; i++) await loop.scrapeAndReport(); // warm-up: JIT and series cache
  (globalThis as { gc?: () => void }).gc?.(); // garbage of earlier benchmarks is not this one's
  const c0 = process.cpuUsage();
  for (let i = 0; i < SCRAPES; i++) {
    const r = await loop.scrapeAndReport();
    if (r.error !== undefined || r.added !== added) throw new Error(`scrape failed: ${r.error?.message ?? r.added}`);
  }
  const c = process.cpuUsage(c0);
  agent.destroy();
  return (c.user + c.system) / (SCRAPES * pageSamples);
}

/** The program's pid: the harness runs services under `sh`, so it is the shell's child. */
function childPid(shPid: number): number {
  return Number(readFileSync(`/proc/${shPid}/task/${shPid}/children`, 'utf8').trim().split(/\s+/)[0]);
}

/** utime + stime of a process, in µs (/proc/<pid>/stat, clock ticks of 10 ms). */
async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * A real Prometheus scraping the page every second: CPU over a window with the target minus its
 * idle CPU over an equal window without it, per sample scraped in the window.
 */
async function prometheusCpuPerSample(address: string, pageSamples: number, requests: () => Promise<number>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-prom-'));
  const sd = join(dir, 'targets.json');
  await writeFile(sd, '[]');
  await writeFile(join(dir, 'prometheus.yml'), `global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - job_name: bench\n    file_sd_configs: [{files: ['${sd}'], refresh_interval: 1s}]\n`);
  const port = await freePort();
  const { process: proc } = await spawnService({
    command: '/usr/bin/prometheus',
    args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    ready: /Server is ready to receive web requests/,
    guard: true,
    readyTimeoutMs: 30_000,
  });
  try {
    const pid = childPid(proc.pid);
    const windowMs = SCRAPES * 1000;
    await new Promise((r) => setTimeout(r, 3000)); // settle after startup
    const i0 = await cpuMicros(pid);
    await new Promise((r) => setTimeout(r, windowMs));
    const idle = (await cpuMicros(pid)) - i0;
    await writeFile(sd, JSON.stringify([{ targets: [address] }]));
    const first = await requests();
    const deadline = Date.now() + 20_000;
    while ((await requests()) < first + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const r0 = await requests();
    const b0 = await cpuMicros(pid);
    await new Promise((r) => setTimeout(r, windowMs));
    const busy = (await cpuMicros(pid)) - b0;
    const scrapes = (await requests()) - r0;
    if (scrapes <= 0) throw new Error('Prometheus did not scrape the page');
    return Math.max(0, busy - idle) / (scrapes * pageSamples);
  } finally {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** 1,000 classic histograms of 11 finite buckets (14,000 sample lines), as an HTTP server's latency family. */
function classicHistogramPage(): { text: string; histograms: number; samples: number } {
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const lines = ['# HELP http_request_duration_seconds Request latency.', '# TYPE http_request_duration_seconds histogram'];
  const histograms = 1000;
  for (let i = 0; i < histograms; i++) {
    const labels = `handler="/api/v1/h${i}",method="GET"`;
    let c = 0;
    for (const b of bounds) lines.push(`http_request_duration_seconds_bucket{${labels},le="${b}"} ${(c += i % 7)}`);
    lines.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${c + 1}`, `http_request_duration_seconds_sum{${labels}} ${i / 2}`, `http_request_duration_seconds_count{${labels}} ${c + 1}`);
  }
  return { text: `${lines.join('\n')}\n`, histograms, samples: histograms * (bounds.length + 3) };
}

export const scrapeBenchmark: Benchmark = {
  area: 'scrape',
  async run(): Promise<BenchResult[]> {
    const page = nodeExporterPage({ lines: 100_000, format: 'prometheus' });
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-scrape-'));
    const pageFile = join(dir, 'page.txt');
    await writeFile(pageFile, page.text);
    const server = await startPageServer(pageFile);
    const rows: BenchResult[] = [];
    const name = `scrape of a node_exporter page (${page.lines} lines, ${page.samples} samples) served locally`;
    try {
      const counting = new CountingSink();
      rows.push({
        name,
        subject: 'tidemark',
        value: await tidemarkCpuPerSample(server.address, counting, page.samples),
        unit: 'µs CPU/sample',
        goal: GOAL,
        note: `scrape loop into a counting sink; ${SCRAPES} scrapes after 3 warm-up`,
      });
      const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus') });
      try {
        await bus.ensureTopic('samples', 8);
        const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 8, source: 'bench' });
        rows.push({
          name: `${name}, onto the embedded bus`,
          subject: 'tidemark',
          value: await tidemarkCpuPerSample(server.address, sink, page.samples),
          unit: 'µs CPU/sample',
          note: 'scrape loop + BusSampleSink (Avro encode, 8 partitions) + embedded bus append',
        });
      } finally {
        await bus.close();
      }
      const hist = classicHistogramPage();
      const histFile = join(dir, 'histograms.txt');
      await writeFile(histFile, hist.text);
      const histServer = await startPageServer(histFile);
      try {
        const histName = `scrape of ${hist.histograms} classic histograms (${hist.samples} sample lines) served locally`;
        // Alternating, so both see the same machine load.
        const classic: number[] = [];
        const converted: number[] = [];
        for (let round = 0; round < 2; round++) {
          classic.push(await tidemarkCpuPerSample(histServer.address, new CountingSink(), hist.samples));
          converted.push(await tidemarkCpuPerSample(histServer.address, new CountingSink(), hist.samples, { convert_classic_histograms_to_nhcb: true }, hist.histograms));
        }
        rows.push({ name: histName, subject: 'tidemark', value: Math.min(...classic), unit: 'µs CPU/sample', note: 'kept as classic series; best of 2 runs alternating with the row below' });
        rows.push({
          name: `${histName}, with convert_classic_histograms_to_nhcb`,
          subject: 'tidemark',
          value: Math.min(...converted),
          unit: 'µs CPU/sample',
          note: 'stored as one native histogram with custom buckets each; per sample line of the page; best of 2 runs',
        });
      } finally {
        histServer.stop();
      }
      rows.push({
        name,
        subject: 'prometheus',
        value: await prometheusCpuPerSample(server.address, page.samples, server.requests),
        unit: 'µs CPU/sample',
        note: `Prometheus 2.42, 1s interval, /proc utime+stime over ${SCRAPES}s minus its idle CPU over ${SCRAPES}s`,
      });
    } finally {
      server.stop();
      await rm(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
