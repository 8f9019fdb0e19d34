import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Tsdb } from '../tsdb/index.js';
import { IN_PLACE_BELOW, sharedDecodePool } from '../tsdb/select-decode/index.js';
import { ShardsQueryable } from './shards-queryable.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function shard(): Promise<Tsdb> {
  const dir = mkdtempSync(join(tmpdir(), 'shards-queryable-'));
  dirs.push(dir);
  return Tsdb.open(dir, { blockRangeMs: 1000 });
}

describe('ShardsQueryable', () => {
  it('reads every sample of a shard whose head is cut into a block after the querier was opened, or while a read waits for its turn', async () => {
    const a = await shard();
    const b = await shard();
    for (let t = 0; t < 3000; t += 10) {
      a.append({ __name__: 'm', shard: 'a' }, t, t);
      b.append({ __name__: 'm', shard: 'b' }, t, -t);
    }
    const querier = new ShardsQueryable(() => [a, b]).querier(0, 10_000);
    const m = [{ type: '=' as const, name: '__name__', value: 'm' }];
    // Cut synchronously when called: the head's oldest ranges become blocks and leave the head.
    await a.flush();
    expect(a.listBlocks().length).toBeGreaterThan(0);
    const afterCut = await querier.select(m, { start: 0, end: 10_000 });
    const waiting = querier.select(m, { start: 0, end: 10_000 });
    const cut = b.flush();
    expect(b.listBlocks().length).toBeGreaterThan(0);
    await cut;
    const whileWaiting = await waiting;
    await querier.close();
    for (const set of [afterCut, whileWaiting]) {
      expect(set.series.map((s) => [s.labels.shard, s.timestamps.length, s.timestamps[0], s.timestamps[s.timestamps.length - 1]])).toEqual([
        ['a', 300, 0, 2990],
        ['b', 300, 0, 2990],
      ]);
    }
    await a.close();
    await b.close();
  });

  it('answers label names and values over every shard', async () => {
    const a = await shard();
    const b = await shard();
    a.append({ __name__: 'm', only_a: 'x' }, 1, 1);
    b.append({ __name__: 'n', only_b: 'y' }, 1, 1);
    const querier = new ShardsQueryable(() => [a, b]).querier(0, 10);
    expect(await querier.labelNames([])).toEqual(['__name__', 'only_a', 'only_b']);
    expect(await querier.labelValues('__name__', [])).toEqual(['m', 'n']);
    await querier.close();
    await a.close();
    await b.close();
  });

  it('decodes a select whose shards each hold less than a thread is worth, but together more, in the decode threads', async () => {
    const shards = [await shard(), await shard()];
    // Each shard's part alone is below the in-place bound, both together are not.
    const perShard = IN_PLACE_BELOW / 2 + 1_000;
    const series = 64;
    const per = Math.ceil(perShard / series);
    for (const [k, t] of shards.entries()) {
      for (let s = 0; s < series; s++) for (let i = 0; i < per; i++) t.append({ __name__: 'm', shard: String(k), s: String(s) }, i * 10, i + s);
    }
    const m = [{ type: '=' as const, name: '__name__', value: 'm' }];
    const hints = { start: 0, end: per * 10 };
    const alone = await new ShardsQueryable(() => [shards[0]]).querier(0, per * 10).select(m, hints);
    expect(sharedDecodePool().workers).toBe(0);
    const both = await new ShardsQueryable(() => shards).querier(0, per * 10).select(m, hints);
    expect(sharedDecodePool().workers).toBeGreaterThan(0);
    expect(both.series).toHaveLength(2 * series);
    expect(both.series.filter((s) => s.labels.shard === '0').map((s) => [s.labels, Array.from(s.timestamps), Array.from(s.values)])).toEqual(alone.series.map((s) => [s.labels, Array.from(s.timestamps), Array.from(s.values)]));
  });
});
