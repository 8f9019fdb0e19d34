import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Block } from '../../pipeline/tsdb/block/index.js';
import { compactBlocks, persistHeadRange } from '../../pipeline/tsdb/compact/index.js';
import { Head } from '../../pipeline/tsdb/head/index.js';
import { Tsdb } from '../../pipeline/tsdb/index.js';
import type { LabelMatcher, Querier } from '../../pipeline/tsdb/index.js';
import type { BenchResult, Benchmark } from './bench-result.js';
import { NodeExporterDataset } from './node-exporter-dataset.js';

const H = 3600_000;
const SERIES = Number(process.env.TSDB_BENCH_SERIES ?? 20_000);
const HOURS = Number(process.env.TSDB_BENCH_HOURS ?? 6);
const STEPS = (HOURS * H) / 15_000;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function timeSelect(q: Querier, matchers: LabelMatcher[], start: number, end: number, runs: number): Promise<{ ms: number; series: number }> {
  let series = 0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) series = (await q.select(matchers, { start, end })).series.length;
  return { ms: (performance.now() - t0) / runs, series };
}

export const tsdbBenchmark: Benchmark = {
  area: 'tsdb',
  async run(): Promise<BenchResult[]> {
    const rows: BenchResult[] = [];
    const shape = `${SERIES / 1000}k series x ${HOURS} h at 15 s`;
    const data = new NodeExporterDataset(SERIES);
    const start = data.startMs;
    const values = new Float64Array(SERIES);

    // 1. Append into the head (fast path by ref), one core; memory as the heap delta.
    gc();
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const head = new Head({ chunkRangeMs: 2 * H });
    const refs = data.series.map((s) => head.ref(s.labels));
    let appendMs = 0;
    for (let step = 0; step < STEPS; step++) {
      data.step(values);
      const t = start + step * 15_000;
      const t0 = performance.now();
      for (let i = 0; i < SERIES; i++) head.appendRef(refs[i], t, values[i]);
      appendMs += performance.now() - t0;
    }
    const samples = SERIES * STEPS;
    gc();
    const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    rows.push({ name: `head append, ${shape}`, subject: 'tidemark', value: samples / (appendMs / 1000), unit: 'samples/s', note: 'appendRef, one core, generator excluded' });
    rows.push({
      name: `resident memory per active series, ${shape}`,
      subject: 'tidemark',
      value: (heapAfter - heapBefore) / SERIES,
      unit: 'bytes/series',
      goal: '<= victoria-metrics (169 MB / 20k = 8.4 KB)',
      note: (globalThis as { gc?: unknown }).gc ? 'heap+arrayBuffers delta after gc' : 'no --expose-gc: delta is noisy',
    });

    // 2. Select latency on the head.
    const hq = head.querier(start, start + HOURS * H);
    const one: LabelMatcher[] = [{ name: '__name__', type: '=', value: 'node_load1' }, { name: 'instance', type: '=', value: 'host-007:9100' }];
    const regex: LabelMatcher[] = [{ name: 'instance', type: '=~', value: 'host-0[0-9][0-9]:9100' }];
    const s1 = await timeSelect(hq, one, start, start + HOURS * H, 50);
    rows.push({ name: `select 1 series over ${HOURS} h (head)`, subject: 'tidemark', value: s1.ms, unit: 'ms' });
    const s2 = await timeSelect(hq, regex, start, start + HOURS * H, 2);
    rows.push({ name: `select ${s2.series} series by regex over ${HOURS} h (head)`, subject: 'tidemark', value: s2.ms, unit: 'ms' });

    // 3. Disk bytes per sample: head -> 2 h blocks -> one compacted block.
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-bench-'));
    try {
      const blocks: Block[] = [];
      for (let t = start; t < start + HOURS * H; t += 2 * H) blocks.push(Block.open(join(dir, persistHeadRange(head, dir, t, t + 2 * H).ulid)));
      const meta = compactBlocks(dir, blocks);
      const block = Block.open(join(dir, meta.ulid));
      rows.push({
        name: `disk bytes per sample after compaction, ${shape}`,
        subject: 'tidemark',
        value: block.sizeBytes() / meta.stats.numSamples,
        unit: 'bytes/sample',
        goal: '<= victoria-metrics (1.30 on the high-entropy set)',
        note: `${meta.stats.numSamples} samples, ${(block.sizeBytes() / 1e6).toFixed(1)} MB`,
      });
      const bq = block.querier(start, start + HOURS * H);
      const b1 = await timeSelect(bq, one, start, start + HOURS * H, 50);
      rows.push({ name: `select 1 series over ${HOURS} h (compacted block)`, subject: 'tidemark', value: b1.ms, unit: 'ms' });
      const b2 = await timeSelect(bq, regex, start, start + HOURS * H, 2);
      rows.push({ name: `select ${b2.series} series by regex over ${HOURS} h (compacted block)`, subject: 'tidemark', value: b2.ms, unit: 'ms' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // 4. Append through the Tsdb with the write-ahead log, flushing (fdatasync) every scrape round.
    const dbDir = mkdtempSync(join(tmpdir(), 'tsdb-bench-db-'));
    try {
      const walSteps = Math.min(STEPS, 240);
      const db = await Tsdb.open(dbDir);
      const dbRefs = data.series.map((s) => db.ref(s.labels));
      const replay = new NodeExporterDataset(SERIES);
      const t0 = performance.now();
      for (let step = 0; step < walSteps; step++) {
        replay.step(values);
        const t = start + step * 15_000;
        for (let i = 0; i < SERIES; i++) db.appendRef(dbRefs[i], t, values[i]);
        await db.flush();
      }
      const ms = performance.now() - t0;
      rows.push({ name: `Tsdb append + WAL flush per round, ${SERIES / 1000}k series x ${walSteps} rounds`, subject: 'tidemark', value: (SERIES * walSteps) / (ms / 1000), unit: 'samples/s', note: 'generator included' });
      await db.close();
    } finally {
      rmSync(dbDir, { recursive: true, force: true });
    }
    return rows;
  },
};
