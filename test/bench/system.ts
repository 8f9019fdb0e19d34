import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchResult } from './bench-result.js';
import { monotonicMicros, topSelfTime, type SelfTime } from './cpu-profile.js';
import { SystemDataset } from './system-dataset.js';
import { compareAnswers, instantValue, rangeQuery, SYSTEM_QUERIES, type RangeAnswer } from './system-queries.js';
import { encodeTraffic, sendTraffic, type EncodedTraffic } from './system-requests.js';
import { startPrometheus, startTidemarkOnKafka, startTidemarkUp, startVictoriaMetrics, type SystemUnderTest } from './system-under-test.js';

/**
 * Whole systems side by side, through their public protocols: the same pre-encoded remote_write
 * requests (node_exporter and application series, 15 s scrapes, 4 connections each keeping its
 * series in time order, as Prometheus' shards send them) go to `tidemark up`, VictoriaMetrics and
 * Prometheus, one after the other (area `system`); `tidemark ingest` + `store` + `query` on the
 * Kafka-protocol test cluster get the same kind of traffic in area `system-kafka`, beside a
 * `tidemark up` on the same requests whose answers are its reference (its own run: a full-scale
 * run of all four takes longer than an hour on two cores). Per system: CPU of its processes from the first request until a count query sees
 * every sample, wall time, memory, data directory bytes per sample right after ingest and after its
 * default background compaction, a query_range set over the whole range (median of RUNS after
 * WARMUP), and each answer compared with Prometheus'. Then a profiled `tidemark up` ingest.
 *
 * Env: TIDEMARK_BENCH_SYSTEM_SERIES (20000), _HOURS (6), _TARGETS (of `system`; all of
 * "tidemark,victoria-metrics,prometheus"; tidemark-wal-file and tidemark-wal-bus run `tidemark up`
 * with that store.wal), _KAFKA_HOURS (hours of data for `system-kafka`; _HOURS),
 * _PROFILE_SHARE (1/6 of the traffic for the profiled ingest; 0 skips it), _RUNS (5), _WARMUP (1),
 * _COLD (3: after the query set, restart each system gracefully that many times and run every
 * query once after each restart, cold; the median is reported; 0 skips it), _CLI (the built CLI to
 * run; dist/ops/cli/main.js).
 */
const env = (k: string, d: string): string => process.env[`TIDEMARK_BENCH_SYSTEM_${k}`] ?? d;
const SERIES = Number(env('SERIES', '20000'));
const HOURS = Number(env('HOURS', '6'));
const TARGETS = env('TARGETS', 'tidemark,victoria-metrics,prometheus').split(',').filter(Boolean);
const KAFKA_HOURS = Number(env('KAFKA_HOURS', String(HOURS)));
const PROFILE_SHARE = Number(env('PROFILE_SHARE', String(1 / 6)));
const RUNS = Number(env('RUNS', '5'));
const WARMUP = Number(env('WARMUP', '1'));
const COLD_ROUNDS = Number(env('COLD', '3'));
const CONNECTIONS = 4;
const SAMPLES_PER_REQUEST = 2_000;
const KAFKA_PARTITIONS = 64;
const KAFKA_MAX_STORE_LAG = 20_000;
const INTERVAL_MS = 15_000;
const STEP_MS = 60_000;
/**
 * Query steps fall between scrapes, as they do with real scrape offsets and jitter: on the exact
 * scrape grid Prometheus 2.42 counts the sample at t - range into a window (left-closed), where
 * Prometheus 3 and Tidemark do not, and every rate and _over_time answer would differ for that.
 */
const QUERY_OFFSET_MS = 7_500;

function log(msg: string): void {
  process.stderr.write(`  system: ${msg}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface QueryMeasure {
  readonly name: string;
  readonly ms: number;
  readonly cpu: number;
  readonly answer: RangeAnswer;
  /** The first run after each restart (COLD rounds), its answer compared with the warm one ('' when equal). */
  readonly cold: { readonly ms: number; readonly cpu: number; readonly diff: string }[];
}

interface SystemMeasure {
  readonly subject: string;
  readonly rows: BenchResult[];
  readonly queries: QueryMeasure[];
}

export interface Scenario {
  readonly traffic: EncodedTraffic;
  /** Timestamp of the first and last scrape. */
  readonly firstMs: number;
  readonly lastMs: number;
  readonly shape: string;
  /** Metric names of the data set. */
  readonly names: readonly string[];
  /** Series per scrape. */
  readonly series: number;
}

/**
 * Polls until the system's own query API counts every sample sent: first the series of the last
 * scrape (cheap), then samples per metric name (count_over_time drops the name, and Prometheus
 * refuses a vector whose series then collide, so each name is counted apart). Returns the count
 * seen: less than `samples` when it stopped growing for `stuckMs` (samples acknowledged, then lost).
 */
export async function untilQueryable(sys: SystemUnderTest, s: Scenario, samples: number, stuckMs = 60_000): Promise<number> {
  const range = Math.ceil((s.lastMs - s.firstMs) / 1000) + 60;
  let seen = -1;
  let since = performance.now();
  for (;;) {
    const last = await instantValue(sys.query.url, 'count({job=~"node|api"})', s.lastMs, sys.query.params);
    if (last === s.series || samples < s.traffic.samples || performance.now() - since > stuckMs) {
      let n = 0;
      for (const name of s.names) n += (await instantValue(sys.query.url, `sum(count_over_time(${name}{job=~"node|api"}[${range}s]))`, s.lastMs, sys.query.params)) ?? 0;
      if (n === samples) return n;
      if (n > samples) throw new Error(`${sys.subject}: count query sees ${n} samples, more than the ${samples} sent`);
      if (n !== seen) {
        seen = n;
        since = performance.now();
      } else if (performance.now() - since > stuckMs) return n;
    }
    await sleep(1_000);
  }
}

const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;

/** Loads, waits, queries and measures one system; its rows come back without the comparisons. */
async function measure(sys: SystemUnderTest, s: Scenario): Promise<SystemMeasure> {
  const rows: BenchResult[] = [];
  const { subject } = sys;
  const samples = s.traffic.samples;
  const helpers0 = sys.helpers.map((h) => h.cpuMs());
  const cpu0 = sys.cpuMs();
  const t0 = performance.now();
  const sent = await sendTraffic(s.traffic, sys.writeUrl);
  const sentSecs = (performance.now() - t0) / 1000;
  log(`${subject}: ${sent.requests} requests sent in ${sentSecs.toFixed(0)} s (${sent.retries} retries)`);
  const stored = await untilQueryable(sys, s, samples);
  const ingestedAt = performance.now();
  const secs = (ingestedAt - t0) / 1000;
  const cpuSecs = (sys.cpuMs() - cpu0) / 1000;
  const lost = stored < samples ? `; ONLY ${stored} OF ${samples} ACKNOWLEDGED SAMPLES QUERYABLE (count stopped growing for 60 s)` : '';
  log(`${subject}: queryable after ${secs.toFixed(0)} s, ${cpuSecs.toFixed(0)} CPU-s${lost}`);
  rows.push({
    name: `ingest, remote_write until every sample is queryable: samples per CPU-second of the system's processes`,
    subject,
    value: stored / cpuSecs,
    unit: 'samples/CPU-s',
    note: `${cpuSecs.toFixed(1)} CPU-s for ${(stored / 1e6).toFixed(2)}M samples; ${sent.requests} requests, ${sent.retries} retried after 429/503${lost}`,
  });
  rows.push({ name: 'ingest, wall time from the first request until every sample is queryable', subject, value: secs, unit: 's', note: `all requests answered after ${sentSecs.toFixed(0)} s` });
  sys.helpers.forEach((h, i) => {
    const c = (h.cpuMs() - helpers0[i]) / 1000;
    rows.push({ name: 'ingest, CPU of the services it needs (apart)', subject: `${subject}: ${h.name}`, value: c, unit: 'CPU-s', note: `${(samples / c).toFixed(0)} samples per broker CPU-second` });
  });
  const rss = sys.rssBytes();
  rows.push({ name: 'resident memory after ingest', subject, value: rss / 1e6, unit: 'MB', note: `${(rss / SERIES).toFixed(0)} bytes per series` });
  const ingested = sys.dataBytes();
  rows.push({ name: 'data directory bytes per sample, right after ingest', subject, value: ingested / samples, unit: 'bytes/sample', note: mb(ingested) });
  const how = await sys.settle(ingestedAt);
  const settled = sys.dataBytes();
  const parts = sys.describeData === undefined ? '' : `; ${sys.describeData(samples)}`;
  rows.push({ name: 'data directory bytes per sample, after default background compaction', subject, value: settled / samples, unit: 'bytes/sample', note: `${mb(settled)}; ${how}${parts}` });
  log(`${subject}: ${mb(ingested)} after ingest, ${mb(settled)} settled (${how})`);

  const queries: QueryMeasure[] = [];
  // Tidemark's health check is answered by the thread that matches and plans selects: how long
  // the query set makes it wait is how long a select holds that thread.
  const health = subject.startsWith('tidemark') ? watchHealth(`${sys.query.url}/-/healthy`) : null;
  for (const q of SYSTEM_QUERIES) {
    (globalThis as { gc?: () => void }).gc?.();
    const first = await rangeQuery(sys.query, q.query, s.firstMs + QUERY_OFFSET_MS, s.lastMs, STEP_MS);
    for (let i = 1; i < WARMUP; i++) await rangeQuery(sys.query, q.query, s.firstMs + QUERY_OFFSET_MS, s.lastMs, STEP_MS);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await rangeQuery(sys.query, q.query, s.firstMs + QUERY_OFFSET_MS, s.lastMs, STEP_MS));
    const ms = median(runs.map((r) => r.ms));
    queries.push({ name: q.name, ms, cpu: median(runs.map((r) => r.cpu)), answer: first.answer, cold: [] });
    log(`${subject}: ${q.name}: ${ms.toFixed(0)} ms, ${first.answer.size} series`);
  }
  if (health !== null) {
    const waits = await health.stop();
    rows.push({
      name: 'slowest /-/healthy answer while the query set ran (asked every 20 ms, one request at a time)',
      subject,
      value: waits[waits.length - 1] ?? Number.NaN,
      unit: 'ms',
      note: `${waits.length} answers; median ${(waits[waits.length >> 1] ?? Number.NaN).toFixed(1)} ms, 99th percentile ${(waits[Math.floor(waits.length * 0.99)] ?? Number.NaN).toFixed(1)} ms`,
    });
  }
  const rssAfterQueries = sys.rssBytes();
  rows.push({
    name: 'resident memory after the query set',
    subject,
    value: rssAfterQueries / 1e6,
    unit: 'MB',
    // What a query set may add (README, "Where the resident memory goes"), checked by every run.
    note: `${((rssAfterQueries - rss) / 1e6).toFixed(0)} MB above after ingest${sys.queryMemoryBound === undefined ? '' : `; stated bound ${(sys.queryMemoryBound / 1e6).toFixed(0)} MB: ${rssAfterQueries - rss <= sys.queryMemoryBound ? 'within' : 'EXCEEDED'}`}`,
  });
  if (COLD_ROUNDS > 0) {
    // A cold run is one sample of a noisy figure (what the first queries after a start pay moves
    // with the machine's timing), so the restart and the cold set are repeated and the median told.
    const restarts: number[] = [];
    for (let round = 0; round < COLD_ROUNDS; round++) {
      const restartMs = await sys.restart();
      restarts.push(restartMs);
      log(`${subject}: restarted (${round + 1} of ${COLD_ROUNDS}), ready after ${(restartMs / 1000).toFixed(1)} s`);
      // Each query's first run after the restart, in the set's order: the page cache is warm from
      // the warm runs, the process' own caches and compiled code are not.
      for (const q of queries) {
        const def = SYSTEM_QUERIES.find((x) => x.name === q.name);
        if (def === undefined) continue;
        const r = await rangeQuery(sys.query, def.query, s.firstMs + QUERY_OFFSET_MS, s.lastMs, STEP_MS);
        q.cold.push({ ms: r.ms, cpu: r.cpu, diff: compareAnswers(r.answer, q.answer) });
        log(`${subject}: ${q.name}, cold: ${r.ms.toFixed(0)} ms`);
      }
    }
    const restartMs = median(restarts);
    rows.push({
      name: 'restart: stopped gracefully (SIGTERM), started on the same data directory, until ready',
      subject,
      value: restartMs / 1000,
      unit: 's',
      note: `median of ${restarts.length} restarts (${restarts.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s); ${(restartMs / 1000 / (samples / 1e6)).toFixed(2)} s per million samples stored`,
    });
    rows.push({ name: 'resident memory after the cold query set', subject, value: sys.rssBytes() / 1e6, unit: 'MB', note: `after the last of ${restarts.length} restarts` });
  }
  return { subject, rows, queries };
}

/** Asks `url` every 20 ms, one request at a time, until stopped; then the answers' milliseconds, sorted. */
function watchHealth(url: string): { stop(): Promise<number[]> } {
  const waits: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url} answered ${res.status} while the query set ran`);
      waits.push(performance.now() - t0);
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return waits.sort((a, b) => a - b);
    },
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Samples in the first `share` of each connection's requests (every request is full but a connection's last). */
function sharedSamples(t: EncodedTraffic, share: number): number {
  return t.requestsPerFile.reduce((a, n, i) => {
    const k = Math.ceil(n * share);
    return a + (k === n ? t.samplesPerFile[i] : k * SAMPLES_PER_REQUEST);
  }, 0);
}

/**
 * Query rows of every system, each answer compared with Prometheus' (with `tidemark up`'s in a
 * run without Prometheus: the Kafka variant's fan-out over its store against the same data in one process).
 */
function queryRows(all: readonly SystemMeasure[], s: Scenario, hours: number): BenchResult[] {
  const reference = all.find((m) => m.subject === 'prometheus') ?? all.find((m) => m.subject === 'tidemark up');
  const rows: BenchResult[] = [];
  for (const q of SYSTEM_QUERIES) {
    for (const m of all) {
      const r = m.queries.find((x) => x.name === q.name);
      if (r === undefined) continue;
      const ref = reference?.queries.find((x) => x.name === q.name);
      const diff = ref === undefined || m === reference ? undefined : compareAnswers(r.answer, ref.answer);
      const whose = reference?.subject === 'prometheus' ? "prometheus'" : `${reference?.subject}'s`;
      const verdict = diff === undefined ? '' : diff === '' ? `; answer equals ${whose}` : `; answer differs from ${whose}: ${diff}`;
      rows.push({
        name: `query_range over all ${hours} h @ 60 s: ${q.name} \`${q.query}\``,
        subject: m.subject,
        value: r.ms,
        unit: 'ms',
        note: `median of ${RUNS} after ${WARMUP} warm-up; server CPU ${r.cpu.toFixed(0)} ms; ${r.answer.size} series${verdict}`,
      });
    }
  }
  for (const q of SYSTEM_QUERIES) {
    for (const m of all) {
      const cold = m.queries.find((x) => x.name === q.name)?.cold ?? [];
      if (cold.length === 0) continue;
      const diffs = cold.map((c) => c.diff).filter((d) => d !== '');
      rows.push({
        name: `query_range over all ${hours} h @ 60 s, cold (first run after a restart, page cache warm): ${q.name}`,
        subject: m.subject,
        value: median(cold.map((c) => c.ms)),
        unit: 'ms',
        note: `median of ${cold.length} restarts (${cold.map((c) => c.ms.toFixed(c.ms < 30 ? 1 : 0)).join(', ')} ms); server CPU ${median(cold.map((c) => c.cpu)).toFixed(0)} ms (median); ${diffs.length === 0 ? 'every answer equals its warm answer' : `ANSWERS DIFFER FROM THE WARM ANSWER: ${diffs.join('; ')}`}`,
      });
    }
  }
  return rows;
}

/** Rows grouped by metric, systems in run order within each. */
function byMetric(rows: readonly BenchResult[]): BenchResult[] {
  const order = [...new Set(rows.map((r) => r.name))];
  return order.flatMap((n) => rows.filter((r) => r.name === n));
}

async function run(targets: readonly string[], hours: number, profile: boolean): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-system-'));
  try {
    const steps = Math.round((hours * 3_600_000) / INTERVAL_MS);
    // The last scrape a minute before now: every system sees recent data, none sees the future.
    const firstMs = Math.floor((Date.now() - 60_000) / INTERVAL_MS) * INTERVAL_MS - (steps - 1) * INTERVAL_MS;
    const ds = new SystemDataset(SERIES, INTERVAL_MS, firstMs);
    const t0 = performance.now();
    const traffic = encodeTraffic(ds, steps, dir, CONNECTIONS, SAMPLES_PER_REQUEST);
    const shape = `${SERIES / 1000}k series (${ds.hosts} hosts: node_exporter + application) x ${hours} h at 15 s, ${(traffic.samples / 1e6).toFixed(1)}M samples`;
    log(`${shape}: ${traffic.requests} requests, ${mb(traffic.bytes)} snappy, encoded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const scenario: Scenario = { traffic, firstMs, lastMs: ds.timeOf(steps - 1), shape, names: [...new Set(ds.series.map((x) => x.labels.__name__))], series: SERIES };

    const starters: [string, () => Promise<SystemUnderTest>][] = [
      ['tidemark', () => startTidemarkUp()],
      // The same with each store write-ahead log named (store.wal), to compare them in one run.
      ['tidemark-wal-file', () => startTidemarkUp([], 'store:\n  wal: file\n')],
      ['tidemark-wal-bus', () => startTidemarkUp([], 'store:\n  wal: bus\n')],
      ['victoria-metrics', startVictoriaMetrics],
      ['prometheus', startPrometheus],
      ['kafka', () => startTidemarkOnKafka(KAFKA_PARTITIONS, KAFKA_MAX_STORE_LAG)],
    ];
    const measured: SystemMeasure[] = [];
    const failed: BenchResult[] = [];
    for (const [key, start] of starters) {
      if (!targets.includes(key)) continue;
      let sys: SystemUnderTest | undefined;
      try {
        sys = await start();
        log(`${sys.subject} started`);
        measured.push(await measure(sys, scenario));
      } catch (err) {
        failed.push({ name: `${key}: failed`, subject: key, value: Number.NaN, unit: '-', note: (err as Error).message.slice(0, 300) });
        log(`${key} failed: ${(err as Error).stack}`);
      } finally {
        await sys?.stop();
      }
    }

    const rows = [...byMetric(measured.flatMap((m) => m.rows)), ...queryRows(measured, scenario, hours), ...failed];
    if (profile && PROFILE_SHARE > 0) rows.push(...(await profileTidemark(scenario, join(dir, 'profile'))));
    rows.push({
      name: 'system bench data and settings',
      subject: 'all',
      value: traffic.samples,
      unit: 'samples',
      note:
        `${shape}; ${traffic.requests} remote_write requests of ${SAMPLES_PER_REQUEST} samples (one per TimeSeries) on ${CONNECTIONS} connections, series spread over them as Prometheus' shards spread them; ` +
        `429/503 retried after 30 ms doubling to 1 s; queries from the first scrape + 7.5 s to the last at 60 s steps; ` +
        (targets.includes('kafka')
          ? `store defaults except ${KAFKA_PARTITIONS} partitions and ingest.max_store_lag ${KAFKA_MAX_STORE_LAG} records (the mock keeps ~5 MiB per partition); Redis shard registry; queries with nocache=1; tidemark up on the same requests in the same run, its answers the reference (no Prometheus in this run)`
          : 'defaults everywhere except: VictoriaMetrics -search.disableCache and nocache=1, Tidemark nocache=1 (its result cache bypassed), retention 100y for the peers'),
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fresh `tidemark up` under `node --cpu-prof` ingests the first PROFILE_SHARE of the traffic, then
 * answers the query set once over it; rows are the top self-time functions of each phase, over the
 * main thread and every worker thread (the profile is cut at the phases' boundaries).
 */
async function profileTidemark(s: Scenario, profileDir: string): Promise<BenchResult[]> {
  const samples = sharedSamples(s.traffic, PROFILE_SHARE);
  const sys = await startTidemarkUp(['--cpu-prof', '--cpu-prof-dir', profileDir]);
  let ingest: { fromUs: number; toUs: number };
  let queries: { fromUs: number; toUs: number };
  try {
    const ingestFrom = monotonicMicros();
    await sendTraffic(s.traffic, sys.writeUrl, PROFILE_SHARE);
    await untilQueryable(sys, s, samples);
    ingest = { fromUs: ingestFrom, toUs: monotonicMicros() };
    for (const q of SYSTEM_QUERIES) await rangeQuery(sys.query, q.query, s.firstMs + QUERY_OFFSET_MS, s.lastMs, STEP_MS); // warm-up
    const queriesFrom = monotonicMicros();
    for (const q of SYSTEM_QUERIES) await rangeQuery(sys.query, q.query, s.firstMs + QUERY_OFFSET_MS, s.lastMs, STEP_MS);
    queries = { fromUs: queriesFrom, toUs: monotonicMicros() };
  } finally {
    await sys.stop(); // SIGTERM: the process exits and writes its profile
  }
  const rows = (what: string, top: SelfTime[]): BenchResult[] =>
    top.map((f, i) => ({ name: `${what}, self time #${i + 1}`, subject: 'tidemark up', value: f.share * 100, unit: '% self time', note: f.fn }));
  const m = (samples / 1e6).toFixed(2);
  return [
    ...rows(`where a sample's time goes: tidemark up under --cpu-prof, remote_write ingest of ${m}M samples`, topSelfTime(profileDir, 15, ingest)),
    ...rows(`where a query's time goes: tidemark up under --cpu-prof, the query set once (after a warm-up) over those ${m}M samples, every thread`, topSelfTime(profileDir, 15, queries)),
  ];
}

export const systemBenchmark: Benchmark = { area: 'system', run: () => run(TARGETS, HOURS, true) };
/** The distributed roles on Kafka beside `tidemark up` on the same requests: the query role's fan-out against one process. */
export const systemKafkaBenchmark: Benchmark = { area: 'system-kafka', run: () => run(['tidemark', 'kafka'], KAFKA_HOURS, false) };
