import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Block } from './block/index.js';
import { persistHeadRange } from './compact/index.js';
import { CorruptionError } from './errors.js';
import { Head } from './head/index.js';
import { MergeQuerier } from './merge-querier.js';
import type { SampleBudget } from './querier.js';
import { querierContract, type ContractSeries } from './querier.contract.js';
import { DecodePool, OP_CHUNK, OP_SIZE, RESULT_SIZE, runDecodeJob, SERIES_HEADER, type DecodeJob } from './select-decode/index.js';
import { TsdbQuerier } from './tsdb-querier.js';

const H = 3600_000;

function headWith(data: readonly ContractSeries[]): Head {
  const head = new Head();
  for (const s of data) {
    const ref = head.ref(s.labels);
    for (let i = 0; i < s.timestamps.length; i++) head.appendRef(ref, s.timestamps[i], s.values[i], s.stale.includes(i));
  }
  return head;
}

querierContract('blocks then the head read as one (TsdbQuerier)', async (data) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-querier-'));
  const head = headWith(data);
  const blocks = [0, 2 * H].map((t) => Block.open(join(dir, persistHeadRange(head, dir, t, t + 2 * H).ulid)));
  head.truncate(4 * H);
  return {
    queryable: { querier: (mint, maxt) => new TsdbQuerier(blocks, head, mint, maxt) },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

querierContract('a block overlapping the head read as one (TsdbQuerier)', async (data) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-querier-'));
  const head = headWith(data);
  const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
  return {
    queryable: { querier: (mint, maxt) => new TsdbQuerier([block], head, mint, maxt) },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('TsdbQuerier and MergeQuerier', () => {
  it('give the same series as a merge of separate block and head queriers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-querier-'));
    try {
      const data: ContractSeries[] = [];
      for (let i = 0; i < 20; i++) {
        const timestamps = Array.from({ length: 900 }, (_, j) => j * 15_000 + i * 1000);
        data.push({ labels: { __name__: 'c_total', i: String(i) }, timestamps, values: timestamps.map((_, j) => j * (i + 1)), stale: i % 7 === 0 ? [100, 600] : [] });
      }
      const head = headWith(data);
      const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
      head.truncate(2 * H);
      for (const [mint, maxt] of [[0, 4 * H], [H, 3 * H], [2 * H - 30_000, 2 * H + 30_000], [3 * H, 5 * H]]) {
        const one = await new TsdbQuerier([block], head, mint, maxt).select([{ type: '=', name: '__name__', value: 'c_total' }], { start: mint, end: maxt });
        const merged = await new MergeQuerier([block.querier(mint, maxt), head.querier(mint, maxt)]).select([{ type: '=', name: '__name__', value: 'c_total' }], { start: mint, end: maxt });
        const plain = (s: typeof one.series) => s.map((x) => ({ labels: x.labels, t: Array.from(x.timestamps), v: Array.from(x.values), s: x.stale && Array.from(x.stale) }));
        expect(plain(one.series)).toEqual(plain(merged.series));
        expect(one.series.length).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("joins a series' block and head parts when the head made the series after a select found it in the blocks alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-querier-'));
    try {
      const head = new Head();
      for (const i of ['0', '1']) for (let t = 0; t < 2 * H; t += 60_000) head.append({ __name__: 'g', i }, t, t);
      const blocks = [0, H].map((t) => Block.open(join(dir, persistHeadRange(head, dir, t, t + H).ulid)));
      head.truncate(2 * H);
      const select = async () => (await new TsdbQuerier(blocks, head, 0, 4 * H).select([{ type: '=', name: '__name__', value: 'g' }], { start: 0, end: 4 * H })).series;
      expect((await select()).map((s) => [s.labels.i, s.timestamps.length])).toEqual([['0', 120], ['1', 120]]);
      head.append({ __name__: 'g', i: '1' }, 3 * H, 1);
      const after = await select();
      expect(after.map((s) => [s.labels.i, s.timestamps.length])).toEqual([['0', 120], ['1', 121]]);
      expect(after[1].timestamps[120]).toBe(3 * H);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a timestamps-only select the timestamps and staleness of a full one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-querier-'));
    try {
      const data: ContractSeries[] = [];
      for (let i = 0; i < 20; i++) {
        const timestamps = Array.from({ length: 900 }, (_, j) => j * 15_000 + i * 1000);
        // Counters of hundredths (decimal chunks) and arbitrary floats (XOR chunks).
        const values = timestamps.map((_, j) => (i % 2 === 0 ? (j * (i + 1) * 37) / 100 : Math.sin(j + i)));
        data.push({ labels: { __name__: 'm', i: String(i) }, timestamps, values, stale: i % 3 === 0 ? [100, 600, 899] : [] });
      }
      const head = headWith(data);
      const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
      head.truncate(2 * H);
      const m = [{ type: '=' as const, name: '__name__', value: 'm' }];
      for (const [mint, maxt] of [[0, 4 * H], [H, 3 * H], [2 * H - 30_000, 2 * H + 30_000]]) {
        const q = new TsdbQuerier([block], head, mint, maxt);
        const full = await q.select(m, { start: mint, end: maxt });
        const times = await q.select(m, { start: mint, end: maxt, timestampsOnly: true });
        const plain = (s: typeof full.series) => s.map((x) => ({ labels: x.labels, t: Array.from(x.timestamps), s: x.stale && Array.from(x.stale) }));
        expect(plain(times.series)).toEqual(plain(full.series));
        // Values may be left unspecified, but a column of each sample's is still there.
        for (const x of times.series) expect(x.values.length).toBe(x.timestamps.length);
        expect(full.series.length).toBe(20);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every series intact when their columns span several slabs', async () => {
    // 3 x 70,000 samples: more than one 131,072-sample slab, and one series larger than half of it.
    const n = 70_000;
    const data: ContractSeries[] = [0, 1, 2].map((i) => {
      const timestamps = Array.from({ length: n }, (_, j) => j * 1000);
      return { labels: { __name__: 'g', i: String(i) }, timestamps, values: timestamps.map((_, j) => i * 1e6 + j), stale: [] };
    });
    const head = headWith(data);
    const { series } = await new TsdbQuerier([], head, 0, n * 1000).select([{ type: '=', name: '__name__', value: 'g' }], { start: 0, end: n * 1000 });
    expect(series.map((s) => s.labels.i)).toEqual(['0', '1', '2']);
    for (const [i, s] of series.entries()) {
      expect(s.timestamps.length).toBe(n);
      expect(s.values[0]).toBe(i * 1e6);
      expect(s.values[n - 1]).toBe(i * 1e6 + n - 1);
      expect(Array.from(s.values).every((v, j) => v === i * 1e6 + j)).toBe(true);
    }
  });
});

describe("TsdbQuerier and a query's sample budget", () => {
  /** A budget of `limit` samples that remembers what it was charged. */
  class CountingBudget implements SampleBudget {
    loads: number[] = [];
    constructor(private readonly limit: number) {}
    get remaining(): number {
      return this.limit - this.loads.reduce((a, b) => a + b, 0);
    }
    load(samples: number): void {
      if (samples > this.remaining) throw new RangeError(`${samples} samples over a budget of ${this.remaining}`);
      this.loads.push(samples);
    }
  }

  it('charges each select once, before decoding, what its columns hold: every sample of chunks wholly in range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-querier-'));
    try {
      const data: ContractSeries[] = [0, 1, 2].map((i) => {
        const timestamps = Array.from({ length: 960 }, (_, j) => j * 15_000);
        return { labels: { __name__: 'm', i: String(i) }, timestamps, values: timestamps.map((_, j) => j), stale: [] };
      });
      const head = headWith(data);
      const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
      head.truncate(2 * H);
      const m = [{ type: '=' as const, name: '__name__', value: 'm' }];
      const budget = new CountingBudget(3 * 960);
      const { series } = await new TsdbQuerier([block], head, 0, 4 * H).select(m, { start: 0, end: 4 * H, budget });
      expect(series.map((s) => s.timestamps.length)).toEqual([960, 960, 960]);
      expect(budget.loads).toEqual([3 * 960]);
      // A range inside the chunks: charged whole chunks, at least what it answers.
      const part = new CountingBudget(3 * 960);
      const some = await new TsdbQuerier([block], head, H, H + 60_000).select(m, { start: H, end: H + 60_000, budget: part });
      expect(some.series.map((s) => s.timestamps.length)).toEqual([5, 5, 5]);
      expect(part.loads).toHaveLength(1);
      expect(part.loads[0]).toBeGreaterThanOrEqual(15);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("charges a head series the chunks the range overlaps, not its open chunk beyond the range", async () => {
    const timestamps = Array.from({ length: 300 }, (_, j) => j * 15_000);
    const head = headWith([{ labels: { __name__: 'm' }, timestamps, values: timestamps.map((_, j) => j), stale: [] }]);
    const budget = new CountingBudget(1000);
    const { series } = await new TsdbQuerier([], head, 0, 60_000).select([{ type: '=', name: '__name__', value: 'm' }], { start: 0, end: 60_000, budget });
    expect(series[0].timestamps.length).toBe(5);
    // The first closed chunk of 120 samples; the open one (samples 240 to 299) is not read.
    expect(budget.loads).toEqual([120]);
  });

  it('refuses a select over the budget without charging it', async () => {
    const head = headWith([{ labels: { __name__: 'm' }, timestamps: [0, 15_000, 30_000], values: [1, 2, 3], stale: [] }]);
    const budget = new CountingBudget(2);
    await expect(new TsdbQuerier([], head, 0, H).select([{ type: '=', name: '__name__', value: 'm' }], { start: 0, end: H, budget })).rejects.toThrow('3 samples over a budget of 2');
    expect(budget.loads).toEqual([]);
    const exact = new CountingBudget(3);
    const { series } = await new TsdbQuerier([], head, 0, H).select([{ type: '=', name: '__name__', value: 'm' }], { start: 0, end: H, budget: exact });
    expect(Array.from(series[0].values)).toEqual([1, 2, 3]);
    expect(exact.remaining).toBe(0);
  });
});

describe('TsdbQuerier over a block with a damaged chunk', () => {
  it('fails a select decoded by the decode threads before any of it is decoded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-querier-'));
    const pool = new DecodePool({ size: 1, inPlaceBelow: 0 });
    try {
      const head = new Head();
      for (let i = 0; i < 960; i++) head.append({ __name__: 'm', i: String(i % 4) }, i * 15_000, i);
      const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
      const file = join(block.dir, 'chunks');
      const bytes = readFileSync(file);
      bytes[block.series[2].chunkMeta[2] + 5] ^= 0x01;
      writeFileSync(file, bytes);
      const querier = new TsdbQuerier([Block.open(block.dir)], new Head(), 0, 2 * H, pool);
      await expect(querier.select([{ name: '__name__', type: '=', value: 'm' }], { start: 0, end: 2 * H })).rejects.toThrow(CorruptionError);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TsdbQuerier deciding where to decode', () => {
  it('weighs a select by the whole select it is a part of: the same part decodes in place alone and in the decode threads as one of several', async () => {
    const pool = new DecodePool({ size: 1, inPlaceBelow: 1_000, minPart: 100 });
    try {
      const head = new Head();
      for (let s = 0; s < 4; s++) for (let i = 0; i < 100; i++) head.append({ __name__: 'm', s: String(s) }, i * 15_000, s * 1_000 + i);
      const m = [{ type: '=' as const, name: '__name__', value: 'm' }];
      const hints = { start: 0, end: 100 * 15_000 };
      const alone = await new TsdbQuerier([], head, hints.start, hints.end, pool).select(m, hints);
      expect(pool.workers).toBe(0);
      const part = await new TsdbQuerier([], head, hints.start, hints.end, pool).select(m, { ...hints, parts: 3 });
      expect(pool.workers).toBe(1);
      expect(part.series.map((s) => [s.labels, Array.from(s.timestamps), Array.from(s.values)])).toEqual(alone.series.map((s) => [s.labels, Array.from(s.timestamps), Array.from(s.values)]));
      expect(alone.series.map((s) => s.timestamps.length)).toEqual([100, 100, 100, 100]);
    } finally {
      await pool.close();
    }
  });

  it('decodes in place a part smaller than the smallest worth a thread, however many parts the select has', async () => {
    const pool = new DecodePool({ size: 1, inPlaceBelow: 1_000, minPart: 1_000 });
    try {
      const head = new Head();
      for (let s = 0; s < 4; s++) for (let i = 0; i < 100; i++) head.append({ __name__: 'm', s: String(s) }, i * 15_000, i);
      const hints = { start: 0, end: 100 * 15_000, parts: 64 };
      const { series } = await new TsdbQuerier([], head, hints.start, hints.end, pool).select([{ type: '=', name: '__name__', value: 'm' }], hints);
      expect(series.map((s) => s.timestamps.length)).toEqual([100, 100, 100, 100]);
      expect(pool.workers).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe("TsdbQuerier over the head's open chunks", () => {
  it('reads the last minutes from a resume point: the same samples in place and in the decode threads, charged from the point on', async () => {
    const workers = new DecodePool({ size: 1, inPlaceBelow: 0 });
    try {
      // 100 samples in each open chunk (the first 120 are a closed chunk), staleness in both.
      const data: ContractSeries[] = [0, 1, 2].map((i) => {
        const timestamps = Array.from({ length: 220 }, (_, j) => j * 15_000 + i);
        return { labels: { __name__: 'm', i: String(i) }, timestamps, values: timestamps.map((_, j) => (j % 9 === 0 ? j * 0.1 : i + j * 1e3)), stale: [110, 200 + i] };
      });
      const head = headWith(data);
      const m = [{ type: '=' as const, name: '__name__', value: 'm' }];
      for (const k of [100, 150, 185, 219]) {
        const mint = k * 15_000;
        const maxt = 220 * 15_000;
        const want = data.map((s) => s.timestamps.filter((t) => t >= mint && t <= maxt));
        const loads: number[] = [];
        const budget: SampleBudget = { remaining: Infinity, load: (n) => void loads.push(n) };
        const inPlace = await new TsdbQuerier([], head, mint, maxt).select(m, { start: mint, end: maxt, budget });
        const threads = await new TsdbQuerier([], head, mint, maxt, workers).select(m, { start: mint, end: maxt });
        for (const { series } of [inPlace, threads]) {
          expect(series.map((s) => Array.from(s.timestamps))).toEqual(want);
          series.forEach((s, i) => {
            const j0 = data[i].timestamps.indexOf(want[i][0]);
            const stale = data[i].stale.filter((j) => j >= j0 && j < j0 + want[i].length);
            expect(s.stale === null ? [] : Array.from(s.stale).flatMap((x, j) => (x === 1 ? [j + j0] : []))).toEqual(stale);
            // A staleness marker's value is the marker NaN, whatever was appended with it.
            expect(Array.from(s.values).filter((_, j) => !stale.includes(j + j0))).toEqual(data[i].values.slice(j0, j0 + want[i].length).filter((_, j) => !stale.includes(j + j0)));
          });
        }
        // Past the open chunk's points at its samples 32, 64 and 96 (samples 152, 184 and 216), the
        // columns are sized from the newest point before the range on, not for the whole open chunk.
        const fromPoint = k >= 217 ? 100 - 96 : k >= 185 ? 100 - 64 : k >= 153 ? 100 - 32 : 100;
        expect(loads).toEqual([3 * (fromPoint + (k < 120 ? 120 : 0))]);
        // A plan for another process carries whole chunks only (the select-chunks wire has no resume points).
        const jobs: DecodeJob[] = [];
        await new TsdbQuerier([], head, mint, maxt).select(m, { start: mint, end: maxt, plans: { add: (_, job) => void jobs.push(job) } });
        expect(jobs).toHaveLength(1);
        const kinds: number[] = [];
        for (let p = 0, i = 0; i < jobs[0].seriesCount; i++, p += SERIES_HEADER + OP_SIZE * jobs[0].ops[p + 1]) {
          for (let o = 0; o < jobs[0].ops[p + 1]; o++) kinds.push(jobs[0].ops[p + SERIES_HEADER + OP_SIZE * o]);
        }
        expect(kinds.length).toBeGreaterThanOrEqual(3);
        expect(kinds.every((kind) => kind === OP_CHUNK)).toBe(true);
        expect(runDecodeJob(jobs[0]).counts.filter((_, j) => j % RESULT_SIZE === 2)).toEqual(Int32Array.from(want, (w) => w.length));
      }
    } finally {
      await workers.close();
    }
  });
});
