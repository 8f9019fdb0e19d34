import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Block } from '../../pipeline/tsdb/block/index.js';
import { compactBlocks, persistHeadRange } from '../../pipeline/tsdb/compact/index.js';
import { Head } from '../../pipeline/tsdb/head/index.js';
import { Tsdb, XorAppender, SAMPLES_PER_CHUNK } from '../../pipeline/tsdb/index.js';
import type { LabelMatcher, Querier } from '../../pipeline/tsdb/index.js';
import type { BenchResult, Benchmark } from './bench-result.js';
import { NodeExporterDataset, type DatasetVariant } from './node-exporter-dataset.js';
import { measurePeers } from './peers/tsdb-peers.js';

/**
 * TSDB figures for issue 4, with VictoriaMetrics and Prometheus loaded with the same samples in
 * the same run (test/bench/peers/). Env: TSDB_BENCH_SERIES (20000), TSDB_BENCH_HOURS (6),
 * TSDB_BENCH_VARIANTS ("realistic,high-entropy"), TSDB_BENCH_PEERS ("vm,prom,prom-rw"; "" for none).
 */
const H = 3600_000;
const SERIES = Number(process.env.TSDB_BENCH_SERIES ?? 20_000);
const HOURS = Number(process.env.TSDB_BENCH_HOURS ?? 6);
const STEPS = Math.round((HOURS * H) / 15_000);
const VARIANTS = (process.env.TSDB_BENCH_VARIANTS ?? 'realistic,high-entropy').split(',').filter(Boolean) as DatasetVariant[];

/** Full collections with turns of the event loop between them, so freed array buffers are released. */
async function gc(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function timeSelect(q: Querier, matchers: LabelMatcher[], start: number, end: number, runs: number): Promise<{ ms: number; series: number; samples: number }> {
  let series = 0;
  let samples = 0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const set = await q.select(matchers, { start, end });
    series = set.series.length;
    samples = 0;
    for (const s of set.series) samples += s.timestamps.length;
  }
  return { ms: (performance.now() - t0) / runs, series, samples };
}

/** The data set generated once per variant, step-major: values[step * series + i]. */
export interface GeneratedData {
  readonly data: NodeExporterDataset;
  readonly variant: DatasetVariant;
  readonly series: number;
  readonly steps: number;
  readonly values: Float64Array;
  readonly timestamps: Float64Array;
}

function generate(variant: DatasetVariant): GeneratedData {
  const data = new NodeExporterDataset(SERIES, 15_000, undefined, 42, variant);
  const values = new Float64Array(SERIES * STEPS);
  const timestamps = new Float64Array(STEPS);
  const row = new Float64Array(SERIES);
  for (let step = 0; step < STEPS; step++) {
    data.step(row);
    values.set(row, step * SERIES);
    timestamps[step] = data.startMs + step * data.intervalMs;
  }
  return { data, variant, series: SERIES, steps: STEPS, values, timestamps };
}

async function measureTidemark(g: GeneratedData, rows: BenchResult[]): Promise<void> {
  const shape = `${SERIES / 1000}k series x ${HOURS} h at 15 s, ${g.variant}`;
  const start = g.data.startMs;
  const end = start + HOURS * H;

  // 1. Append into the head (fast path by ref), one core; memory as the heap delta after gc.
  await gc();
  const before = heapBytes();
  const head = new Head({ chunkRangeMs: 2 * H });
  const refs = g.data.series.map((s) => head.ref(s.labels));
  const t0 = performance.now();
  for (let step = 0; step < STEPS; step++) {
    const t = g.timestamps[step];
    const base = step * SERIES;
    for (let i = 0; i < SERIES; i++) head.appendRef(refs[i], t, g.values[base + i]);
  }
  const appendMs = performance.now() - t0;
  const samples = SERIES * STEPS;
  await gc();
  const after = heapBytes();
  rows.push({ name: `head append, ${shape}`, subject: 'tidemark', value: samples / (appendMs / 1000), unit: 'samples/s', note: 'appendRef, one core, generator excluded' });
  rows.push({
    name: `memory per active series, ${shape}`,
    subject: 'tidemark',
    value: (after - before) / SERIES,
    unit: 'bytes/series',
    goal: '<= victoria-metrics',
    note: `${(globalThis as { gc?: unknown }).gc ? 'heap+arrayBuffers delta after gc' : 'no --expose-gc: noisy'}; arena ${(head.arena.allocatedBytes / 1e6).toFixed(1)} MB`,
  });

  // 2. Select latency on the head.
  const hq = head.querier(start, end);
  const one: LabelMatcher[] = [{ name: '__name__', type: '=', value: 'node_load1' }, { name: 'instance', type: '=', value: 'host-007:9100' }];
  const regex: LabelMatcher[] = [{ name: 'instance', type: '=~', value: 'host-0[0-9][0-9]:9100' }];
  const s1 = await timeSelect(hq, one, start, end, 50);
  rows.push({ name: `select 1 series over ${HOURS} h (head), ${g.variant}`, subject: 'tidemark', value: s1.ms, unit: 'ms' });
  const s2 = await timeSelect(hq, regex, start, end, 3);
  rows.push({ name: `select ${s2.series} series by regex over ${HOURS} h (head), ${g.variant}`, subject: 'tidemark', value: s2.ms, unit: 'ms', goal: 'well under 1 s', note: `${(s2.samples / 1e6).toFixed(1)}M samples` });

  // 3. Disk bytes per sample: head -> 2 h blocks -> one compacted block.
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-bench-'));
  try {
    const blocks: Block[] = [];
    for (let t = start; t < end; t += 2 * H) blocks.push(Block.open(join(dir, persistHeadRange(head, dir, t, t + 2 * H).ulid)));
    const level1 = blocks.reduce((n, b) => n + b.sizeBytes(), 0);
    const c0 = performance.now();
    const meta = compactBlocks(dir, blocks);
    const compactMs = performance.now() - c0;
    const block = Block.open(join(dir, meta.ulid));
    rows.push({
      name: `disk bytes per sample after compaction, ${shape}`,
      subject: 'tidemark',
      value: block.sizeBytes() / meta.stats.numSamples,
      unit: 'bytes/sample',
      goal: '<= victoria-metrics',
      note: `${(block.sizeBytes() / 1e6).toFixed(1)} MB; 2 h blocks ${(level1 / meta.stats.numSamples).toFixed(2)} B/sample; compaction ${(compactMs / 1000).toFixed(1)} s`,
    });
    const bq = block.querier(start, end);
    const b1 = await timeSelect(bq, one, start, end, 50);
    rows.push({ name: `select 1 series over ${HOURS} h (compacted block), ${g.variant}`, subject: 'tidemark', value: b1.ms, unit: 'ms' });
    const b2 = await timeSelect(bq, regex, start, end, 3);
    rows.push({ name: `select ${b2.series} series by regex over ${HOURS} h (compacted block), ${g.variant}`, subject: 'tidemark', value: b2.ms, unit: 'ms', goal: 'well under 1 s', note: `${(b2.samples / 1e6).toFixed(1)}M samples` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Component: the XOR encoder alone, one appender per series appended in turn as the head appends a
 * scrape (so each sample meets its series' encoder cold in the cache), a chunk started over every
 * SAMPLES_PER_CHUNK samples; median of three passes.
 */
function measureXorAppend(g: GeneratedData, rows: BenchResult[]): void {
  const passes: number[] = [];
  const ts = new Float64Array(SERIES);
  for (let pass = 0; pass < 3; pass++) {
    const apps = Array.from({ length: SERIES }, () => new XorAppender(48));
    const t0 = performance.now();
    for (let step = 0; step < STEPS; step++) {
      ts.fill(g.timestamps[step]);
      const vs = g.values.subarray(step * SERIES, (step + 1) * SERIES);
      for (let i = 0; i < SERIES; i++) {
        const a = apps[i];
        if (a.count >= SAMPLES_PER_CHUNK) a.reset();
        a.appendAt(ts, vs, i, false);
      }
    }
    passes.push((SERIES * STEPS) / ((performance.now() - t0) / 1000));
  }
  passes.sort((a, b) => a - b);
  rows.push({
    name: `component: XOR chunk encoding, one appender per series appended in turn, ${SERIES / 1000}k series x ${HOURS} h, ${g.variant}`,
    subject: 'tidemark',
    value: passes[1],
    unit: 'samples/s',
    note: `median of 3 passes (${passes.map((p) => (p / 1e6).toFixed(1)).join(', ')}M), one core`,
  });
}

async function measureWal(g: GeneratedData, rows: BenchResult[]): Promise<void> {
  const dbDir = mkdtempSync(join(tmpdir(), 'tsdb-bench-db-'));
  try {
    const walSteps = Math.min(STEPS, 240);
    const db = await Tsdb.open(dbDir);
    const refs = g.data.series.map((s) => db.ref(s.labels));
    const t0 = performance.now();
    for (let step = 0; step < walSteps; step++) {
      const t = g.timestamps[step];
      const base = step * SERIES;
      for (let i = 0; i < SERIES; i++) db.appendRef(refs[i], t, g.values[base + i]);
      await db.flush();
    }
    const ms = performance.now() - t0;
    rows.push({ name: `Tsdb append + WAL flush per round, ${SERIES / 1000}k series x ${walSteps} rounds, ${g.variant}`, subject: 'tidemark', value: (SERIES * walSteps) / (ms / 1000), unit: 'samples/s', note: 'fdatasync every round' });
    await db.close();
  } finally {
    rmSync(dbDir, { recursive: true, force: true });
  }
}

export const tsdbBenchmark: Benchmark = {
  area: 'tsdb',
  async run(): Promise<BenchResult[]> {
    const rows: BenchResult[] = [];
    for (const variant of VARIANTS) {
      const g = generate(variant);
      measureXorAppend(g, rows);
      await measureTidemark(g, rows);
      if (variant === VARIANTS[0]) await measureWal(g, rows);
      await measurePeers(g, HOURS, rows);
    }
    return rows;
  },
};
