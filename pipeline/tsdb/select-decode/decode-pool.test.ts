import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { Block } from '../block/index.js';
import { persistHeadRange } from '../compact/index.js';
import { Head } from '../head/index.js';
import { querierContract, type ContractSeries } from '../querier.contract.js';
import { MergeQuerier } from '../merge-querier.js';
import type { LabelMatcher, SelectHints, Series } from '../querier.js';
import { TsdbQuerier } from '../tsdb-querier.js';
import { isPooledSlab, SelectSlabPool, SLAB_BYTES } from '../shared-memory/index.js';
import { DecodePool } from './decode-pool.js';

const H = 3600_000;

/** Every select goes to the workers, cut into parts of a sample or more. */
const workers = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1 });
/** Every select decoded on the calling thread. */
const inPlace = new DecodePool({ size: 1, inPlaceBelow: Infinity });
afterAll(async () => {
  await workers.close();
  await inPlace.close();
});

function headWith(data: readonly ContractSeries[], head = new Head()): Head {
  for (const s of data) {
    const ref = head.ref(s.labels);
    for (let i = 0; i < s.timestamps.length; i++) head.appendRef(ref, s.timestamps[i], s.values[i], s.stale.includes(i));
  }
  return head;
}

querierContract('blocks then the head read as one, their chunks decoded by worker threads', async (data) => {
  const dir = mkdtempSync(join(tmpdir(), 'decode-pool-'));
  const head = headWith(data);
  const blocks = [0, 2 * H].map((t) => Block.open(join(dir, persistHeadRange(head, dir, t, t + 2 * H).ulid)));
  head.truncate(4 * H);
  return {
    queryable: { querier: (mint, maxt) => new TsdbQuerier(blocks, head, mint, maxt, workers) },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

/** Columns as plain arrays (NaN and -0 kept apart by toEqual through Object.is on each value). */
function plain(series: readonly Series[], withValues: boolean): unknown[] {
  return series.map((s) => ({
    labels: s.labels,
    t: Array.from(s.timestamps),
    v: withValues ? Array.from(s.values, (v, i) => (s.histograms?.[i] != null ? 'h' : Object.is(v, -0) ? '-0' : v)) : null,
    s: s.stale === null ? null : Array.from(s.stale),
    h: s.histograms == null ? null : Array.from(s.histograms, (h) => h?.count ?? null),
  }));
}

describe('DecodePool', () => {
  it('decodes in worker threads, cut into parts, the same series as the block and head queriers merged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'decode-pool-'));
    try {
      const data: ContractSeries[] = [];
      for (let i = 0; i < 30; i++) {
        const timestamps = Array.from({ length: 1200 }, (_, j) => j * 15_000 + i * 100);
        // Hundredths (decimal chunks), arbitrary floats (XOR chunks), special values.
        const values = timestamps.map((_, j) => (i % 3 === 0 ? (j * 37) / 100 : i % 3 === 1 ? Math.sin(i + j) : [NaN, -0, Infinity][j % 3]));
        data.push({ labels: { __name__: 'm', i: String(i).padStart(2, '0') }, timestamps, values, stale: i % 4 === 0 ? [10, 500, 1199] : [] });
      }
      const head = headWith(data, new Head());
      const first = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
      // A second block over the same range with other samples: the sources overlap and are merged.
      const other = headWith(data.slice(0, 10).map((s) => ({ ...s, timestamps: s.timestamps.map((t) => t + 7_000), values: s.values.map((v) => v + 1) })));
      const overlapping = Block.open(join(dir, persistHeadRange(other, dir, 0, 2 * H).ulid));
      overlapping.addTombstone({ matchers: [{ type: '=~', name: 'i', value: '0[0-4]' }], mint: H, maxt: H + 10 * 60_000 });
      head.truncate(2 * H);
      // Out-of-order samples in the head: loose ones and, past a chunk's worth, a chunk of their own.
      for (let i = 0; i < 5; i++) {
        const ref = head.ref(data[i].labels);
        const n = i === 0 ? 200 : 3;
        for (let j = 0; j < n; j++) head.appendRef(ref, 3 * H + j * 15_000 + 5_000, -j);
      }
      // A series with native histograms is decoded in place, among the others.
      for (let j = 0; j < 20; j++) {
        head.appendHistogram({ __name__: 'm', i: '15h' }, 3 * H + j * 60_000, new FloatHistogram({ schema: 0, count: j + 2, sum: j, zeroCount: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [j + 1, 0] }));
      }
      const blocks = [first, overlapping];
      const m: LabelMatcher[] = [{ type: '=', name: '__name__', value: 'm' }];
      let compared = 0;
      for (const [mint, maxt] of [[0, 6 * H], [H, 3.5 * H], [2 * H - 60_000, 2 * H + 60_000], [4 * H, 5 * H]]) {
        for (const hints of [{ start: mint, end: maxt }, { start: mint, end: maxt, timestampsOnly: true }] as SelectHints[]) {
          // Separate block and head queriers decode each source in place, then merge.
          const want = await new MergeQuerier([...blocks.map((b) => b.querier(mint, maxt)), head.querier(mint, maxt)]).select(m, hints);
          const got = await new TsdbQuerier(blocks, head, mint, maxt, workers).select(m, hints);
          expect(plain(got.series, !hints.timestampsOnly)).toEqual(plain(want.series, !hints.timestampsOnly));
          for (const x of got.series) expect(x.values.length).toBe(x.timestamps.length);
          compared += want.series.length;
        }
      }
      expect(compared).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the event loop free while a large select decodes', async () => {
    const n = 120_000;
    const data: ContractSeries[] = [0, 1, 2, 3].map((i) => {
      const timestamps = Array.from({ length: n }, (_, j) => j * 1000);
      return { labels: { __name__: 'g', i: String(i) }, timestamps, values: timestamps.map((_, j) => Math.cos(i + j)), stale: [] };
    });
    const head = headWith(data);
    const select = (pool: DecodePool) => new TsdbQuerier([], head, 0, n * 1000, pool).select([{ type: '=', name: '__name__', value: 'g' }], { start: 0, end: n * 1000 });
    const turnsDuring = async (pool: DecodePool): Promise<number> => {
      let turns = 0;
      let done = false;
      const tick = (): void => {
        if (done) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const { series } = await select(pool);
      done = true;
      expect(series.map((s) => s.timestamps.length)).toEqual([n, n, n, n]);
      return turns;
    };
    // Decoding in place holds the loop for the whole select; in the workers it does not.
    expect(await turnsDuring(inPlace)).toBe(0);
    expect(await turnsDuring(workers)).toBeGreaterThan(0);
  });

  it('warms every worker up for the first selects, once: a select meanwhile waits for it, and they stop when idle like any other', async () => {
    const pool = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1, idleMs: 50 });
    try {
      pool.warm();
      expect(pool.workers).toBe(2);
      pool.warm();
      expect(pool.workers).toBe(2);
      // Both workers are decoding their warm-up job: the select's parts queue behind it.
      const data: ContractSeries[] = [0, 1, 2].map((i) => {
        const timestamps = Array.from({ length: 300 }, (_, j) => j * 15_000);
        return { labels: { __name__: 'g', i: String(i) }, timestamps, values: timestamps.map((_, j) => i * j), stale: [] };
      });
      const head = headWith(data);
      const m: LabelMatcher[] = [{ type: '=', name: '__name__', value: 'g' }];
      const want = plain((await head.querier(0, H).select(m, { start: 0, end: H })).series, true);
      expect(plain((await new TsdbQuerier([], head, 0, H, pool).select(m, { start: 0, end: H })).series, true)).toEqual(want);
      expect(pool.workers).toBe(2);
      while (pool.workers > 0) await new Promise((r) => setTimeout(r, 20));
      await pool.close();
      pool.warm();
      expect(pool.workers).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('starts the workers a select will be cut into parts for before its jobs come, and decodes them there', async () => {
    const unused = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 100, idleMs: 50 });
    const pool = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 100 });
    try {
      unused.startWorkersFor(10_000);
      expect(unused.workers).toBe(2);
      // Unused, they stop after their idle time.
      while (unused.workers > 0) await new Promise((r) => setTimeout(r, 20));
      pool.startWorkersFor(150);
      expect(pool.workers).toBe(1);
      pool.startWorkersFor(10_000);
      expect(pool.workers).toBe(2);
      const data: ContractSeries[] = [0, 1, 2].map((i) => {
        const timestamps = Array.from({ length: 300 }, (_, j) => j * 15_000);
        return { labels: { __name__: 'g', i: String(i) }, timestamps, values: timestamps.map((_, j) => i * j), stale: [] };
      });
      const head = headWith(data);
      const m: LabelMatcher[] = [{ type: '=', name: '__name__', value: 'g' }];
      const want = plain((await head.querier(0, H).select(m, { start: 0, end: H })).series, true);
      // The select decodes in the workers started for it: no third one is made.
      expect(plain((await new TsdbQuerier([], head, 0, H, pool).select(m, { start: 0, end: H })).series, true)).toEqual(want);
      expect(pool.workers).toBe(2);
    } finally {
      await unused.close();
      await pool.close();
    }
  });

  it('has its workers collect when asked, between selects and during one, and they answer the selects after as before', async () => {
    const pool = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1 });
    try {
      const data: ContractSeries[] = [0, 1, 2, 3].map((i) => {
        const timestamps = Array.from({ length: 600 }, (_, j) => j * 15_000);
        return { labels: { __name__: 'g', i: String(i) }, timestamps, values: timestamps.map((_, j) => i * j), stale: [] };
      });
      const head = headWith(data);
      const matchers = [{ type: '=' as const, name: '__name__', value: 'g' }];
      const select = async (): Promise<unknown[]> => plain((await new TsdbQuerier([], head, 0, H, pool).select(matchers, { start: 0, end: H })).series, true);
      const want = plain((await head.querier(0, H).select(matchers, { start: 0, end: H })).series, true);
      expect(await select()).toEqual(want);
      const first = await pool.collect();
      expect(first).toHaveLength(2);
      expect(first.every((n) => n >= 1)).toBe(true);
      const during = select();
      const second = pool.collect();
      expect(await during).toEqual(want);
      // Each worker collected once more.
      expect(await second).toEqual(first.map((n) => n + 1));
      expect(await select()).toEqual(want);
      // No worker took the request for a job it failed or died of.
      expect(pool.workers).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('stops workers that waited for a job for its idle time and starts them again for the next select', async () => {
    const pool = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1, idleMs: 50 });
    try {
      const data: ContractSeries[] = [0, 1].map((i) => {
        const timestamps = Array.from({ length: 600 }, (_, j) => j * 15_000);
        return { labels: { __name__: 'g', i: String(i) }, timestamps, values: timestamps.map((_, j) => i + j), stale: [] };
      });
      const head = headWith(data);
      const select = async (): Promise<unknown[]> => plain((await new TsdbQuerier([], head, 0, H, pool).select([{ type: '=', name: '__name__', value: 'g' }], { start: 0, end: H })).series, true);
      const want = plain((await head.querier(0, H).select([{ type: '=', name: '__name__', value: 'g' }], { start: 0, end: H })).series, true);
      expect(await select()).toEqual(want);
      expect(pool.workers).toBeGreaterThan(0);
      while (pool.workers > 0) await new Promise((r) => setTimeout(r, 20));
      expect(await select()).toEqual(want);
      expect(pool.workers).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('cuts a timestamps-only select no values slabs from the pool: the timestamps are its values column', async () => {
    const n = 3000;
    const data: ContractSeries[] = Array.from({ length: 40 }, (_, i) => {
      const timestamps = Array.from({ length: n }, (_, j) => j * 15_000 + i);
      return { labels: { __name__: 'p', i: String(i).padStart(2, '0') }, timestamps, values: timestamps.map((_, j) => (i % 2 === 0 ? j / 4 : Math.sin(i + j))), stale: i % 5 === 0 ? [7, n - 1] : [] };
    });
    const head = headWith(data);
    const m: LabelMatcher[] = [{ type: '=', name: '__name__', value: 'p' }];
    const end = n * 15_000;
    for (const pool of [workers, inPlace]) {
      const want = await new TsdbQuerier([], head, 0, end, pool).select(m, { start: 0, end });
      const withValues = new SelectSlabPool(64 * SLAB_BYTES);
      const valuesLease = withValues.lease();
      await new TsdbQuerier([], head, 0, end, pool).select(m, { start: 0, end, slabs: valuesLease });
      valuesLease.release();
      const slabs = new SelectSlabPool(64 * SLAB_BYTES);
      const lease = slabs.lease();
      const got = await new TsdbQuerier([], head, 0, end, pool).select(m, { start: 0, end, timestampsOnly: true, slabs: lease });
      expect(plain(got.series, false)).toEqual(plain(want.series, false));
      for (const x of got.series) {
        expect(x.values).toEqual(x.timestamps);
        expect(isPooledSlab((x.timestamps as Float64Array).buffer as SharedArrayBuffer)).toBe(true);
      }
      // Half the slabs of the same select with values.
      expect(slabs.stats.pooledBytes).toBeGreaterThan(0);
      expect(2 * slabs.stats.pooledBytes).toBe(withValues.stats.pooledBytes);
      lease.release();
    }
  });
});
