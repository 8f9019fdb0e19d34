import { loadavg } from 'node:os';
import { BENCH_RULE_CONFIG } from './aggregation.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { encodeWriteRequest, type RwSeries } from './peers/index.js';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { SystemDataset } from './system-dataset.js';
import { instantValue } from './system-queries.js';
import { sendRequest, type SendStats } from './system-requests.js';
import { startTidemarkUp, type SystemUnderTest } from './system-under-test.js';

/**
 * What streaming aggregation costs a user, outside in: two `tidemark up` processes side by side,
 * one started from a tidemark.yml with the aggregation bench's ten rules (`aggregates:`), one
 * without, get the same remote_write requests live: each scrape of the system benchmark's series
 * (node_exporter and application) is sent when its timestamp comes, to both, in alternating order.
 * Live because a window closes on event time, once the producers' watermark (their clock) has
 * passed it: hours of history sent at once would be late for every window but the newest.
 * Measured from the first scrape past the warm-up until the last one is queryable in both and
 * the aggregator has taken every record (`/api/v1/status/aggregates` lag 0, its counts settled):
 * CPU of each whole process over the same span. The `aggregation` area measures the same rules as
 * a component (store workers and aggregator in one process, the bus in memory, as fast as they go).
 *
 * Env: TIDEMARK_BENCH_AGGREGATION_SYSTEM_SERIES (20000), _MINUTES (10, measured),
 * _WARMUP_MINUTES (2).
 */
const env = (k: string, d: string): string => process.env[`TIDEMARK_BENCH_AGGREGATION_SYSTEM_${k}`] ?? d;
const SERIES = Number(env('SERIES', '20000'));
const MINUTES = Number(env('MINUTES', '10'));
const WARMUP_MINUTES = Number(env('WARMUP_MINUTES', '2'));
const INTERVAL_MS = 15_000;
const CONNECTIONS = 4;
const SAMPLES_PER_REQUEST = 2_000;
/** A scrape is sent this long after its timestamp, as a Prometheus queue sends what it scraped. */
const SEND_DELAY_MS = 1_000;
/**
 * Scrapes mid-interval, as Prometheus offsets each target's scrapes: a scrape stamped on a window's
 * end and sent a second later would be late for it (the producers' watermark trails their clock by
 * `bus.watermarks.lag_ms`, 50 ms).
 */
const SCRAPE_OFFSET_MS = 7_500;

const AGGREGATES_CONFIG = `aggregates: ${JSON.stringify(BENCH_RULE_CONFIG)}\n`;

function log(msg: string): void {
  process.stderr.write(`  aggregation-system: ${msg}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface AggregatesStatus {
  readonly lagRecords: number;
  readonly rules: readonly { readonly samples: number; readonly outputSamples: number; readonly lateSamples: number }[];
}

async function aggregatesStatus(url: string): Promise<AggregatesStatus> {
  const res = await fetch(`${url}/api/v1/status/aggregates`);
  if (!res.ok) throw new Error(`/api/v1/status/aggregates: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: AggregatesStatus }).data;
}

interface AggregatedCounts {
  readonly inputs: number;
  readonly outputs: number;
  readonly late: number;
}

function counts(s: AggregatesStatus): AggregatedCounts {
  return {
    inputs: s.rules.reduce((n, r) => n + r.samples, 0),
    outputs: s.rules.reduce((n, r) => n + r.outputSamples, 0),
    late: s.rules.reduce((n, r) => n + r.lateSamples, 0),
  };
}

/** Waits until the aggregator has no record left to take and its counts stopped moving. */
async function untilAggregated(url: string): Promise<AggregatedCounts> {
  let last = '';
  for (;;) {
    const s = await aggregatesStatus(url);
    const c = counts(s);
    const now = JSON.stringify([s.lagRecords, c]);
    if (s.lagRecords === 0 && now === last) return c;
    last = now;
    await sleep(1_000);
  }
}

/** Waits until the system counts every input series at the scrape `atMs` (the rules' outputs, named `x:...`, left out). */
async function untilScrapeQueryable(sys: SystemUnderTest, atMs: number): Promise<void> {
  while ((await instantValue(sys.query.url, 'count({job=~"node|api",__name__!~".+:.+"})', atMs, sys.query.params)) !== SERIES) await sleep(200);
}

/** One scrape as remote_write bodies, series spread over the connections as Prometheus' shards spread them. */
function scrapeBodies(ds: SystemDataset, atMs: number): Buffer[][] {
  const values = new Float64Array(ds.count);
  const timestamps = new Float64Array(ds.count).fill(atMs);
  ds.step(values);
  const queues: Buffer[][] = Array.from({ length: CONNECTIONS }, () => []);
  const pending: RwSeries[][] = Array.from({ length: CONNECTIONS }, () => []);
  const flush = (c: number): void => {
    queues[c]!.push(snappyBlockCompress(encodeWriteRequest(pending[c]!)));
    pending[c] = [];
  };
  for (let i = 0; i < ds.count; i++) {
    const c = i % CONNECTIONS;
    pending[c]!.push({ labels: ds.series[i]!.labels, values, timestamps, from: i, to: i + 1 });
    if (pending[c]!.length === SAMPLES_PER_REQUEST) flush(c);
  }
  for (let c = 0; c < CONNECTIONS; c++) if (pending[c]!.length > 0) flush(c);
  return queues;
}

async function sendScrape(queues: readonly Buffer[][], url: string, stats: SendStats): Promise<void> {
  await Promise.all(queues.map(async (bodies) => {
    for (const body of bodies) await sendRequest(url, body, stats);
  }));
}

async function run(): Promise<BenchResult[]> {
  const alone = await startTidemarkUp();
  let both: SystemUnderTest | undefined;
  try {
    both = await startTidemarkUp([], AGGREGATES_CONFIG);
    const systems = [alone, both];
    const warmupSteps = Math.round((WARMUP_MINUTES * 60_000) / INTERVAL_MS);
    const steps = warmupSteps + Math.round((MINUTES * 60_000) / INTERVAL_MS);
    const firstMs = Math.ceil((Date.now() + 2_000) / INTERVAL_MS) * INTERVAL_MS + SCRAPE_OFFSET_MS;
    const ds = new SystemDataset(SERIES, INTERVAL_MS, firstMs);
    const stats: SendStats = { requests: 0, retries: 0 };
    let cpu0 = [0, 0];
    let t0 = 0;
    let lateBefore = 0;
    for (let step = 0; step < steps; step++) {
      const at = ds.timeOf(step);
      const wait = at + SEND_DELAY_MS - Date.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -INTERVAL_MS) throw new Error(`scrape ${step} sent ${-wait} ms late: the machine cannot keep up with live traffic`);
      if (step === warmupSteps) {
        cpu0 = systems.map((s) => s.cpuMs());
        t0 = performance.now();
        lateBefore = counts(await aggregatesStatus(both.query.url)).late;
        log(`warm-up done (${warmupSteps} scrapes); measuring ${steps - warmupSteps} scrapes`);
      }
      const queues = scrapeBodies(ds, at);
      const order = step % 2 === 0 ? systems : [both, alone];
      for (const s of order) await sendScrape(queues, s.writeUrl, stats);
    }
    const lastMs = ds.timeOf(steps - 1);
    for (const s of systems) await untilScrapeQueryable(s, lastMs);
    const agg = await untilAggregated(both.query.url);
    const cpu = systems.map((s, i) => (s.cpuMs() - cpu0[i]!) / 1000);
    const secs = (performance.now() - t0) / 1000;
    if (agg.outputs === 0) throw new Error('the rules made no output sample');
    const samples = (steps - warmupSteps) * SERIES;
    const extra = ((cpu[1]! - cpu[0]!) / cpu[0]!) * 100;
    const shape = `${SERIES / 1000}k series (${ds.hosts} hosts: node_exporter + application) at 15 s, live`;
    return [
      {
        name: `tidemark up with the aggregation bench's 10 rules vs without, side by side on the same live remote_write traffic, CPU of each process over ${MINUTES} min of scrapes (after ${WARMUP_MINUTES} min of warm-up) until the last scrape is queryable and the aggregator has taken every record, ${shape}`,
        subject: 'tidemark up (embedded bus)',
        value: extra,
        unit: '% extra CPU',
        goal: '<= 20 %',
        note: `without the rules ${cpu[0]!.toFixed(2)} CPU-s, with them ${cpu[1]!.toFixed(2)} CPU-s (${(((cpu[1]! - cpu[0]!) * 1e6) / samples).toFixed(2)} CPU-µs more per sample) over ${secs.toFixed(0)} s and ${(samples / 1e6).toFixed(2)}M samples; rule input samples over the whole run ${agg.inputs} (${(agg.inputs / (steps * SERIES)).toFixed(2)} per sample), output samples ${agg.outputs}, late ${agg.late} (${lateBefore} during the warm-up); ${stats.retries} retried requests; load average ${loadavg()[0]!.toFixed(1)}`,
      },
      {
        name: `tidemark up CPU per sample, live remote_write traffic, ${shape}, with the aggregation bench's 10 rules`,
        subject: 'tidemark up (embedded bus)',
        value: (cpu[1]! * 1e6) / samples,
        unit: 'CPU-µs/sample',
        note: `without the rules ${((cpu[0]! * 1e6) / samples).toFixed(2)} CPU-µs/sample; at this rate (${(SERIES / (INTERVAL_MS / 1000)).toFixed(0)} samples/s) a process' own timers (flushes, head checkpoints, watermarks, log compaction) weigh more than under the system benchmark's bulk ingest`,
      },
    ];
  } finally {
    await both?.stop();
    await alone.stop();
  }
}

export const aggregationSystemBenchmark: Benchmark = { area: 'aggregation-system', run };
