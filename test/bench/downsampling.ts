/**
 * Downsampled tiers: 32 days of node_cpu_seconds_total (4 CPUs x 8 modes at 15 s, with a reboot)
 * in a TSDB with the 5 m and 1 h tiers, then the 30-day `sum by (mode) (rate(...[1h]))` at 1 h
 * steps read from raw blocks and from the 1 h tier, planned as the query API plans it
 * (planRollups + RollupSelectsQueryable, the engine the API uses). Bytes read are the chunk bytes
 * of the selected series in the blocks the query touches; disk is each tier's blocks per raw
 * sample they summarise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, parseExpr, planRollups, RollupSelectsQueryable } from '../../pipeline/promql/index.js';
import type { Block } from '../../pipeline/tsdb/block/index.js';
import { Tsdb } from '../../pipeline/tsdb/index.js';
import type { Benchmark, BenchResult } from './bench-result.js';

const M = 60_000;
const H = 3600_000;
const D = 24 * H;
const DAYS = 32;
const SCRAPE = 15_000;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const SHARES = [0.7, 0.15, 0.08, 0.03, 0.01, 0.02, 0.005, 0.005];
const QUERY = 'sum by (mode) (rate(node_cpu_seconds_total[1h]))';
const RUNS = 11;
/** Untimed runs first: the JIT and the blocks' first reads (checksums) are not the query; a server runs warm. */
const WARMUP = 5;

async function fill(db: Tsdb): Promise<number> {
  const refs: number[] = [];
  const values: number[] = [];
  for (let cpu = 0; cpu < 4; cpu++) {
    MODES.forEach((mode, i) => {
      refs.push(db.ref({ __name__: 'node_cpu_seconds_total', instance: 'host:9100', job: 'node', cpu: String(cpu), mode }));
      values.push(1e6 * SHARES[i]);
    });
  }
  let seed = 3;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const reboot = 17 * D + 5 * H;
  let n = 0;
  for (let t = 0; t < DAYS * D; t += SCRAPE) {
    for (let k = 0; k < refs.length; k++) {
      values[k] = t === reboot ? 0 : values[k] + 15 * SHARES[k % MODES.length] * (0.6 + 0.8 * rnd());
      db.appendRef(refs[k], t, Math.round(values[k] * 100) / 100);
      n++;
    }
    if (t % (2 * H) === 0) await db.flush();
  }
  await db.flush();
  await db.compact();
  return n;
}

/** Chunk bytes of the `node_cpu_seconds_total` series in `blocks` overlapping [mint, maxt]. */
function chunkBytes(blocks: readonly Block[], mint: number, maxt: number): number {
  let n = 0;
  for (const b of blocks) {
    if (b.maxTime <= mint || b.minTime > maxt) continue;
    for (const id of b.select([{ type: '=', name: '__name__', value: 'node_cpu_seconds_total' }])) {
      const m = b.series[id].chunkMeta;
      for (let i = 0; i < m.length; i += 3) if (m[i + 1] >= mint && m[i] <= maxt) n += b.chunkData(m[i + 2], m[i], m[i + 1]).bytes.length;
    }
  }
  return n;
}

/**
 * Median wall and CPU time of the query over RUNS runs. CPU time (this process, user + system) is
 * the figure compared: the machine is shared, and waiting for a core is not the query's cost.
 */
async function timed(engine: Engine, db: Tsdb, start: number, end: number, maxResolution: number): Promise<{ ms: number; cpuMs: number; resolution: number; points: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  let resolution = 0;
  let points = 0;
  for (let i = -WARMUP; i < RUNS; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const plan = planRollups(parseExpr(QUERY), { start, end, interval: H }, [5 * M, H], maxResolution);
    const r = await engine.rangeQuery(new RollupSelectsQueryable(db, plan.hints), { text: QUERY, expr: plan.expr }, start, end, H);
    const c = process.cpuUsage(c0);
    if (i >= 0) {
      times.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    resolution = plan.resolution;
    points = r.value.resultType === 'matrix' ? r.value.result.reduce((s, x) => s + x.values.length, 0) : 0;
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)], cpuMs: cpu[Math.floor(RUNS / 2)], resolution, points };
}

async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-bench-downsampling-'));
  const db = await Tsdb.open(dir, {
    retentionMs: 0,
    downsampling: [{ resolutionMs: 5 * M, afterMs: H, retentionMs: 0 }, { resolutionMs: H, afterMs: H, retentionMs: 0 }],
  });
  try {
    const t0 = performance.now();
    const samples = await fill(db);
    const loadS = (performance.now() - t0) / 1000;
    // The load left garbage (millions of appended samples): collected, and its sweeping (on V8's
    // helper threads, whose CPU time is this process's) let finish, before anything is timed.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const engine = new Engine();
    // Thirty whole days the 1 h tier covers (the newest day is not `after` old yet: raw only).
    const start = D;
    const end = start + 30 * D - H;
    const raw = await timed(engine, db, start, end, 0);
    const tier = await timed(engine, db, start, end, H);
    if (tier.resolution !== H || raw.resolution !== 0 || tier.points !== raw.points) {
      throw new Error(`downsampling bench: plans gave resolutions ${raw.resolution}/${tier.resolution} and ${raw.points}/${tier.points} points`);
    }
    const [five, hour] = db.listTiers();
    const rawBlocks = db.listBlocks();
    const rawBytesRead = chunkBytes(rawBlocks, start - H, end);
    // Where the 1 h blocks end short of the range, its 1 h windows come from the 5 m tier.
    const hourEnd = Math.max(...hour.listBlocks().map((b) => b.maxTime));
    const tierBytesRead = chunkBytes(hour.listBlocks(), start - H, end) + chunkBytes(five.listBlocks(), hourEnd, end);
    const rawDisk = rawBlocks.reduce((n, b) => n + b.sizeBytes(), 0);
    const rawInBlocks = rawBlocks.reduce((n, b) => n + b.meta.stats.numSamples, 0);
    // Raw samples each tier summarises: its days, 32 series at one sample per 15 s.
    const covered = (blocks: readonly Block[]): number => blocks.reduce((n, b) => n + ((b.maxTime - b.minTime) / SCRAPE) * 32, 0);
    const subject = 'tidemark';
    // The machine may be shared: its load says how far wall time is waiting for a core.
    const load = `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
    const note = `${load}; 32 series x ${DAYS} d at 15 s (${(samples / 1e6).toFixed(1)} M samples, loaded in ${loadS.toFixed(0)} s); 30-day range at 1 h steps, median of ${RUNS} after ${WARMUP} warm-up runs`;
    return [
      { name: `downsampling: ${QUERY}, 30 d at 1 h steps, raw`, subject, value: raw.cpuMs, unit: 'CPU ms', note: `${raw.ms.toFixed(0)} ms wall; ${note}` },
      { name: `downsampling: ${QUERY}, 30 d at 1 h steps, 1 h tier`, subject, value: tier.cpuMs, unit: 'CPU ms', note: `${tier.ms.toFixed(1)} ms wall; same ${tier.points} points as raw` },
      { name: 'downsampling: speed-up, 1 h tier over raw (CPU time)', subject, value: raw.cpuMs / tier.cpuMs, unit: 'x', goal: '>= 20x', note: `wall time: ${(raw.ms / tier.ms).toFixed(1)}x` },
      { name: 'downsampling: chunk bytes read, raw', subject, value: rawBytesRead, unit: 'bytes' },
      { name: 'downsampling: chunk bytes read, 1 h tier', subject, value: tierBytesRead, unit: 'bytes', note: `${(rawBytesRead / tierBytesRead).toFixed(0)}x fewer; the 1 h blocks (ten days each; the newest, not whole yet, made from the 5 m tier up to its last due day)` },
      { name: 'downsampling: disk, raw blocks', subject, value: rawDisk / rawInBlocks, unit: 'bytes/sample', note: `${(rawDisk / 2 ** 20).toFixed(1)} MiB` },
      { name: 'downsampling: disk, 5 m tier', subject, value: five.sizeBytes() / covered(five.listBlocks()), unit: 'bytes/raw sample', note: `${(five.sizeBytes() / 2 ** 20).toFixed(2)} MiB, ${five.listBlocks().length} blocks of a day; ${(five.sizeBytes() / (covered(five.listBlocks()) / 20)).toFixed(1)} bytes/window` },
      { name: 'downsampling: disk, 1 h tier', subject, value: hour.sizeBytes() / covered(hour.listBlocks()), unit: 'bytes/raw sample', note: `${(hour.sizeBytes() / 2 ** 20).toFixed(2)} MiB, ${hour.listBlocks().length} blocks (ten days each, the newest shorter); ${(hour.sizeBytes() / (covered(hour.listBlocks()) / 240)).toFixed(1)} bytes/window` },
    ];
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const downsamplingBenchmark: Benchmark = { area: 'downsampling', run };
