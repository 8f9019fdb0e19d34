import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { SampleBatch } from '../../schemas/sample.js';
import type { TsdbOptions } from '../tsdb/index.js';
import { StoreMetrics } from './metrics.js';
import { Shard, type ShardWal } from './shard.js';

const H = 3600_000;
const dirs: string[] = [];
const open: Shard[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-shard-bus-wal-'));
  dirs.push(dir);
  return dir;
}

async function openShard(dir: string, wal: ShardWal, tsdb: TsdbOptions = {}, headCheckpointIntervalMs = 0): Promise<{ shard: Shard; metrics: StoreMetrics }> {
  const metrics = new StoreMetrics(new Registry());
  const shard = await Shard.open({ topic: 't', partition: 0, dir, tsdb: { blockRangeMs: 2 * H, ...tsdb }, metrics, wal, headCheckpointIntervalMs });
  open.push(shard);
  return { shard, metrics };
}

/** The partition: record k holds one sample of series a and b, 10 minutes after record k-1. */
const record = (k: number): SampleBatch => ({
  series: ['a', 'b'].map((i) => ({ labels: { __name__: 'm', i }, timestamps: [k * 600_000], values: [k], stale: [] })),
});

/** Applies records [from, to) as the store worker does: append each, then move the position. */
function apply(shard: Shard, from: number, to: number): void {
  for (let k = from; k < to; k++) shard.append(k, record(k));
  shard.appendedOffset = to;
}

async function stored(shard: Shard): Promise<Record<string, number[]>> {
  const set = await shard.tsdb.querier(-Infinity, Infinity).select([{ name: '__name__', type: '=', value: 'm' }], { start: -Infinity, end: Infinity });
  const out: Record<string, number[]> = {};
  for (const s of set.series) out[s.labels.i] = Array.from(s.timestamps);
  return out;
}

async function counter(c: StoreMetrics['samplesReplayed'] | StoreMetrics['samplesAppended']): Promise<number> {
  return (await c.get()).values.reduce((n, v) => n + v.value, 0);
}

describe('shard with the bus as its write-ahead log', () => {
  it('writes no write-ahead log and keeps its durable offset at the first record not yet in a block', async () => {
    const dir = newDir();
    const { shard } = await openShard(dir, 'bus');
    apply(shard, 0, 12); // 0 .. 1h50m
    await shard.flush();
    expect(shard.durableOffset).toBe(0);
    apply(shard, 12, 31); // up to 5h: the head spans more than 1.5 ranges, [0, 2h) and [2h, 4h) are cut
    await shard.flush();
    expect(shard.tsdb.listBlocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 2 * H], [2 * H, 4 * H]]);
    // Record 24 (4h) is the first whose sample is in the head only.
    expect(shard.durableOffset).toBe(24);
    expect(readdirSync(dir).filter((f) => f === 'wal')).toEqual([]);
  });

  it('is recovered at once when it never applied a record', async () => {
    const { shard } = await openShard(newDir(), 'bus');
    expect(shard.startPosition()).toBe('earliest');
    expect(shard.recovered).toBe(true);
  });

  it('holds every sample once after a crash, applying the partition again from the durable offset', async () => {
    const dir = newDir();
    const { shard: before } = await openShard(dir, 'bus');
    apply(before, 0, 31);
    await before.flush();
    apply(before, 31, 35); // applied, never flushed: the crash comes first
    const { shard: after, metrics } = await openShard(dir, 'bus');
    expect(after.startPosition()).toEqual({ offset: 24 });
    expect(after.recovered).toBe(false);
    apply(after, 24, 31);
    // Up to 31 the earlier run had flushed (its intent file says so): not ready before that.
    expect(after.recovered).toBe(true);
    apply(after, 31, 40);
    const times = Array.from({ length: 40 }, (_, k) => k * 600_000);
    expect(await stored(after)).toEqual({ a: times, b: times });
    expect(await counter(metrics.samplesAppended)).toBe(2 * (40 - 24));
    expect(await counter(metrics.samplesReplayed)).toBe(0);
    expect((await metrics.samplesRejected.get()).values).toEqual([]);
  });

  it('counts samples a block already holds, applied again after a crash, as replayed', async () => {
    const dir = newDir();
    const { shard: before } = await openShard(dir, 'bus');
    // Record 0 reaches into the head's last range: the durable offset stays at it, though its
    // older sample went into a block.
    before.append(0, { series: [{ labels: { __name__: 'm', i: 'a' }, timestamps: [H, 5 * H], values: [1, 2], stale: [] }] });
    apply(before, 1, 31);
    await before.flush();
    expect(before.durableOffset).toBe(0);
    const { shard: after, metrics } = await openShard(dir, 'bus');
    after.append(0, { series: [{ labels: { __name__: 'm', i: 'a' }, timestamps: [H, 5 * H], values: [1, 2], stale: [] }] });
    expect(await counter(metrics.samplesReplayed)).toBe(1);
    expect((await metrics.samplesRejected.get()).values).toEqual([]);
  });

  it('stores samples hours older than its blocks, keeps the durable offset before them until a block holds them, and after a crash stores none twice', async () => {
    const dir = newDir();
    const { shard: before, metrics: m0 } = await openShard(dir, 'bus');
    apply(before, 0, 31); // up to 5h: [0, 2h) and [2h, 4h) are cut
    await before.flush();
    // Records from 4h on (24) are in the head only.
    const durable = 24;
    expect(before.durableOffset).toBe(durable);
    const old = (k: number): SampleBatch => ({ series: ['a', 'c'].map((i) => ({ labels: { __name__: 'm', i }, timestamps: [k * 600_000 + 1], values: [-k], stale: [] })) });
    for (let k = 0; k < 12; k++) before.append(31 + k, old(k));
    before.appendedOffset = 43;
    await before.flush();
    // The backfill is in the head only: a restart must apply its records again.
    expect(before.durableOffset).toBe(durable);
    expect((await m0.samplesRejected.get()).values).toEqual([]);
    const oldTimes = Array.from({ length: 12 }, (_, k) => k * 600_000 + 1);
    const liveTimes = Array.from({ length: 31 }, (_, k) => k * 600_000);
    const all = [...liveTimes, ...oldTimes].sort((x, y) => x - y);
    expect(await stored(before)).toEqual({ a: all, b: liveTimes, c: oldTimes });

    // Crashed (no close) and reopened: the records are applied again, and the head's backfill is back.
    const { shard: again, metrics: m1 } = await openShard(dir, 'bus');
    expect(again.startPosition()).toEqual({ offset: durable });
    apply(again, durable, 31);
    for (let k = 0; k < 12; k++) again.append(31 + k, old(k));
    expect(await stored(again)).toEqual({ a: all, b: liveTimes, c: oldTimes });
    expect((await m1.samplesRejected.get()).values).toEqual([]);
  });

  it('after a crash, counts backfill its blocks hold already as replayed and writes no block twice', async () => {
    const dir = newDir();
    const { shard: before } = await openShard(dir, 'bus', { backfillFlushSamples: 10 });
    apply(before, 0, 31);
    const old = (k: number): SampleBatch => ({ series: ['a', 'c'].map((i) => ({ labels: { __name__: 'm', i }, timestamps: [k * 600_000 + 1], values: [-k], stale: [] })) });
    for (let k = 0; k < 12; k++) before.append(31 + k, old(k));
    before.appendedOffset = 43;
    await before.flush();
    // More backfill than backfillFlushSamples: in blocks of its own now, so the durable offset
    // is the first record of the head's in-order range again.
    expect(before.tsdb.head.backfillHeld).toBe(0);
    expect(before.durableOffset).toBe(24);
    const blocks = before.tsdb.listBlocks().length;

    const { shard: again, metrics } = await openShard(dir, 'bus', { backfillFlushSamples: 10 });
    apply(again, 24, 31);
    for (let k = 0; k < 12; k++) again.append(31 + k, old(k));
    again.appendedOffset = 43;
    await again.flush();
    expect(await counter(metrics.samplesReplayed)).toBe(24);
    expect(again.tsdb.head.backfillHeld).toBe(0);
    expect(again.tsdb.listBlocks().length).toBe(blocks);
    const oldTimes = Array.from({ length: 12 }, (_, k) => k * 600_000 + 1);
    const liveTimes = Array.from({ length: 31 }, (_, k) => k * 600_000);
    expect(await stored(again)).toEqual({ a: [...liveTimes, ...oldTimes].sort((x, y) => x - y), b: liveTimes, c: oldTimes });
  });

  it('after a crash, counts backfill native histograms its blocks hold already as replayed and writes no block twice', async () => {
    const dir = newDir();
    const hist = (k: number) => new FloatHistogram({ schema: 0, count: k + 2, sum: k, zeroCount: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [k + 1] });
    const old = (k: number): SampleBatch => ({
      series: [{ labels: { __name__: 'm', i: 'h' }, timestamps: [], values: [], stale: [], histograms: { timestamps: [k * 600_000 + 1], histograms: [hist(k)] } }],
    });
    const { shard: before } = await openShard(dir, 'bus', { backfillFlushSamples: 10 });
    apply(before, 0, 31);
    for (let k = 0; k < 12; k++) before.append(31 + k, old(k));
    before.appendedOffset = 43;
    await before.flush();
    // In blocks of their own now: the durable offset is the first record of the head's range.
    expect(before.tsdb.head.backfillHeld).toBe(0);
    expect(before.durableOffset).toBe(24);
    const blocks = before.tsdb.listBlocks().length;

    const { shard: again, metrics } = await openShard(dir, 'bus', { backfillFlushSamples: 10 });
    apply(again, 24, 31);
    for (let k = 0; k < 12; k++) again.append(31 + k, old(k));
    again.appendedOffset = 43;
    await again.flush();
    expect(await counter(metrics.samplesReplayed)).toBe(12);
    expect(again.tsdb.head.backfillHeld).toBe(0);
    expect(again.tsdb.listBlocks().length).toBe(blocks);
    const set = await again.tsdb.querier(-Infinity, Infinity).select([{ name: 'i', type: '=', value: 'h' }], { start: -Infinity, end: Infinity });
    expect(Array.from(set.series[0].timestamps)).toEqual(Array.from({ length: 12 }, (_, k) => k * 600_000 + 1));
    expect(Array.from(set.series[0].histograms!, (h) => h!.count)).toEqual(Array.from({ length: 12 }, (_, k) => k + 2));
  });

  it('takes over a write-ahead log a file-mode run left, and deletes it once blocks hold all it held', async () => {
    const dir = newDir();
    const { shard: fileMode } = await openShard(dir, 'file');
    apply(fileMode, 0, 10);
    await fileMode.close();
    expect(existsSync(join(dir, 'wal'))).toBe(true);
    const { shard } = await openShard(dir, 'bus');
    // The file mode made records up to 10 durable; their samples are in the head again, from the log.
    expect(shard.startPosition()).toEqual({ offset: 10 });
    apply(shard, 10, 20); // up to 3h10m: [0, 2h) is cut, which holds everything the log held
    await shard.flush();
    expect(existsSync(join(dir, 'wal'))).toBe(false);
    expect(shard.durableOffset).toBe(12);
    const times = Array.from({ length: 20 }, (_, k) => k * 600_000);
    expect(await stored(shard)).toEqual({ a: times, b: times });
  });

  it('keeps the durable offset of a file-mode run while the write-ahead log it left is not yet in blocks', async () => {
    const dir = newDir();
    const { shard: fileMode } = await openShard(dir, 'file');
    apply(fileMode, 0, 10);
    await fileMode.close();
    const { shard } = await openShard(dir, 'bus');
    apply(shard, 10, 12);
    await shard.flush();
    expect(shard.durableOffset).toBe(10);
    expect(existsSync(join(dir, 'wal'))).toBe(true);
  });

  it('moves its durable offset to the head checkpoint it writes, and after a crash opens the checkpoint and applies the partition from there', async () => {
    const dir = newDir();
    const { shard: before, metrics: m0 } = await openShard(dir, 'bus', {}, 1);
    apply(before, 0, 12); // 0 .. 1h50m: no block is cut
    await new Promise((r) => setTimeout(r, 2));
    await before.flush();
    expect(before.tsdb.listBlocks()).toEqual([]);
    expect(before.durableOffset).toBe(12);
    expect(await counter(m0.headCheckpoints)).toBe(1);
    apply(before, 12, 15); // applied, never flushed: the crash comes first

    const { shard: after, metrics } = await openShard(dir, 'bus', {}, 1);
    expect(after.startPosition()).toEqual({ offset: 12 });
    apply(after, 12, 20);
    const times = Array.from({ length: 20 }, (_, k) => k * 600_000);
    expect(await stored(after)).toEqual({ a: times, b: times });
    expect(await counter(metrics.samplesAppended)).toBe(2 * (20 - 12));
    expect(await counter(metrics.samplesReplayed)).toBe(0);
    expect((await metrics.samplesRejected.get()).values).toEqual([]);
  });

  it('writes a head checkpoint on close whatever its interval, and none while the interval has not passed', async () => {
    const dir = newDir();
    const { shard } = await openShard(dir, 'bus', {}, H);
    apply(shard, 0, 5);
    await shard.flush();
    expect(shard.durableOffset).toBe(0);
    await shard.close();
    const { shard: again } = await openShard(dir, 'bus', {}, H);
    expect(again.startPosition()).toEqual({ offset: 5 });
    expect(again.recovered).toBe(true);
    const times = Array.from({ length: 5 }, (_, k) => k * 600_000);
    expect(await stored(again)).toEqual({ a: times, b: times });
  });

  it('starts from its checkpoint when a crash came between the checkpoint and the offset file, and holds every sample once', async () => {
    const dir = newDir();
    const { shard: before } = await openShard(dir, 'bus', {}, 1);
    apply(before, 0, 6);
    await new Promise((r) => setTimeout(r, 2));
    await before.flush();
    const offsetFile = readFileSync(join(dir, 'offset.json'), 'utf8');
    apply(before, 6, 10);
    await new Promise((r) => setTimeout(r, 2));
    await before.flush();
    expect(before.durableOffset).toBe(10);
    // The offset file as it was before the second checkpoint: its write is what the crash cut off.
    writeFileSync(join(dir, 'offset.json'), offsetFile);

    const { shard: after, metrics } = await openShard(dir, 'bus', {}, 1);
    expect(after.startPosition()).toEqual({ offset: 10 });
    apply(after, 10, 14);
    const times = Array.from({ length: 14 }, (_, k) => k * 600_000);
    expect(await stored(after)).toEqual({ a: times, b: times });
    expect(await counter(metrics.samplesReplayed)).toBe(0);
  });

  it('after a crash between a block cut and the checkpoint after it, stores no sample twice', async () => {
    const dir = newDir();
    const { shard: before } = await openShard(dir, 'bus', {}, 1);
    apply(before, 0, 12);
    await new Promise((r) => setTimeout(r, 2));
    await before.flush();
    expect(before.durableOffset).toBe(12);
    // The next flush cuts [0, 2h); the checkpoint it writes after the cut is deleted again, as if
    // the kill had come between the two.
    const first = readdirSync(dir).filter((f) => f.startsWith('head-checkpoint.'));
    const saved = join(dir, first[0]);
    const copy = join(newDir(), 'checkpoint');
    cpSync(saved, copy, { recursive: true });
    apply(before, 12, 20);
    await before.flush();
    expect(before.tsdb.listBlocks()).toHaveLength(1);
    for (const f of readdirSync(dir).filter((x) => x.startsWith('head-checkpoint.'))) rmSync(join(dir, f), { recursive: true });
    cpSync(copy, saved, { recursive: true });
    writeFileSync(join(dir, 'offset.json'), JSON.stringify({ version: 1, offset: 12 }));

    const { shard: after, metrics } = await openShard(dir, 'bus', {}, 1);
    expect(after.startPosition()).toEqual({ offset: 12 });
    // The head gave up what the block holds (else a later cut would write it into a block again).
    expect(after.tsdb.head.minTime()).toBeGreaterThanOrEqual(2 * H);
    expect(after.tsdb.head.backfillHeld).toBe(0);
    apply(after, 12, 22);
    await after.flush();
    const times = Array.from({ length: 22 }, (_, k) => k * 600_000);
    expect(await stored(after)).toEqual({ a: times, b: times });
    expect(after.tsdb.listBlocks()).toHaveLength(1);
    expect((await metrics.samplesRejected.get()).values).toEqual([]);
  });
});
