import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/labels.js';
import { LabelSectionMemo } from '../../schemas/label-section-memo.js';
import { FloatHistogram, Histogram } from '../../schemas/native-histogram/index.js';
import { decodeSampleBatch, encodeSampleBatch } from '../../schemas/sample-batch-codec.js';
import type { FloatColumns, MaybeColumnar } from '../../schemas/float-columns.js';
import type { SampleBatch, SeriesSamples } from '../../schemas/sample.js';
import { inHeadOrder } from '../tsdb/head-series-ranks.js';
import type { MemSeries } from '../tsdb/head/index.js';
import { Wal } from '../tsdb/wal/index.js';
import { StoreMetrics } from './metrics.js';
import { Shard } from './shard.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openShard(existing?: string): Promise<{ shard: Shard; metrics: StoreMetrics; dir: string }> {
  const dir = existing ?? mkdtempSync(join(tmpdir(), 'tidemark-shard-'));
  if (existing === undefined) dirs.push(dir);
  const metrics = new StoreMetrics(new Registry());
  const shard = await Shard.open({ topic: 't', partition: 0, dir, tsdb: {}, metrics });
  return { shard, metrics, dir };
}

/** The shard's rejection counter by reason (reasons never counted are left out). */
async function rejections(metrics: StoreMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.samplesRejected.get()).values) out[String(v.labels.reason)] = v.value;
  return out;
}

const one = (labels: Labels, t: number, v: number): SeriesSamples => ({ labels, timestamps: [t], values: [v], stale: [] });

/** Every series in the shard as `labels -> [t, v]...`, label sets in canonical JSON. */
async function stored(shard: Shard): Promise<Record<string, number[][]>> {
  const set = await shard.tsdb.querier(-Infinity, Infinity).select([{ name: 'job', type: '=', value: 'node' }], { start: -Infinity, end: Infinity });
  const out: Record<string, number[][]> = {};
  for (const s of set.series) out[s.labels.i] = Array.from(s.timestamps, (t, k) => [t, s.values[k]]);
  return out;
}

describe('shard', () => {
  it('stores native-histogram samples of a record, integer ones as float histograms, and counts a refused one by reason', async () => {
    const { shard, metrics } = await openShard();
    const h = new Histogram({ schema: 0, count: 3, sum: 4.5, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 1] });
    const f = new FloatHistogram({ schema: 0, count: 5, sum: 8, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [2, 3] });
    const conflicting = new FloatHistogram({ schema: 0, count: 1, sum: 1, zeroCount: 1 });
    const labels = { __name__: 'rpc_seconds', job: 'node', i: 'h' };
    shard.append(0, { series: [{ labels, timestamps: [500], values: [7], stale: [], histograms: { timestamps: [1000, 2000], histograms: [h, f] } }] });
    shard.append(1, { series: [{ labels, timestamps: [], values: [], stale: [], histograms: { timestamps: [2000], histograms: [conflicting] } }] });
    const set = await shard.tsdb.querier(-Infinity, Infinity).select([{ name: '__name__', type: '=', value: 'rpc_seconds' }], { start: -Infinity, end: Infinity });
    const s = set.series[0];
    expect(Array.from(s.timestamps)).toEqual([500, 1000, 2000]);
    expect(s.values[0]).toBe(7);
    expect(s.histograms?.[0] ?? null).toBeNull();
    expect(s.histograms?.[1]?.equals(h.toFloat())).toBe(true);
    expect(s.histograms?.[2]?.equals(f)).toBe(true);
    expect(await rejections(metrics)).toEqual({ duplicate_sample: 1 });
    await shard.close();
  });

  it('stores each sample in its own series when records change their series order', async () => {
    const { shard } = await openShard();
    const l = (i: string): Labels => ({ i, job: 'node' });
    shard.append(0, { series: [one(l('a'), 1000, 1), one(l('b'), 1000, 2), one(l('c'), 1000, 3)] });
    // Same first series, the others swapped: positions no longer match the previous record.
    shard.append(1, { series: [one(l('a'), 2000, 11), one(l('c'), 2000, 13), one(l('b'), 2000, 12)] });
    // A new series in the middle and one fewer at the end.
    shard.append(2, { series: [one(l('a'), 3000, 21), one(l('d'), 3000, 24), one(l('b'), 3000, 22)] });
    // Labels differing only in an empty-valued label are the same series.
    shard.append(3, { series: [one(l('a'), 4000, 31), one({ i: 'd', job: 'node', x: '' }, 4000, 34), one(l('c'), 4000, 33)] });
    expect(await stored(shard)).toEqual({
      a: [[1000, 1], [2000, 11], [3000, 21], [4000, 31]],
      b: [[1000, 2], [2000, 12], [3000, 22]],
      c: [[1000, 3], [2000, 13], [4000, 33]],
      d: [[3000, 24], [4000, 34]],
    });
    expect(shard.tsdb.head.numSeries).toBe(4);
    await shard.close();
  });

  it('counts an invalid series as rejected and still stores the series after it at that position', async () => {
    const { shard, metrics } = await openShard();
    const l = (i: string): Labels => ({ i, job: 'node' });
    shard.append(0, { series: [one(l('a'), 1000, 1), one(l('b'), 1000, 2)] });
    shard.append(1, { series: [one(l('a'), 2000, 11), one({ i: '' }, 2000, 0), one(l('b'), 2000, 12)] });
    shard.append(2, { series: [one(l('a'), 3000, 21), one(l('b'), 3000, 22)] });
    expect(await stored(shard)).toEqual({
      a: [[1000, 1], [2000, 11], [3000, 21]],
      b: [[1000, 2], [2000, 12], [3000, 22]],
    });
    const rejected = await metrics.samplesRejected.get();
    expect(rejected.values.find((v) => v.labels.reason === 'invalid')?.value).toBe(1);
    await shard.close();
  });

  it('stores records repeating a remembered label section in their series, an invalid one refused each time and a series the head dropped created again', async () => {
    const { shard, metrics } = await openShard();
    const memo = new LabelSectionMemo();
    const l = (i: string): Labels => ({ i, job: 'node' });
    const record = (t: number): Buffer => encodeSampleBatch({ series: [one(l('a'), t, t / 1000), one({ i: '' }, t, 0), one(l('b'), t, t / 100)] });
    const apply = (offset: number, t: number): boolean => {
      const batch = decodeSampleBatch(record(t), memo);
      shard.append(offset, batch);
      return batch.labelSection !== undefined;
    };
    // The first record is decoded in full; from the second on the memo keeps the section.
    expect([apply(0, 1000), apply(1, 2000), apply(2, 3000), apply(3, 4000)]).toEqual([false, true, true, true]);
    expect(await stored(shard)).toEqual({
      a: [[1000, 1], [2000, 2], [3000, 3], [4000, 4]],
      b: [[1000, 10], [2000, 20], [3000, 30], [4000, 40]],
    });
    expect((await rejections(metrics)).invalid).toBe(4);
    // Every series leaves the head (its samples are in a block now): their refs are gone.
    shard.tsdb.head.truncate(5000);
    expect(shard.tsdb.head.numSeries).toBe(0);
    expect(apply(4, 6000)).toBe(true);
    expect(await stored(shard)).toEqual({ a: [[6000, 6]], b: [[6000, 60]] });
    expect(shard.tsdb.head.numSeries).toBe(2);
    await shard.close();
  });

  it('stores a record of float columns from the columns alone, several samples of a series in one run and an out-of-order one too', async () => {
    const { shard } = await openShard();
    const l = (i: string): Labels => ({ i, job: 'node' });
    const columnsOnly = (floatColumns: FloatColumns): SampleBatch & MaybeColumnar => ({
      floatColumns,
      get series(): SeriesSamples[] {
        throw new Error('the series of a columnar record were built');
      },
    });
    shard.append(0, columnsOnly({ labels: [l('a'), l('b')], offsets: [0, 3, 4], timestamps: [1000, 2000, 3000, 1000], values: [1, 2, 3, 10] }));
    // b: an older sample after the newer ones, and an empty series between.
    shard.append(1, columnsOnly({ labels: [l('b'), l('c'), l('a')], offsets: [0, 2, 2, 3], timestamps: [3000, 2000, 4000], values: [30, 20, 4] }));
    expect(await stored(shard)).toEqual({
      a: [[1000, 1], [2000, 2], [3000, 3], [4000, 4]],
      b: [[1000, 10], [2000, 20], [3000, 30]],
    });
    await shard.close();
  });

  it('keeps the larger of two values at a timestamp whichever was written first, refuses the smaller as a duplicate sample, also after a restart', async () => {
    const a: Labels = { i: 'a', job: 'node' };
    const first = await openShard();
    first.shard.append(0, { series: [one(a, 1000, 1), one(a, 2000, 2)] });
    // The same sample again is a replay: ignored, not an error.
    first.shard.append(1, { series: [one(a, 2000, 2)] });
    // A smaller value at a stored timestamp: refused (Prometheus' "duplicate sample for timestamp").
    first.shard.append(2, { series: [one(a, 2000, 0.5)] });
    // A larger one takes the stored one's place.
    first.shard.append(3, { series: [one(a, 1000, 10)] });
    expect(await rejections(first.metrics)).toEqual({ duplicate_sample: 1 });
    expect(await stored(first.shard)).toEqual({ a: [[1000, 10], [2000, 2]] });
    await first.shard.close();

    // The write-ahead log brings the kept values back; a smaller one is still refused.
    const again = await openShard(first.dir);
    again.shard.append(4, { series: [one(a, 2000, -1), one(a, 3000, 3)] });
    expect(await rejections(again.metrics)).toEqual({ duplicate_sample: 1 });
    expect(await stored(again.shard)).toEqual({ a: [[1000, 10], [2000, 2], [3000, 3]] });
    await again.shard.close();
  });
  it('ranks its head series in label order when asked, not as it opens', async () => {
    const first = await openShard();
    for (let i = 0; i < 40; i++) first.shard.append(i, { series: [one({ __name__: 'up', job: 'node', i: `s${i}` }, 1000, 1)] });
    await first.shard.close();
    const { shard } = await openShard(first.dir);
    const head = shard.tsdb.head;
    const few: MemSeries[] = [];
    head.forEachSeries((s) => void (few.length < 2 && few.push(s)));
    // Two of 40 series: too few for a select to rank the head itself, so only ranks made ahead order them.
    expect(inHeadOrder(head, few, (s) => s)).toBeNull();
    shard.rankHeadSeries();
    expect(inHeadOrder(head, few, (s) => s)?.map((s) => s.labels.i)).toEqual([...few].map((s) => s.labels.i).sort());
    await shard.close();
  });

  it('counts write-ahead log samples it cannot replay on opening as rejected, so a loss shows in its metrics', async () => {
    const first = await openShard();
    first.shard.append(0, { series: [one({ i: 'a', job: 'node' }, 1000, 1)] });
    await first.shard.close();
    // A sample naming a series the log never defined: what a segment without its series dump held.
    const wal = Wal.open(join(first.dir, 'wal'), { series: () => undefined, sample: () => undefined, deletion: () => undefined });
    wal.sample(987_654, 2000, 2, false);
    wal.close();

    const again = await openShard(first.dir);
    expect(await rejections(again.metrics)).toEqual({ wal_replay: 1 });
    expect(await stored(again.shard)).toEqual({ a: [[1000, 1]] });
    await again.shard.close();
  });
});
