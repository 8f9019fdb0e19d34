import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { DuplicateSampleError } from './errors.js';
import type { LabelMatcher } from './querier.js';
import { Tsdb } from './tsdb.js';

const H = 3600_000;
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsdb-hist-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const byName = (v: string): LabelMatcher[] => [{ name: '__name__', type: '=', value: v }];

function hist(count: number): FloatHistogram {
  return new FloatHistogram({ schema: 0, count, sum: count * 2, zeroCount: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [count - 1 - 1, 1] });
}

/** Each sample as `t:value` or `t:h<count>`. */
async function read(db: Tsdb, name: string, start = -Infinity, end = Infinity): Promise<string[]> {
  const q = db.querier(start, end);
  const set = await q.select(byName(name), { start, end });
  await q.close();
  return set.series.flatMap((s) => Array.from(s.timestamps, (t, i) => {
    const h = s.histograms?.[i] ?? null;
    if (h !== null) return `${t}:h${h.count}`;
    return `${t}:${s.stale?.[i] === 1 ? 'stale' : s.values[i]}`;
  }));
}

describe('native histograms in the TSDB', () => {
  it('returns histogram samples beside the float samples of the same series from the head', async () => {
    const db = await Tsdb.open(tmp());
    const l = { __name__: 'm', job: 'a' };
    db.append(l, 1000, 5);
    db.appendHistogram(l, 2000, hist(3));
    db.append(l, 3000, 0, true);
    db.appendHistogram(l, 4000, hist(4));
    expect(await read(db, 'm')).toEqual(['1000:5', '2000:h3', '3000:stale', '4000:h4']);
    expect(await read(db, 'm', 1500, 3500)).toEqual(['2000:h3', '3000:stale']);
    await db.close();
  });

  it('ignores an equal histogram at the same timestamp, refuses one of a smaller count, keeps one of a larger count instead and takes an older one', async () => {
    const db = await Tsdb.open(tmp());
    const l = { __name__: 'm' };
    db.appendHistogram(l, 1000, hist(3));
    db.appendHistogram(l, 1000, hist(3));
    expect(() => db.appendHistogram(l, 1000, hist(2))).toThrow(DuplicateSampleError);
    db.appendHistogram(l, 1000, hist(5));
    db.appendHistogram(l, 500, hist(5));
    expect(db.stats().duplicatesIgnored).toBe(1);
    expect(await read(db, 'm')).toEqual(['500:h5', '1000:h5']);
    await db.close();
    // The write-ahead log keeps the same one.
    const again = await Tsdb.open(db.dir);
    expect(await read(again, 'm')).toEqual(['500:h5', '1000:h5']);
    await again.close();
  });

  it('reads the histogram of the larger count at a timestamp a block and the head both hold, whichever came first', async () => {
    for (const [first, second] of [[3, 5], [5, 3]]) {
      const db = await Tsdb.open(tmp(), { blockRangeMs: 3600_000 });
      const l = { __name__: 'm' };
      db.appendHistogram(l, 1000, hist(first));
      for (let t = 60_000; t <= 3 * 3600_000; t += 60_000) db.appendHistogram(l, t, hist(3));
      await db.flush();
      expect(db.listBlocks().length).toBeGreaterThan(0); // 1000 is in a block now
      db.appendHistogram(l, 1000, hist(second));
      expect((await read(db, 'm'))[0]).toBe('1000:h5');
      for (let t = 3 * 3600_000 + 60_000; t <= 5 * 3600_000; t += 60_000) db.appendHistogram(l, t, hist(3));
      await db.flush();
      await db.compact();
      expect((await read(db, 'm'))[0]).toBe('1000:h5');
      await db.close();
    }
  });

  it('reads a histogram appended after a smaller one back as not_reset, and one after a reset or a gauge as given', async () => {
    const db = await Tsdb.open(tmp());
    const l = { __name__: 'm' };
    db.appendHistogram(l, 1000, hist(3));
    db.appendHistogram(l, 2000, hist(4));
    db.appendHistogram(l, 3000, hist(2));
    const gauge = hist(5);
    gauge.counterResetHint = 'gauge';
    db.appendHistogram(l, 4000, gauge);
    const q = db.querier(0, 5000);
    const [s] = (await q.select(byName('m'), { start: 0, end: 5000 })).series;
    await q.close();
    expect(Array.from(s.histograms!, (h) => h!.counterResetHint)).toEqual(['unknown', 'not_reset', 'unknown', 'gauge']);
    await db.close();
  });

  it('keeps histograms across a restart through the write-ahead log', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir);
    db.appendHistogram({ __name__: 'm' }, 1000, hist(3));
    db.append({ __name__: 'm' }, 2000, 7);
    await db.flush();
    await db.close();
    db = await Tsdb.open(dir);
    expect(db.replayErrors).toBe(0);
    expect(await read(db, 'm')).toEqual(['1000:h3', '2000:7']);
    await db.close();
  });

  it('cuts histograms into blocks, reads them from blocks and head together, and keeps them through compaction and a restart', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, { retentionMs: 0 });
    const l = { __name__: 'm' };
    const want: string[] = [];
    for (let t = 0; t < 8 * H; t += 15 * 60_000) {
      if ((t / (15 * 60_000)) % 2 === 0) {
        db.appendHistogram(l, t, hist(t / 60_000 + 2));
        want.push(`${t}:h${t / 60_000 + 2}`);
      } else {
        db.append(l, t, t);
        want.push(`${t}:${t}`);
      }
      db.append({ __name__: 'floats' }, t, 1);
    }
    await db.flush();
    expect(db.listBlocks().length).toBeGreaterThan(1);
    expect(await read(db, 'm')).toEqual(want);
    expect(await db.compact()).toBeGreaterThan(0);
    expect(await read(db, 'm')).toEqual(want);
    await db.close();
    db = await Tsdb.open(dir, { retentionMs: 0 });
    expect(await read(db, 'm')).toEqual(want);
    expect((await read(db, 'floats')).length).toBe(want.length);
    await db.close();
  });

  it('deletes histogram samples with delete_series, in the head and in blocks', async () => {
    const db = await Tsdb.open(tmp());
    const l = { __name__: 'm' };
    for (let t = 0; t < 6 * H; t += H) db.appendHistogram(l, t, hist(t / H + 2));
    await db.flush();
    expect(db.listBlocks().length).toBeGreaterThan(0);
    await db.deleteSeries(byName('m'), H, 4 * H);
    expect(await read(db, 'm')).toEqual(['0:h2', `${5 * H}:h7`]);
    await db.close();
  });
});
