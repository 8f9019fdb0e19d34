import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { Tsdb } from '../tsdb.js';

const H = 3600_000;
const D = 24 * H;

describe('downsampling tiers of a Tsdb', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function filled(options: ConstructorParameters<typeof Object>[0] = {}): Promise<Tsdb> {
    dir = mkdtempSync(join(tmpdir(), 'tier-'));
    const db = await Tsdb.open(dir, { downsampling: [{ resolutionMs: H, afterMs: 6 * H, retentionMs: 0, blockRangeMs: D }], ...(options as object) });
    for (let t = 0; t < 3 * D; t += 60_000) {
      db.append({ __name__: 'a' }, t, t / 1000);
      if (t % (2 * H) === 0) await db.flush();
    }
    await db.flush();
    await db.compact();
    return db;
  }

  const windows = async (db: Tsdb, name: string, column: 'count' | 'sum' = 'count'): Promise<number[]> => {
    const q = db.querier(0, 3 * D);
    const set = await q.select([{ type: '=', name: '__name__', value: name }], { start: 0, end: 2 * D, rollup: { resolutionMs: H, column } });
    return set.series.length === 0 ? [] : Array.from(set.series[0].values);
  };

  const tierBlocks = (db: Tsdb): [number, number][] => db.listTiers()[0].listBlocks().map((b) => [b.minTime, b.maxTime]);
  const reopen = async (db: Tsdb, onDamaged?: (err: Error) => void): Promise<Tsdb> => {
    await db.close();
    return Tsdb.open(dir, { downsampling: [{ resolutionMs: H, afterMs: 6 * H, retentionMs: 0, blockRangeMs: D }], onDamagedTierBlock: onDamaged });
  };
  const tierDir = (): string => join(dir, 'downsample', '1h');

  it('builds a deleted tier directory again from the raw blocks at the next compaction, with the same windows', async () => {
    let db = await filled();
    const before = await windows(db, 'a', 'sum');
    const blocks = tierBlocks(db);
    await db.close();
    rmSync(join(dir, 'downsample'), { recursive: true });
    db = await reopen(db);
    expect(tierBlocks(db)).toEqual([]);
    await db.compact();
    expect(tierBlocks(db)).toEqual(blocks);
    expect(await windows(db, 'a', 'sum')).toEqual(before);
    await db.close();
  });

  it('deletes a tier block whose index is damaged when it opens, reports it, and builds it again', async () => {
    let db = await filled();
    const before = await windows(db, 'a', 'sum');
    const [first] = db.listTiers()[0].listBlocks();
    writeFileSync(join(first.dir, 'index'), 'not an index');
    const damaged: Error[] = [];
    db = await reopen(db, (err) => damaged.push(err));
    expect(damaged.map((e) => e.message)).toEqual([expect.stringContaining(first.id)]);
    expect(tierBlocks(db)).toEqual([[D, 2 * D]]);
    expect(await windows(db, 'a', 'sum')).toEqual(before); // day 0 rolled up from raw samples
    await db.compact();
    expect(tierBlocks(db)).toEqual([[0, D], [D, 2 * D]]);
    expect(await windows(db, 'a', 'sum')).toEqual(before);
    await db.close();
  });

  it('answers from raw samples where a tier block\'s chunks fail their checksum, deletes the block and builds it again', async () => {
    let db = await filled();
    const before = await windows(db, 'a', 'sum');
    const [, second] = db.listTiers()[0].listBlocks();
    const damaged: Error[] = [];
    db = await reopen(db, (err) => damaged.push(err));
    truncateSync(join(second.dir, 'chunks'), 40);
    expect(await windows(db, 'a', 'sum')).toEqual(before);
    expect(damaged.map((e) => e.message)).toEqual([expect.stringContaining(second.id)]);
    expect(readdirSync(tierDir())).not.toContain(second.id);
    await db.compact();
    expect(tierBlocks(db)).toEqual([[0, D], [D, 2 * D]]);
    await db.close();
  });

  it('rebuilds on request every tier block whose raw blocks remain, and keeps one whose raw blocks retention deleted', async () => {
    let db = await filled();
    const before = await windows(db, 'a', 'sum');
    const [first, second] = db.listTiers()[0].listBlocks();
    await db.close();
    // Raw retention now deletes the blocks of day 0 (they end 1.5 days or more before the newest).
    db = await Tsdb.open(dir, { retentionMs: 1.5 * D, downsampling: [{ resolutionMs: H, afterMs: 6 * H, retentionMs: 0, blockRangeMs: D }] });
    await db.compact();
    expect(Math.min(...db.listBlocks().map((b) => b.minTime))).toBeGreaterThan(0);
    expect(await db.rebuildDownsampled()).toBe(1);
    const ids = db.listTiers()[0].listBlocks().map((b) => b.id);
    expect(ids[0]).toBe(first.id);
    expect(ids[1]).not.toBe(second.id);
    // All but the window ending at 0, which no tier block holds and whose raw samples are gone.
    expect(await windows(db, 'a', 'sum')).toEqual(before.slice(1));
    await db.close();
  });

  it('builds a coarse range that is not whole yet from the finer tier up to its last due day, extends it day by day, and holds what a build from scratch does', async () => {
    const db = await filled({ downsampling: [{ resolutionMs: 5 * 60_000, afterMs: 6 * H, retentionMs: 0 }, { resolutionMs: H, afterMs: 6 * H, retentionMs: 0, blockRangeMs: 6 * D }] });
    const [five, hour] = db.listTiers();
    const ranges = (): [number, number][] => hour.listBlocks().map((b) => [b.minTime, b.maxTime]);
    expect(ranges()).toEqual([[0, 2 * D]]);
    const read = async (): Promise<number[][]> => {
      const q = db.querier(0, 5 * D);
      const out: number[][] = [];
      for (const column of ['sum', 'count', 'max', 'counter'] as const) {
        const set = await q.select([{ type: '=', name: '__name__', value: 'a' }], { start: H, end: 4 * D, rollup: { resolutionMs: H, column } });
        out.push(Array.from(set.series[0].values));
      }
      return out;
    };
    for (let t = 3 * D; t < 4 * D + 8 * H; t += 60_000) {
      db.append({ __name__: 'a' }, t, t / 1000);
      if (t % (2 * H) === 0) await db.flush();
    }
    await db.flush();
    const coarsened = await read(); // days 2 and 3 from 5 m windows, coarsened as they are read
    await db.compact();
    expect(ranges()).toEqual([[0, 4 * D]]);
    expect(hour.listBlocks()[0].meta.compaction.sources).toEqual(five.listBlocks().map((b) => b.id).sort());
    const extended = await read();
    expect(extended).toEqual(coarsened);
    expect(extended[1]).toEqual(Array(96).fill(60));
    const id = hour.listBlocks()[0].id;
    await db.rebuildDownsampled();
    expect(hour.listBlocks()[0].id).not.toBe(id);
    expect(await read()).toEqual(extended);
    await db.close();
  });

  it('counts in each tier block the series it leaves out for native histograms, and a rollup select answers them with their raw samples', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tier-'));
    const db = await Tsdb.open(dir, { downsampling: [{ resolutionMs: H, afterMs: 6 * H, retentionMs: 0, blockRangeMs: D }] });
    // `h` holds floats on day 0 (windows ending in (0, D]) and histograms from day 1 on; `a` floats throughout.
    const hist = (n: number): FloatHistogram => new FloatHistogram({ count: n, sum: n, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [n] });
    for (let t = 0; t < 3 * D; t += 60_000) {
      db.append({ __name__: 'a' }, t, t / 1000);
      if (t <= D) db.append({ __name__: 'h' }, t, t / 1000);
      else db.appendHistogram({ __name__: 'h' }, t, hist(t / 1000));
      if (t % (2 * H) === 0) await db.flush();
    }
    await db.flush();
    await db.compact();
    const blocks = db.listTiers()[0].listBlocks();
    expect(blocks.map((b) => [b.minTime, b.meta.downsample?.rawOnlySeries])).toEqual([[0, 0], [D, 1]]);
    const q = db.querier(0, 3 * D);
    const set = await q.select([{ type: '=', name: '__name__', value: 'h' }], { start: 1, end: 2 * D, rollup: { resolutionMs: H, column: 'counter' } });
    expect(set.series.length).toBe(1);
    const h = set.series[0];
    // The raw samples: one a minute, floats then histograms.
    expect(h.timestamps.length).toBe(2 * 24 * 60);
    expect(h.histograms?.[0] ?? null).toBeNull();
    expect(h.histograms?.[24 * 60 - 1] ?? null).toBeNull();
    expect(h.histograms?.[24 * 60]?.count).toBe((D + 60_000) / 1000);
    const count = await q.select([{ type: '=', name: '__name__', value: 'h' }], { start: 1, end: 2 * D, rollup: { resolutionMs: H, column: 'count' } });
    expect(Array.from(count.series[0].values)).toEqual(new Array(48).fill(60));
    await db.close();
  });

  it('rolls up the days that ended `after` before the newest block, and no later one', async () => {
    const db = await filled();
    expect(db.listTiers()[0].listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, D], [D, 2 * D]]);
    expect(await windows(db, 'a')).toEqual([1, ...Array(48).fill(60)]);
    await db.close();
  });

  it('keeps a built day when its raw blocks only compact again', async () => {
    const db = await filled();
    const ids = db.listTiers()[0].listBlocks().map((b) => b.id);
    await db.compact();
    expect(db.listTiers()[0].listBlocks().map((b) => b.id)).toEqual(ids);
    await db.close();
  });

  it('rebuilds a built day once out-of-order samples older than the blocks are cut into it', async () => {
    const db = await filled();
    const before = db.listTiers()[0].listBlocks().map((b) => b.id);
    db.append({ __name__: 'a' }, 10 * H + 30_000, -1);
    // The next in-order cut writes the late sample into a block of its own, inside day 0.
    for (let t = 3 * D; t < 3 * D + 4 * H; t += 60_000) db.append({ __name__: 'a' }, t, t / 1000);
    await db.flush();
    await db.compact();
    const after = db.listTiers()[0].listBlocks();
    expect(after.map((b) => [b.minTime, b.maxTime])).toEqual([[0, D], [D, 2 * D]]);
    expect(after[0].id).not.toBe(before[0]);
    expect(after[1].id).toBe(before[1]);
    expect((await windows(db, 'a'))[11]).toBe(61);
    await db.close();
  });

  it('deletes tier blocks past the tier retention and keeps deletions out of the windows', async () => {
    const db = await filled({ downsampling: [{ resolutionMs: H, afterMs: 6 * H, retentionMs: 1.5 * D, blockRangeMs: D }] });
    // The newest block ends before 3 days; a day ending at 1 day is past a 1.5-day retention.
    expect(db.listTiers()[0].listBlocks().map((b) => b.minTime)).toEqual([D]);
    await db.deleteSeries([{ type: '=', name: '__name__', value: 'a' }], D + 30 * 60_000, D + 30 * 60_000);
    const counts = await windows(db, 'a');
    // Day 0 now comes from the raw blocks (rolled up on read), day 1 from the tier, where the
    // window that held the deleted sample is gone whole.
    expect(counts).toEqual([1, ...Array(47).fill(60)]);
    await db.close();
  });
});
