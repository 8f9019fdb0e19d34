import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Block } from './block/index.js';
import { persistHeadRange } from './compact/index.js';
import { Head } from './head/index.js';
import { MergeQuerier } from './merge-querier.js';
import { querierContract, type ContractSeries } from './querier.contract.js';
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
