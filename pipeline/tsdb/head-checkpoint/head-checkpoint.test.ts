import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { LabelMatcher } from '../querier.js';
import { Tsdb } from '../tsdb.js';

const H = 3600_000;
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsdb-checkpoint-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const NO_LOG = { blockRangeMs: 2 * H, writeAheadLog: false } as const;

function hist(count: number): FloatHistogram {
  return new FloatHistogram({ schema: 0, count, sum: count, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [count] });
}

/** Every series' samples as `name t:value` lines (`t:stale`, `t:h<count>`, `@st` for a start timestamp), sorted. */
async function dump(db: Tsdb): Promise<string[]> {
  const q = db.querier(-Infinity, Infinity);
  const all: LabelMatcher[] = [{ name: '__name__', type: '=~', value: '.+' }];
  const set = await q.select(all, { start: -Infinity, end: Infinity });
  await q.close();
  const out: string[] = [];
  for (const s of set.series) {
    Array.from(s.timestamps).forEach((t, i) => {
      const h = s.histograms?.[i];
      const v = h != null ? `h${h.count}` : s.stale?.[i] === 1 ? 'stale' : String(s.values[i]);
      const st = s.startTimestamps?.[i] ? `@${s.startTimestamps[i]}` : '';
      out.push(`${s.labels.__name__}{${s.labels.i ?? ''}} ${t}:${v}${st}`);
    });
  }
  return out.sort();
}

/** A head with every kind of content: in-order and out-of-order floats, a staleness marker, histograms, start timestamps, a deletion. */
function fill(db: Tsdb): void {
  for (let i = 0; i < 5; i++) for (let t = 0; t < 300; t++) db.append({ __name__: 'up', i: String(i) }, t * 15_000, t % 7 === 0 ? i : t * 1.5);
  db.append({ __name__: 'up', i: '0' }, 50 * 15_000 + 1, 99); // out of order
  db.append({ __name__: 'up', i: '1' }, 300 * 15_000, 0, true); // staleness marker
  db.appendHistogram({ __name__: 'lat' }, 1000, hist(3), 500);
  db.appendHistogram({ __name__: 'lat' }, 2000, hist(5), 500);
  db.append({ __name__: 'req' }, 1000, 1, false, 900);
  db.append({ __name__: 'req' }, 2000, 4, false, 900);
}

describe('head checkpoints', () => {
  it('reopen a TSDB without a write-ahead log with every sample its head held, and the position they cover', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    fill(db);
    await db.deleteSeries([{ name: 'i', type: '=', value: '4' }], 0, 100 * 15_000);
    const before = await dump(db);
    expect(before.length).toBeGreaterThan(1400);
    await db.flush({ position: 42, due: true });
    expect(db.headCheckpointPosition).toBe(42);
    await db.close();

    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.headCheckpointPosition).toBe(42);
    expect(again.restoredFromCheckpoint).toBe(before.length);
    expect(await dump(again)).toEqual(before);
    // The head goes on from where it was: an older sample is out of order, a newer one in order.
    again.append({ __name__: 'up', i: '2' }, 301 * 15_000, 7);
    expect(again.head.maxT).toBe(301 * 15_000);
    await again.close();
  });

  it('write no checkpoint when not due and no block was cut, and one after every cut', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    db.append({ __name__: 'x' }, 0, 1);
    await db.flush({ position: 1, due: false });
    expect(db.headCheckpointPosition).toBeNull();
    // 1.5 block ranges of samples: the flush cuts the first range into a block.
    for (let t = 1; t <= 3 * 3600; t++) db.append({ __name__: 'x' }, t * 1000, t);
    await db.flush({ position: 2, due: false });
    expect(db.listBlocks()).toHaveLength(1);
    expect(db.headCheckpointPosition).toBe(2);
    await db.close();
  });

  it('keep only the newest checkpoint, and ignore one a crash left unfinished', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    db.append({ __name__: 'x' }, 1000, 1);
    await db.flush({ position: 5, due: true });
    db.append({ __name__: 'x' }, 2000, 2);
    await db.flush({ position: 6, due: true });
    expect(readdirSync(dir).filter((f) => f.startsWith('head-checkpoint.'))).toEqual(['head-checkpoint.00000002']);
    await db.close();
    // A checkpoint cut off before its rename: directory and half its files.
    mkdirSync(join(dir, 'head-checkpoint.00000003.tmp'));
    writeFileSync(join(dir, 'head-checkpoint.00000003.tmp', 'checkpoint.json'), '{"version":1,"posi');
    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.headCheckpointPosition).toBe(6);
    expect(await dump(again)).toEqual(['x{} 1000:1', 'x{} 2000:2']);
    expect(existsSync(join(dir, 'head-checkpoint.00000003.tmp'))).toBe(false);
    await again.close();
  });

  it('store no sample twice when blocks were cut after the checkpoint a restart opens', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    for (let t = 0; t < 3600; t++) db.append({ __name__: 'x' }, t * 1000, t);
    db.append({ __name__: 'x' }, 10, 0.5); // out of order, in the range cut below
    await db.flush({ position: 1, due: true });
    // A crash between a cut and the checkpoint after it: the cut happens, no checkpoint follows.
    for (let t = 3600; t <= 3 * 3600; t++) db.append({ __name__: 'x' }, t * 1000, t);
    await db.flush();
    expect(db.listBlocks()).toHaveLength(1);
    await db.close();

    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.headCheckpointPosition).toBe(1);
    // The head gave up what the block holds; what it still holds after the block comes from the checkpoint.
    expect(again.head.minTime()).toBeGreaterThanOrEqual(again.listBlocks()[0].maxTime);
    const samples = await dump(again);
    expect(samples).toHaveLength(2 * 3600 + 1);
    expect(new Set(samples).size).toBe(samples.length);
    expect(samples).toContain('x{} 10:0.5');
    await again.close();
  });

  it('move a checkpoint into the write-ahead log when the TSDB is opened with one', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    fill(db);
    const before = await dump(db);
    await db.flush({ position: 9, due: true });
    await db.close();

    const logged = await Tsdb.open(dir, { blockRangeMs: 2 * H });
    expect(logged.headCheckpointPosition).toBeNull();
    expect(readdirSync(dir).some((f) => f.startsWith('head-checkpoint.'))).toBe(false);
    expect(await dump(logged)).toEqual(before);
    await logged.close();
    const replayed = await Tsdb.open(dir, { blockRangeMs: 2 * H });
    expect(await dump(replayed)).toEqual(before);
    await replayed.close();
  });

  it('refuse a checkpoint request on a TSDB with a write-ahead log', async () => {
    const db = await Tsdb.open(tmp(), { blockRangeMs: 2 * H });
    db.append({ __name__: 'x' }, 1000, 1);
    await expect(db.flush({ position: 1, due: true })).rejects.toThrow(/without a write-ahead log/);
    await db.close();
  });
});
