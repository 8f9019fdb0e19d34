import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { LabelMatcher } from './querier.js';
import { Tsdb } from './tsdb.js';

const H = 3600_000;
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsdb-st-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const byName = (v: string): LabelMatcher[] => [{ name: '__name__', type: '=', value: v }];

/** Each sample as `t:value` or `t:value@st` (start timestamp); null when the series has none at all. */
async function read(db: Tsdb, name: string): Promise<{ samples: string[]; withStartColumn: boolean } | null> {
  const q = db.querier(-Infinity, Infinity);
  const set = await q.select(byName(name), { start: -Infinity, end: Infinity });
  await q.close();
  if (set.series.length === 0) return null;
  const s = set.series[0];
  const sts = s.startTimestamps ?? null;
  return {
    samples: Array.from(s.timestamps, (t, i) => {
      const v = s.histograms?.[i] != null ? `h${s.histograms[i]!.count}` : String(s.values[i]);
      return sts === null || sts[i] === 0 ? `${t}:${v}` : `${t}:${v}@${sts[i]}`;
    }),
    withStartColumn: sts !== null,
  };
}

function hist(count: number): FloatHistogram {
  return new FloatHistogram({ schema: 0, count, sum: count, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [count] });
}

describe('start timestamps in the TSDB', () => {
  it('returns each sample start timestamp beside it from the head, and no column for a series without any', async () => {
    const db = await Tsdb.open(tmp());
    db.append({ __name__: 'c' }, 1000, 1, false, 500);
    db.append({ __name__: 'c' }, 1500, 3, false, 1200);
    db.append({ __name__: 'c' }, 2000, 2);
    db.appendHistogram({ __name__: 'c' }, 3000, hist(4), 2500);
    db.append({ __name__: 'plain' }, 1000, 1);
    expect(await read(db, 'c')).toEqual({ samples: ['1000:1@500', '1500:3@1200', '2000:2', '3000:h4@2500'], withStartColumn: true });
    expect(await read(db, 'plain')).toEqual({ samples: ['1000:1'], withStartColumn: false });
    await db.close();
  });

  it('keeps start timestamps across a restart through the write-ahead log', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir);
    db.append({ __name__: 'c' }, 1000, 1, false, 900);
    db.append({ __name__: 'c' }, 2000, 2, false, 2001);
    await db.flush();
    await db.close();
    db = await Tsdb.open(dir);
    expect(db.replayErrors).toBe(0);
    expect(await read(db, 'c')).toEqual({ samples: ['1000:1@900', '2000:2@2001'], withStartColumn: true });
    await db.close();
  });

  it('cuts start timestamps into blocks, and keeps them through compaction and a restart', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, { retentionMs: 0 });
    const want: string[] = [];
    for (let t = 0; t < 8 * H; t += 15 * 60_000) {
      const k = t / (15 * 60_000);
      // Every third sample without a start timestamp; the rest delta-style (ST = previous T).
      const st = k % 3 === 0 ? 0 : t - 15 * 60_000;
      db.append({ __name__: 'c' }, t, k, false, st);
      want.push(st === 0 ? `${t}:${k}` : `${t}:${k}@${st}`);
      db.append({ __name__: 'plain' }, t, k);
    }
    await db.flush();
    expect(db.listBlocks().length).toBeGreaterThan(1);
    expect((await read(db, 'c'))!.samples).toEqual(want);
    expect(await db.compact()).toBeGreaterThan(0);
    expect((await read(db, 'c'))!.samples).toEqual(want);
    expect((await read(db, 'plain'))!.withStartColumn).toBe(false);
    await db.close();
    db = await Tsdb.open(dir, { retentionMs: 0 });
    expect((await read(db, 'c'))!.samples).toEqual(want);
    await db.close();
  });

  it('refuses a start timestamp that is not a whole number of milliseconds', async () => {
    const db = await Tsdb.open(tmp());
    expect(() => db.append({ __name__: 'c' }, 1000, 1, false, 0.5)).toThrow(/start timestamp 0.5 is not an integer/);
    await db.close();
  });
});
