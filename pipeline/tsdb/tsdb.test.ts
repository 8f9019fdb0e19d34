import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsdbClosedError } from './errors.js';
import type { LabelMatcher } from './querier.js';
import { Tsdb } from './tsdb.js';

const H = 3600_000;
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsdb-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const byName = (v: string): LabelMatcher[] => [{ name: '__name__', type: '=', value: v }];

async function read(db: Tsdb, name: string, start = -Infinity, end = Infinity) {
  const q = db.querier(start, end);
  const set = await q.select(byName(name), { start, end });
  await q.close();
  return set.series.map((s) => ({ labels: s.labels, t: Array.from(s.timestamps), v: Array.from(s.values), stale: s.stale ? Array.from(s.stale) : null }));
}

/** 4 series every 15 s over `hours` hours. */
function fill(db: Tsdb, fromH: number, hours: number): number {
  let n = 0;
  for (let t = fromH * H; t < (fromH + hours) * H; t += 15_000) {
    for (let i = 0; i < 4; i++) {
      db.append({ __name__: 'm', i: String(i) }, t, t / 1000 + i);
      n++;
    }
  }
  return n;
}

describe('Tsdb', () => {
  it('keeps flushed samples across a reopen without close, including staleness markers', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    db.append({ __name__: 'up' }, 1000, 1);
    db.append({ __name__: 'up' }, 2000, 0, true);
    await db.flush();
    // simulate a crash: a second instance opens the directory without the first closing
    const again = await Tsdb.open(dir);
    expect(await read(again, 'up')).toEqual([{ labels: { __name__: 'up' }, t: [1000, 2000], v: [1, NaN], stale: [0, 1] }]);
    await again.close();
    await db.close();
  });

  it('cuts the head into 2 h blocks once it spans 3 h and still returns every sample', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    const n = fill(db, 0, 7);
    await db.flush();
    // the head keeps up to 1.5 block ranges: data from 4 h on stays in memory
    expect(db.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 2 * H], [2 * H, 4 * H]]);
    expect(db.head.minValidTime).toBe(4 * H);
    const got = await read(db, 'm');
    expect(got.reduce((s, x) => s + x.t.length, 0)).toBe(n);
    await db.close();
    const again = await Tsdb.open(dir);
    expect((await read(again, 'm')).reduce((s, x) => s + x.t.length, 0)).toBe(n);
    expect(again.replayErrors).toBe(0);
    await again.close();
  });

  it('cuts a range into one long chunk per series, keeping a sample in that range that arrives once the flush was asked for', async () => {
    const db = await Tsdb.open(tmp());
    const n = fill(db, 0, 3.5);
    const flushing = db.flush();
    // Out of order, in the range being cut (a head this small is cut in the flush's first step;
    // a sample arriving while a larger one is prepared: head-to-block.test.ts).
    db.append({ __name__: 'm', i: '0' }, 7_500, -1);
    await flushing;
    const [block] = db.listBlocks();
    expect([block.minTime, block.maxTime]).toEqual([0, 2 * H]);
    expect(block.series.map((_, id) => block.seriesChunks(id).length)).toEqual([1, 1, 1, 1]);
    const got = await read(db, 'm');
    expect(got.reduce((s, x) => s + x.t.length, 0)).toBe(n + 1);
    expect(got[0].v[1]).toBe(-1);
    await db.close();
  });

  it('deletes write-ahead-log segments whose samples are all in blocks', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    for (let h = 0; h < 12; h++) {
      fill(db, h, 1);
      await db.flush();
    }
    const segs = readdirSync(join(dir, 'wal'));
    expect(segs.length).toBeLessThanOrEqual(3);
    await db.close();
  });

  it('tolerates a torn record at the end of the write-ahead log', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    db.append({ __name__: 'up' }, 1000, 1);
    await db.flush();
    await db.close();
    const wal = join(dir, 'wal');
    appendFileSync(join(wal, readdirSync(wal).sort().pop()!), Buffer.from([2, 0, 0, 0, 50, 1, 2]));
    const again = await Tsdb.open(dir);
    expect((await read(again, 'up'))[0].t).toEqual([1000]);
    again.append({ __name__: 'up' }, 2000, 1);
    await again.flush();
    const third = await Tsdb.open(dir);
    expect((await read(third, 'up'))[0].t).toEqual([1000, 2000]);
    await third.close();
    await again.close();
  });

  it('compacts adjacent 2 h blocks into a 6 h block with the same samples', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    const n = fill(db, 0, 8);
    await db.flush();
    const before = await read(db, 'm', 0, 6 * H - 1);
    expect(await db.compact()).toBe(1);
    expect(db.listBlocks().map((b) => [b.minTime, b.maxTime, b.meta.compaction.level])).toEqual([[0, 6 * H, 2]]);
    expect(await read(db, 'm', 0, 6 * H - 1)).toEqual(before);
    expect((await read(db, 'm')).reduce((s, x) => s + x.t.length, 0)).toBe(n);
    await db.close();
  });

  it('opens after a crash in the middle of removing a compacted block', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    fill(db, 0, 8);
    await db.flush();
    const parent = db.listBlocks()[0];
    const before = await read(db, 'm');
    await db.compact();
    await db.close();
    // What a kill during the removal leaves: the renamed directory, half emptied.
    mkdirSync(join(dir, `${parent.id}.deleted.tmp`));
    writeFileSync(join(dir, `${parent.id}.deleted.tmp`, 'meta.json'), JSON.stringify(parent.meta));
    const again = await Tsdb.open(dir);
    expect(await read(again, 'm')).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await again.close();
  });

  it('applies retention by time and by size, oldest blocks first', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { retentionMs: 4 * H, compactionRanges: [2 * H] });
    fill(db, 0, 9);
    await db.flush();
    expect(db.listBlocks().length).toBe(3);
    await db.compact();
    // newest block ends at 6 h: blocks ending at or before 2 h are beyond 4 h of retention
    expect(db.listBlocks().map((b) => b.minTime)).toEqual([2 * H, 4 * H]);
    expect(db.stats().blocksDeletedByRetention).toBe(1);
    await db.close();

    const dir2 = tmp();
    const db2 = await Tsdb.open(dir2, { retentionMs: 0, compactionRanges: [2 * H] });
    fill(db2, 0, 9);
    await db2.flush();
    const sizes = db2.listBlocks().map((b) => b.sizeBytes());
    const sized = await Tsdb.open(dir2, { retentionMs: 0, retentionBytes: sizes[2] + sizes[1] + 1, compactionRanges: [2 * H] });
    await sized.compact();
    expect(sized.listBlocks().map((b) => b.minTime)).toEqual([2 * H, 4 * H]);
    await sized.close();
    await db2.close();
  });

  it('deletes series in blocks and head, durably, and drops the data on compaction', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    fill(db, 0, 8);
    await db.flush();
    await db.deleteSeries([{ name: 'i', type: '=', value: '1' }], H, 7 * H);
    const check = async (d: Tsdb) => {
      const s1 = (await read(d, 'm')).find((s) => s.labels.i === '1')!;
      expect(s1.t.some((t) => t >= H && t <= 7 * H)).toBe(false);
      expect(s1.t.length).toBe(240 + 240 - 1);
    };
    await check(db);
    const again = await Tsdb.open(dir);
    await check(again);
    await again.compact();
    expect(again.listBlocks().every((b) => b.tombstones.length === 0 || b.minTime >= 6 * H)).toBe(true);
    await check(again);
    await again.close();
    await db.close();
  });

  it('writes a snapshot that opens as a database with the same data', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir);
    const n = fill(db, 0, 5);
    await db.flush();
    const snap = join(tmp(), 'snap');
    const ids = await db.snapshot(snap);
    expect(ids.length).toBe(2); // one block and the head
    db.append({ __name__: 'm', i: '0' }, 6 * H, 1);
    const copy = await Tsdb.open(snap);
    expect((await read(copy, 'm')).reduce((s, x) => s + x.t.length, 0)).toBe(n);
    await copy.close();
    await db.close();
  });

  it('refuses appends after close with TsdbClosedError and closes idempotently', async () => {
    const db = await Tsdb.open(tmp());
    await db.close();
    await db.close();
    expect(() => db.append({ __name__: 'up' }, 1, 1)).toThrow(TsdbClosedError);
  });
});

describe('Tsdb out-of-order samples older than its blocks', () => {
  const m0 = { __name__: 'm', i: '0' };
  const samplesOf = async (db: Tsdb, start = -Infinity, end = Infinity) => (await read(db, 'm', start, end)).find((s) => s.labels.i === '0')!;
  const overlaps = (db: Tsdb) => {
    const bs = db.listBlocks();
    return bs.some((b, k) => k > 0 && b.minTime < Math.max(...bs.slice(0, k).map((x) => x.maxTime)));
  };

  it('takes a sample inside a cut block and reads it at once, merged with the block', async () => {
    const db = await Tsdb.open(tmp(), {});
    fill(db, 0, 7);
    await db.flush();
    expect(db.head.minValidTime).toBe(4 * H);
    db.append(m0, H + 7_500, -1);
    db.append({ __name__: 'm', i: 'new' }, 3 * H, 5);
    const s0 = await samplesOf(db, H, H + 15_000);
    expect(s0.t).toEqual([H, H + 7_500, H + 15_000]);
    expect(s0.v).toEqual([3600, -1, 3615]);
    expect((await read(db, 'm')).find((s) => s.labels.i === 'new')!.t).toEqual([3 * H]);
    // However old: a month before the newest sample is taken too.
    db.append(m0, -30 * 24 * H, 2);
    expect((await samplesOf(db, -31 * 24 * H, 0)).t).toEqual([-30 * 24 * H, 0]);
    expect(db.head.backfillHeld).toBe(3);
    await db.close();
  });

  it('keeps the sample across crashes, before and after the block holding it is cut, and stores it once', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, {});
    const n = fill(db, 0, 7);
    await db.flush();
    db.append(m0, H + 7_500, -1);
    await db.flush();
    // No out-of-order block yet: the sample waits in the head (and its log) for the next cut.
    expect(db.listBlocks().length).toBe(2);
    const crashed = await Tsdb.open(dir, {});
    expect((await samplesOf(crashed, H, H + 15_000)).t).toEqual([H, H + 7_500, H + 15_000]);
    expect(crashed.replayErrors).toBe(0);
    await crashed.close();

    const more = fill(db, 7, 2);
    await db.flush();
    expect(db.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 2 * H], [0, 2 * H], [2 * H, 4 * H], [4 * H, 6 * H]]);
    expect(db.head.minTime()).toBeGreaterThanOrEqual(6 * H);
    const again = await Tsdb.open(dir, {});
    expect((await samplesOf(again, H, H + 15_000)).t).toEqual([H, H + 7_500, H + 15_000]);
    expect((await read(again, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(n + more + 1);
    // The log no longer hands the persisted sample back to the head.
    expect(again.head.minTime()).toBeGreaterThanOrEqual(6 * H);
    expect(again.replayErrors).toBe(0);
    await again.close();
    await db.close();
  });

  it('merges overlapping blocks in compaction, keeping the larger value at a shared timestamp whichever was stored first', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, {});
    const n = fill(db, 0, 7);
    await db.flush();
    db.append(m0, H, 999); // the block holds 3600 at this timestamp
    db.append(m0, H + 1, 1);
    db.append(m0, H + 15_000, 5000); // the block holds 3615
    db.append(m0, 5 * H + 1, 2); // in the head's own range
    const before = await samplesOf(db, H, H + 15_000);
    expect(before.t).toEqual([H, H + 1, H + 15_000]);
    expect(before.v).toEqual([3600, 1, 5000]);
    const more = fill(db, 7, 2);
    await db.flush();
    expect(overlaps(db)).toBe(true);
    expect(await samplesOf(db, H, H + 15_000)).toEqual(before);
    await db.compact();
    expect(overlaps(db)).toBe(false);
    expect(db.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 6 * H]]);
    expect(await samplesOf(db, H, H + 15_000)).toEqual(before);
    expect((await read(db, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(n + more + 2);
    await db.close();
    const again = await Tsdb.open(dir, {});
    expect(await samplesOf(again, H, H + 15_000)).toEqual(before);
    expect(again.replayErrors).toBe(0);
    await again.close();
  });

  it('cuts nothing while backfill waits and the in-order part spans less than 1.5 ranges, and cuts both once it spans more', async () => {
    const db = await Tsdb.open(tmp(), {});
    fill(db, 0, 7);
    await db.flush();
    const ranges = () => db.listBlocks().map((b) => [b.minTime, b.maxTime]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(ranges()).toEqual([[0, 2 * H], [2 * H, 4 * H]]);
    db.append(m0, H + 1, 42); // backfill
    await db.flush();
    expect(ranges()).toEqual([[0, 2 * H], [2 * H, 4 * H]]);
    expect(db.head.backfillHeld).toBe(1);
    fill(db, 7, 1);
    await db.flush();
    expect(ranges()).toEqual([[0, 2 * H], [0, 2 * H], [2 * H, 4 * H], [4 * H, 6 * H]]);
    expect((await samplesOf(db, H + 1, H + 1)).v).toEqual([42]);
    await db.close();
  });

  it('reads the same value at a timestamp written twice whichever value came first, before and after the cut and compaction', async () => {
    const answers: number[][] = [];
    for (const [first, second] of [[1, 2], [2, 1]]) {
      const db = await Tsdb.open(tmp(), {});
      const inBlock = 30 * 60_000 + 1;
      const inHead = 8 * H + 1;
      fill(db, 0, 7);
      await db.flush();
      db.append(m0, inBlock, first); // backfill: into a block of its own at the next cut
      fill(db, 7, 2);
      await db.flush();
      expect(overlaps(db)).toBe(true);
      db.append(m0, inHead, first);
      const got = async () => [...(await samplesOf(db, inBlock, inBlock)).v, ...(await samplesOf(db, inHead, inHead)).v];
      expect(await got()).toEqual([first, first]);
      for (const t of [inBlock, inHead]) {
        try {
          db.append(m0, t, second);
        } catch (err) {
          expect((err as Error).name).toBe('DuplicateSampleError'); // the head refuses the smaller
        }
      }
      const reads = [await got()];
      fill(db, 9, 2);
      await db.flush();
      await db.compact();
      reads.push(await got());
      expect(reads).toEqual([[2, 2], [2, 2]]);
      answers.push(...reads);
      await db.close();
    }
    expect(answers).toEqual([[2, 2], [2, 2], [2, 2], [2, 2]]);
  });

  it('cuts out-of-order samples spanning several block ranges of one series into one block per range', async () => {
    const db = await Tsdb.open(tmp(), {});
    const n = fill(db, 0, 9);
    await db.flush();
    // 300 samples a minute apart from 0:30 on: out-of-order chunks of 120 that straddle 2 h and 4 h.
    const late = Array.from({ length: 300 }, (_, k) => 30 * 60_000 + k * 60_000 + 1);
    for (const t of late) db.append(m0, t, -t);
    const more = fill(db, 9, 2);
    await db.flush();
    expect(db.listBlocks().filter((b) => b.meta.stats.numSamples <= 300).map((b) => [b.minTime, b.maxTime, b.meta.stats.numSamples])).toEqual([
      [0, 2 * H, 90],
      [2 * H, 4 * H, 120],
      [4 * H, 6 * H, 90],
    ]);
    expect(db.head.minTime()).toBeGreaterThanOrEqual(6 * H);
    expect((await read(db, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(n + more + late.length);
    await db.close();
  });

  it('puts logged backfill back into the head on replay', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, {});
    fill(db, 0, 7);
    await db.flush();
    db.append(m0, H + 7_500, -1);
    await db.close();
    const again = await Tsdb.open(dir);
    expect((await samplesOf(again, H, H + 15_000)).t).toEqual([H, H + 7_500, H + 15_000]);
    expect(again.replayErrors).toBe(0);
    expect(again.head.backfillHeld).toBe(1);
    await again.close();
  });

  it('reads every sample once after a crash between cutting a block and rolling the log, and compacts the copy away', async () => {
    // The state such a crash leaves: the block on disk, the log without the marker that follows it.
    const crashed = tmp();
    const logOnly = await Tsdb.open(crashed);
    const n = fill(logOnly, 0, 4);
    await logOnly.close(); // logs everything, cuts nothing
    const cut = tmp();
    const withBlock = await Tsdb.open(cut);
    fill(withBlock, 0, 4);
    await withBlock.flush();
    const [block] = withBlock.listBlocks();
    await withBlock.close();
    cpSync(block.dir, join(crashed, block.id), { recursive: true });

    const db = await Tsdb.open(crashed);
    expect(db.replayErrors).toBe(0);
    expect((await read(db, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(n);
    const more = fill(db, 4, 2);
    await db.flush();
    await db.compact();
    expect(db.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 2 * H], [2 * H, 4 * H]]);
    expect(db.listBlocks()[0].meta.stats.numSamples).toBe(4 * 480);
    expect((await read(db, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(n + more);
    await db.close();
  });

  it('merges an out-of-order block into the larger block it falls inside', async () => {
    const db = await Tsdb.open(tmp(), {});
    fill(db, 0, 9);
    await db.flush();
    await db.compact();
    expect(db.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 6 * H]]);
    db.append(m0, 3 * H + 1, 1);
    fill(db, 9, 2);
    await db.flush();
    expect(db.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 6 * H], [2 * H, 4 * H], [6 * H, 8 * H]]);
    await db.compact();
    expect(overlaps(db)).toBe(false);
    expect((await samplesOf(db, 3 * H, 3 * H + 1)).t).toEqual([3 * H, 3 * H + 1]);
    await db.close();
  });

  it('writes backfill into blocks of its own once the head holds backfillFlushSamples of it, leaving the in-order part in the head', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { backfillFlushSamples: 10 });
    const n = fill(db, 0, 7);
    await db.flush();
    const blocks = db.listBlocks().length;
    const late = Array.from({ length: 9 }, (_, k) => k * 25 * 60_000 + 1); // 0:00 to 3:20, two block ranges
    for (const t of late) db.append(m0, t, -t);
    await db.flush();
    expect(db.listBlocks().length).toBe(blocks);
    expect(db.head.backfillHeld).toBe(9);
    db.append({ __name__: 'm', i: 'backfill-only' }, -24 * H, 1);
    await db.flush();
    expect(db.head.backfillHeld).toBe(0);
    expect(db.stats().backfillFlushes).toBe(1);
    // One block per range the backfill falls in; the in-order head is left as it was.
    expect(db.listBlocks().length).toBe(blocks + 3);
    expect(db.listBlocks().filter((b) => b.meta.stats.numSamples < 10).map((b) => [b.minTime, b.maxTime, b.meta.stats.numSamples])).toEqual([[-24 * H, -22 * H, 1], [0, 2 * H, 5], [2 * H, 4 * H, 4]]);
    expect(db.head.minValidTime).toBe(4 * H);
    expect(db.head.minTime()).toBeGreaterThanOrEqual(4 * H);
    expect(db.persistedBefore()).toBe(4 * H);
    const total = n + late.length + 1;
    expect((await read(db, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(total);
    await db.close();
    const again = await Tsdb.open(dir);
    expect((await read(again, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(total);
    // The log no longer hands the backfill written to blocks back to the head.
    expect(again.head.backfillHeld).toBe(0);
    expect(again.replayErrors).toBe(0);
    await again.compact();
    expect(overlaps(again)).toBe(false);
    expect((await read(again, 'm')).reduce((k, x) => k + x.t.length, 0)).toBe(total);
    await again.close();
  });

  it('writes backfill into blocks of its own once it waited backfillFlushAgeMs, without a write-ahead log too', async () => {
    let now = 1_000_000;
    const db = await Tsdb.open(tmp(), { backfillFlushAgeMs: 60_000, writeAheadLog: false, now: () => now });
    fill(db, 0, 7);
    await db.flush();
    db.append(m0, H + 7_500, -1);
    await db.flush();
    expect(db.persistedBefore()).toBe(H + 7_500);
    now += 59_999;
    await db.flush();
    expect(db.head.backfillHeld).toBe(1);
    now += 1;
    await db.flush();
    expect(db.head.backfillHeld).toBe(0);
    expect(db.persistedBefore()).toBe(4 * H);
    expect((await samplesOf(db, H, H + 15_000)).v).toEqual([3600, -1, 3615]);
    await db.close();
  });
});
