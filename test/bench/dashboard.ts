import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { encodeWriteRequest, type RwSeries } from './peers/index.js';
import { untilQueryable, type Scenario } from './system.js';
import { SystemDataset } from './system-dataset.js';
import { compareAnswers, rangeQuery, SYSTEM_QUERIES, type QueryTarget, type RangeAnswer } from './system-queries.js';
import { encodeTraffic, sendRequest, sendTraffic, type SendStats } from './system-requests.js';
import { startPrometheus, startTidemarkUp, startVictoriaMetricsCached, type SystemUnderTest } from './system-under-test.js';

/**
 * A live dashboard, whole processes, caches on: the system bench's 6 h of node_exporter and
 * application series are remote-written to each system, then, in real time, a new scrape of every
 * series goes to all of them every 15 s and every 30 s each system in turn answers the system
 * bench's nine panels over the last 6 h at a 60 s step, start and end aligned to the step as
 * Grafana sends them (each refresh starting with the next system). Tidemark answers with its result cache (no `nocache`), VictoriaMetrics on its
 * defaults (rollup cache on; it evaluates the newest 5 min afresh), Prometheus has no cache.
 * Reported per system: the median refresh (nine panels one after the other) and its server CPU,
 * the first refresh apart (it fills the caches). After the last refresh Tidemark's cached answers
 * are compared with `nocache=1` answers of the same refresh.
 *
 * Env: TIDEMARK_BENCH_DASHBOARD_SERIES (20000), _HOURS (6), _REFRESHES (10, one per 30 s),
 * _TARGETS ("tidemark,victoria-metrics"; "prometheus" may be added).
 */
const env = (k: string, d: string): string => process.env[`TIDEMARK_BENCH_DASHBOARD_${k}`] ?? d;
const SERIES = Number(env('SERIES', '20000'));
const HOURS = Number(env('HOURS', '6'));
const REFRESHES = Number(env('REFRESHES', '10'));
const TARGETS = env('TARGETS', 'tidemark,victoria-metrics').split(',').filter(Boolean);
const SCRAPE_MS = 15_000;
const REFRESH_MS = 30_000;
const STEP_MS = 60_000;
const RANGE_MS = 6 * 3_600_000;
const SAMPLES_PER_REQUEST = 2_000;

function log(msg: string): void {
  process.stderr.write(`  dashboard: ${msg}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** The same server with other query parameters (Tidemark: its result cache on). */
function withParams(t: QueryTarget, params: Readonly<Record<string, string>> | undefined): QueryTarget {
  return {
    url: t.url,
    get pids() {
      return t.pids;
    },
    params,
  };
}

/** One scrape of every series at `timeMs`, as remote_write bodies of SAMPLES_PER_REQUEST samples. */
function scrapeBodies(ds: SystemDataset, timeMs: number): Buffer[] {
  const values = new Float64Array(ds.count);
  const timestamps = new Float64Array(ds.count).fill(timeMs);
  ds.step(values);
  const bodies: Buffer[] = [];
  for (let from = 0; from < ds.count; from += SAMPLES_PER_REQUEST) {
    const batch: RwSeries[] = [];
    for (let i = from; i < Math.min(ds.count, from + SAMPLES_PER_REQUEST); i++) batch.push({ labels: ds.series[i].labels, values, timestamps, from: i, to: i + 1 });
    bodies.push(snappyBlockCompress(encodeWriteRequest(batch)));
  }
  return bodies;
}

async function write(sys: SystemUnderTest, bodies: readonly Buffer[], stats: SendStats): Promise<void> {
  for (const body of bodies) await sendRequest(sys.writeUrl, body, stats);
}

interface Refresh {
  readonly ms: number;
  readonly cpu: number;
  readonly answers: RangeAnswer[];
}

/** The nine panels one after the other over the last 6 h ending at `endMs`. */
async function refresh(t: QueryTarget, endMs: number): Promise<Refresh> {
  let ms = 0;
  let cpu = 0;
  const answers: RangeAnswer[] = [];
  for (const q of SYSTEM_QUERIES) {
    const r = await rangeQuery(t, q.query, endMs - RANGE_MS, endMs, STEP_MS);
    ms += r.ms;
    cpu += r.cpu;
    answers.push(r.answer);
  }
  return { ms, cpu, answers };
}

async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  const systems: { sys: SystemUnderTest; target: QueryTarget; refreshes: Refresh[]; sent: SendStats }[] = [];
  try {
    const steps = Math.round((HOURS * 3_600_000) / SCRAPE_MS);
    const firstMs = Math.floor((Date.now() - 60_000) / SCRAPE_MS) * SCRAPE_MS - (steps - 1) * SCRAPE_MS;
    const ds = new SystemDataset(SERIES, SCRAPE_MS, firstMs);
    const traffic = encodeTraffic(ds, steps, dir, 4, SAMPLES_PER_REQUEST);
    const lastMs = ds.timeOf(steps - 1);
    const scenario: Scenario = { traffic, firstMs, lastMs, shape: '', names: [...new Set(ds.series.map((x) => x.labels.__name__))], series: SERIES };
    const starters: [string, () => Promise<SystemUnderTest>, (t: QueryTarget) => QueryTarget][] = [
      ['tidemark', () => startTidemarkUp(), (t) => withParams(t, undefined)],
      ['victoria-metrics', startVictoriaMetricsCached, (t) => t],
      ['prometheus', startPrometheus, (t) => t],
    ];
    for (const [key, start, target] of starters) {
      if (!TARGETS.includes(key)) continue;
      const sys = await start();
      systems.push({ sys, target: target(sys.query), refreshes: [], sent: { requests: 0, retries: 0 } });
      await sendTraffic(traffic, sys.writeUrl);
      const seen = await untilQueryable(sys, scenario, traffic.samples);
      if (seen !== traffic.samples) throw new Error(`${sys.subject}: only ${seen} of ${traffic.samples} samples queryable`);
      log(`${sys.subject}: ${HOURS} h loaded`);
    }

    // Catch up from the last loaded scrape to now, then one scrape per 15 s of the clock.
    let nextScrape = lastMs + SCRAPE_MS;
    const scrapeUntil = async (ms: number): Promise<void> => {
      for (; nextScrape <= ms; nextScrape += SCRAPE_MS) {
        const bodies = scrapeBodies(ds, nextScrape);
        for (const s of systems) await write(s.sys, bodies, s.sent);
      }
    };
    await scrapeUntil(Date.now());
    log(`caught up to ${new Date(nextScrape - SCRAPE_MS).toISOString()}`);
    let lastEnd = 0;
    for (let n = 0; n < REFRESHES; n++) {
      const endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS;
      // Each refresh starts with another system, so none always answers right after the scrapes arrive.
      for (let i = 0; i < systems.length; i++) {
        const s = systems[(n + i) % systems.length];
        s.refreshes.push(await refresh(s.target, endMs));
      }
      lastEnd = endMs;
      log(`refresh ${n + 1}: ${systems.map((s) => `${s.sys.subject} ${s.refreshes[n].ms.toFixed(0)} ms`).join(', ')}`);
      if (n === REFRESHES - 1) break;
      const due = Date.now() + REFRESH_MS;
      while (Date.now() < due) {
        await scrapeUntil(Date.now());
        await sleep(Math.max(0, Math.min(due, nextScrape) - Date.now()));
      }
      await scrapeUntil(Date.now());
    }

    const rows: BenchResult[] = [];
    for (const s of systems) {
      const later = s.refreshes.slice(1);
      rows.push({
        name: `dashboard of the nine system-bench panels, last 6 h at 60 s, refreshed every 30 s while a scrape of ${SERIES / 1000}k series arrives every 15 s: median refresh after the first`,
        subject: s.sys.subject,
        value: median(later.map((r) => r.ms)),
        unit: 'ms/refresh',
        note: `server CPU ${median(later.map((r) => r.cpu)).toFixed(0)} ms/refresh; first refresh ${s.refreshes[0].ms.toFixed(0)} ms (${s.refreshes[0].cpu.toFixed(0)} CPU-ms); ${later.length} refreshes, spread ${Math.min(...later.map((r) => r.ms)).toFixed(0)}-${Math.max(...later.map((r) => r.ms)).toFixed(0)} ms; panels one after the other; ${s.sent.requests} live remote_write requests, ${s.sent.retries} retried`,
      });
    }
    const tidemark = systems.find((s) => s.sys.subject === 'tidemark up');
    if (tidemark !== undefined) {
      const cached = tidemark.refreshes[tidemark.refreshes.length - 1];
      const fresh = await refresh(withParams(tidemark.target, { nocache: '1' }), lastEnd);
      const diffs = SYSTEM_QUERIES.map((q, i) => [q.name, compareAnswers(cached.answers[i], fresh.answers[i])] as const).filter(([, d]) => d !== '');
      if (diffs.length > 0) throw new Error(`tidemark up: cached answers differ from nocache=1 at the last refresh: ${diffs.map(([n, d]) => `${n}: ${d}`).join('; ')}`);
      rows.push({
        name: 'dashboard, the last refresh evaluated again with nocache=1 (no result cache)',
        subject: tidemark.sys.subject,
        value: fresh.ms,
        unit: 'ms/refresh',
        note: `server CPU ${fresh.cpu.toFixed(0)} ms; every answer equal to the cached one`,
      });
    }
    rows.push({
      name: 'dashboard bench data and settings',
      subject: 'all',
      value: SERIES,
      unit: 'series',
      note: `${HOURS} h loaded over remote_write, then live scrapes every 15 s; ${REFRESHES} refreshes; ${systems.map((s) => s.sys.subject).join(', ')}; Tidemark with its result cache (query.result_cache_piece_ms 1 h), VictoriaMetrics on its defaults (rollup cache on)${TARGETS.includes('prometheus') ? ', Prometheus without a cache' : ''}`,
    });
    return rows;
  } finally {
    for (const s of systems) await s.sys.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const dashboardBenchmark: Benchmark = { area: 'dashboard', run };
