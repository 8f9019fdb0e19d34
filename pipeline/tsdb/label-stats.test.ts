import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyLabelStats, labelStatsOf, mergeLabelStats } from './label-stats.js';
import { Tsdb } from './tsdb.js';

const H = 3600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(): Promise<Tsdb> {
  const d = mkdtempSync(join(tmpdir(), 'label-stats-'));
  dirs.push(d);
  return Tsdb.open(d);
}

const pairsOf = (s: { pairs: Map<string, Map<string, number>> }) =>
  Object.fromEntries([...s.pairs].map(([n, v]) => [n, Object.fromEntries(v)]));

describe('label statistics of a TSDB', () => {
  it('counts the series of every label pair in the head, and the head chunks and times', async () => {
    const db = await open();
    db.append({ __name__: 'a', job: 'x' }, 1000, 1);
    db.append({ __name__: 'a', job: 'y' }, 2000, 1);
    db.append({ __name__: 'b', job: 'x' }, 3000, 1);
    const s = await labelStatsOf(db);
    expect(s.series).toBe(3);
    expect(s.head).toEqual({ numSeries: 3, chunkCount: 3, minTime: 1000, maxTime: 3000 });
    expect(pairsOf(s)).toEqual({ __name__: { a: 2, b: 1 }, job: { x: 2, y: 1 } });
    await db.close();
  });

  it('counts a series matched by several selectors once', async () => {
    const db = await open();
    db.append({ __name__: 'a', job: 'x' }, 1000, 1);
    db.append({ __name__: 'b', job: 'x' }, 1000, 1);
    const s = await labelStatsOf(db, {
      selectors: [[{ type: '=', name: '__name__', value: 'a' }], [{ type: '=', name: 'job', value: 'x' }]],
    });
    expect(s.series).toBe(2);
    expect(pairsOf(s)).toEqual({ __name__: { a: 1, b: 1 }, job: { x: 2 } });
    await db.close();
  });

  it('counts, for a time range, only the series with samples in it, blocks included', async () => {
    const db = await open();
    db.append({ __name__: 'old' }, 0, 1);
    db.append({ __name__: 'new' }, 10 * H, 1);
    await db.flush();
    expect(db.listBlocks().length).toBeGreaterThan(0);
    const early = await labelStatsOf(db, { range: { start: 0, end: H } });
    expect(pairsOf(early)).toEqual({ __name__: { old: 1 } });
    const late = await labelStatsOf(db, { range: { start: 9 * H, end: 11 * H } });
    expect(pairsOf(late)).toEqual({ __name__: { new: 1 } });
    await db.close();
  });

  it('adds up shards: series counts add, a value in two shards is one value, times widen', () => {
    const a = emptyLabelStats();
    a.head.numSeries = 2;
    a.head.minTime = 5;
    a.head.maxTime = 9;
    a.series = 2;
    a.pairs.set('job', new Map([['x', 2]]));
    const b = emptyLabelStats();
    b.head.numSeries = 1;
    b.head.minTime = 1;
    b.head.maxTime = 7;
    b.series = 1;
    b.pairs.set('job', new Map([['x', 1]]));
    b.pairs.set('__proto__', new Map([['v', 1]]));
    const total = mergeLabelStats(mergeLabelStats(emptyLabelStats(), a), b);
    expect(total.head).toEqual({ numSeries: 3, chunkCount: 0, minTime: 1, maxTime: 9 });
    expect(total.series).toBe(3);
    expect(total.pairs.get('job')).toEqual(new Map([['x', 3]]));
    expect(total.pairs.get('__proto__')).toEqual(new Map([['v', 1]]));
  });
});
