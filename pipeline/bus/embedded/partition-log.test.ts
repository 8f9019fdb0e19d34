import { constants } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogWriteError } from './errors.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';
import { encodeFrame } from './record-frame.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tidemark-plog-'));
  dirs.push(d);
  return d;
}

function options(over: Partial<PartitionLogOptions> = {}, logs: string[] = []): PartitionLogOptions {
  return {
    segmentBytes: 1 << 20,
    compression: 'none',
    indexIntervalBytes: 128,
    maxRecordBytes: 1 << 20,
    now: () => 1_000_000,
    log: (level, msg, fields) => logs.push(`${level} ${msg} ${JSON.stringify(fields)}`),
    ...over,
  };
}

const value = (i: number) => Buffer.from(`record-${i}-${'x'.repeat((i * 37) % 90)}`);

async function fill(log: PartitionLog, n: number, from = 0, ts?: (i: number) => number): Promise<void> {
  for (let i = from; i < from + n; i++) await log.append([{ partition: 0, value: value(i), timestampMs: ts?.(i) }]);
}

async function readAll(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  let at = log.low;
  while (at < log.high) {
    const { records, next } = await log.read(at, 4096);
    out.push(...records.map((r) => `${r.offset}:${r.value.toString()}`));
    at = next;
  }
  return out;
}

const expected = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `${from + k}:${value(from + k).toString()}`);

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
}

describe('PartitionLog recovery', () => {
  it('keeps every complete record when random bytes are chopped off the end, and appends after them', async () => {
    for (let trial = 0; trial < 12; trial++) {
      const dir = await tempDir();
      const log = await PartitionLog.open(dir, 't', 0, options());
      await fill(log, 20);
      const file = join(dir, (await segmentFiles(dir))[0]);
      await log.close();
      const full = (await stat(file)).size;
      const cut = 1 + Math.floor(Math.random() * Math.min(full - 1, 400));
      await truncate(file, full - cut);
      const logs: string[] = [];
      const reopened = await PartitionLog.open(dir, 't', 0, options({}, logs));
      const kept = reopened.high;
      expect(kept).toBeLessThan(20);
      expect(await readAll(reopened)).toEqual(expected(0, kept));
      // A cut inside a record is repaired (and logged); a cut on a record boundary needs nothing.
      const repaired = (await stat(file)).size;
      expect(repaired).toBeLessThanOrEqual(full - cut);
      expect(logs.some((l) => l.includes('truncating torn'))).toBe(repaired < full - cut);
      await fill(reopened, 3, kept);
      await reopened.close();
      const logs2: string[] = [];
      const again = await PartitionLog.open(dir, 't', 0, options({}, logs2));
      expect(await readAll(again)).toEqual(expected(0, kept + 3));
      expect(logs2).toEqual([]);
      await again.close();
    }
  });

  it('drops only the last record when one of its bytes is flipped, and logs the truncation', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options());
    await fill(log, 10);
    await log.close();
    const file = join(dir, (await segmentFiles(dir))[0]);
    const bytes = await readFile(file);
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(file, bytes);
    const logs: string[] = [];
    const reopened = await PartitionLog.open(dir, 't', 0, options({}, logs));
    expect(reopened.high).toBe(9);
    expect(await readAll(reopened)).toEqual(expected(0, 9));
    expect(logs.filter((l) => l.startsWith('warn embedded bus: truncating torn'))).toHaveLength(1);
    expect(logs[0]).toContain('checksum mismatch');
    await reopened.close();
  });

  it('rolls segments, reopens sealed ones from their index, and rebuilds a missing or damaged index', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 600 }));
    await fill(log, 60);
    expect(log.segmentCount).toBeGreaterThan(3);
    await log.close();
    const indexes = (await readdir(dir)).filter((n) => n.endsWith('.index')).sort();
    expect(indexes.length).toBe((await segmentFiles(dir)).length - 1);
    await rm(join(dir, indexes[0]));
    await writeFile(join(dir, indexes[1]), Buffer.from('garbage!'));
    const logs: string[] = [];
    const reopened = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 600 }, logs));
    expect(logs).toEqual([]);
    expect(await readAll(reopened)).toEqual(expected(0, 60));
    for (let i = 0; i < 60; i += 7) {
      const { records } = await reopened.read(i, 1);
      expect(records[0].offset).toBe(i);
      expect(records[0].value.toString()).toBe(value(i).toString());
    }
    await reopened.close();
  });

  it('finds the first offset at or after a timestamp across segments, with timestamps out of order', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 500 }));
    // 1000, 1010, ..., with a late-arriving older record every 10th
    const ts = (i: number) => (i % 10 === 9 ? 1000 + (i - 20) * 10 : 1000 + i * 10);
    await fill(log, 50, 0, ts);
    for (const t of [0, 1000, 1005, 1250, 1490, 1500]) {
      let want = 50;
      for (let i = 0; i < 50; i++) if (ts(i) >= t) { want = i; break; }
      expect(await log.offsetForTimestamp(t)).toBe(want);
    }
    await log.close();
  });

  it('retention deletes whole old segments by size and by age and moves the low watermark', async () => {
    const dir = await tempDir();
    let now = 1_000_000;
    const log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 500, now: () => now }));
    await fill(log, 40, 0, (i) => 1_000_000 + i * 1000);
    const segments = log.segmentCount;
    expect(await log.enforceRetention(-1, -1)).toBe(0);
    const deleted = await log.enforceRetention(-1, 1500);
    expect(deleted).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(segments - deleted);
    expect(log.sizeBytes).toBeLessThanOrEqual(1500 + 600);
    expect(log.low).toBeGreaterThan(0);
    expect(await readAll(log)).toEqual(expected(log.low, 40));
    // Everything older than 10 s at now = 1,050,000: records up to 1,039,000 are expired, so all go.
    now = 1_050_000;
    await log.enforceRetention(10_000, -1);
    expect(log.low).toBe(40);
    expect(log.high).toBe(40);
    expect(await segmentFiles(dir)).toEqual(['00000000000000000040.log']);
    await fill(log, 2, 40);
    expect(await readAll(log)).toEqual(expected(40, 42));
    await log.close();
  });

  it('retention releases segments wholly below a durable offset once older than the replay window', async () => {
    const dir = await tempDir();
    let now = 1_000_000;
    const log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 500, now: () => now }));
    await fill(log, 40, 0, (i) => 1_000_000 + i * 1000);
    const bases = (await segmentFiles(dir)).map((f) => Number(f.slice(0, 20)));
    expect(bases.length).toBeGreaterThan(3);
    // Within the window nothing goes, durable or not.
    expect(await log.enforceRetention(-1, -1, { belowOffset: 40, windowMs: 60_000 })).toBe(0);
    now = 1_100_000;
    // Past the window, only segments wholly below the durable offset go: the one holding it stays.
    const durable = bases[2] + 1;
    expect(await log.enforceRetention(-1, -1, { belowOffset: durable, windowMs: 60_000 })).toBe(2);
    expect(log.low).toBe(bases[2]);
    expect(await readAll(log)).toEqual(expected(bases[2], 40));
    // Everything durable: the active segment is rolled and goes too.
    expect(await log.enforceRetention(-1, -1, { belowOffset: 40, windowMs: 60_000 })).toBe(bases.length - 2);
    expect([log.low, log.high]).toEqual([40, 40]);
    await log.close();
  });

  it('rolls an active segment that starts with durable records older than the replay window, so they go once the rest is durable', async () => {
    const dir = await tempDir();
    let now = 1_000_000;
    const log = await PartitionLog.open(dir, 't', 0, options({ now: () => now }));
    await fill(log, 10, 0, (i) => 1_000_000 + i * 1000);
    expect(log.segmentCount).toBe(1);
    now = 1_100_000;
    // Records 0-4 durable: the segment is rolled, nothing deleted (5-9 are not durable).
    expect(await log.enforceRetention(-1, -1, { belowOffset: 5, windowMs: 60_000 })).toBe(0);
    expect(log.segmentCount).toBe(2);
    await fill(log, 2, 10, () => 1_100_000);
    expect(await log.enforceRetention(-1, -1, { belowOffset: 10, windowMs: 60_000 })).toBe(1);
    expect([log.low, log.high]).toEqual([10, 12]);
    expect(await readAll(log)).toEqual(expected(10, 12));
    await log.close();
  });

  it('gives concurrent appends distinct consecutive offsets and wakes a waiter once they are synced', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options());
    const waiter = log.waitFor(0);
    let woke = false;
    void waiter.promise.then(() => (woke = true));
    const firsts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.append([{ partition: 0, value: value(i) }, { partition: 0, value: value(i) }])),
    );
    expect([...firsts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(log.high).toBe(100);
    await Promise.resolve();
    expect(woke).toBe(true);
    await log.close();
  });
});

describe('PartitionLog compression', () => {
  // Sample-batch-like values: repetitive label text, big enough to be worth compressing.
  const big = (i: number) => Buffer.from(`${i}|` + `{__name__="node_cpu_seconds_total",cpu="${i % 8}",mode="idle"} ${i * 1.5}\n`.repeat(40));
  async function fillBig(log: PartitionLog, n: number, from = 0): Promise<void> {
    for (let i = from; i < from + n; i++) await log.append([{ partition: 0, value: big(i) }]);
  }
  async function readValues(log: PartitionLog): Promise<string[]> {
    const out: string[] = [];
    let at = log.low;
    while (at < log.high) {
      const { records, next } = await log.read(at, 4096);
      out.push(...records.map((r) => `${r.offset}:${r.value.toString()}`));
      at = next;
    }
    return out;
  }
  const bigExpected = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `${from + k}:${big(from + k).toString()}`);
  async function logBytes(dir: string): Promise<number> {
    let n = 0;
    for (const f of await segmentFiles(dir)) n += (await stat(join(dir, f))).size;
    return n;
  }

  it('stores gzip-compressed values in a fraction of their size and reads them back as produced, across segments and a reopen', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ compression: 'gzip', segmentBytes: 2048 }));
    await fillBig(log, 30);
    expect(await readValues(log)).toEqual(bigExpected(0, 30));
    await log.close();
    const raw = Array.from({ length: 30 }, (_, i) => big(i).length).reduce((a, b) => a + b, 0);
    expect(await logBytes(dir)).toBeLessThan(raw / 5);
    expect((await segmentFiles(dir)).length).toBeGreaterThan(1);
    const logs: string[] = [];
    const reopened = await PartitionLog.open(dir, 't', 0, options({ compression: 'gzip', segmentBytes: 2048 }, logs));
    expect(await readValues(reopened)).toEqual(bigExpected(0, 30));
    expect(logs).toEqual([]);
    await reopened.close();
  });

  it('reads records written under any compression setting, in offset order, whichever setting it runs with now', async () => {
    const dir = await tempDir();
    let n = 0;
    for (const compression of ['none', 'gzip', 'lz4', 'none', 'gzip'] as const) {
      const log = await PartitionLog.open(dir, 't', 0, options({ compression }));
      await fillBig(log, 5, n);
      n += 5;
      expect(await readValues(log)).toEqual(bigExpected(0, n));
      await log.close();
    }
    const bytes = await readFile(join(dir, (await segmentFiles(dir))[0]));
    // The first records (written without compression) are version 1 frames, the next version 2.
    expect(bytes[8]).toBe(1);
    expect(bytes.includes(Buffer.from('node_cpu_seconds_total'))).toBe(true);
  });

  it('keeps the order of produce calls although a large value is compressed while a small one is not', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ compression: 'gzip' }));
    const firsts = await Promise.all([
      log.append([{ partition: 0, value: big(0) }, { partition: 0, value: big(1) }]),
      log.append([{ partition: 0, value: Buffer.from('tiny') }]),
      log.append([{ partition: 0, value: big(3) }]),
    ]);
    expect(firsts).toEqual([0, 2, 3]);
    const values = (await log.read(0, 1 << 20)).records.map((r) => r.value.toString());
    expect(values).toEqual([big(0).toString(), big(1).toString(), 'tiny', big(3).toString()]);
    await log.close();
  });

  it('keeps every complete compressed record when the tail is cut inside one, and appends after them', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ compression: 'gzip' }));
    await fillBig(log, 10);
    await log.close();
    const file = join(dir, (await segmentFiles(dir))[0]);
    await truncate(file, (await stat(file)).size - 5);
    const logs: string[] = [];
    const reopened = await PartitionLog.open(dir, 't', 0, options({ compression: 'gzip' }, logs));
    expect(reopened.high).toBe(9);
    expect(await readValues(reopened)).toEqual(bigExpected(0, 9));
    expect(logs.filter((l) => l.startsWith('warn embedded bus: truncating torn'))).toHaveLength(1);
    await fillBig(reopened, 2, 9);
    expect(await readValues(reopened)).toEqual(bigExpected(0, 11));
    await reopened.close();
  });

  it('fails a read of a frame whose checksum holds but whose value does not inflate, naming the file, position and offset', async () => {
    const dir = await tempDir();
    const good = encodeFrame({ offset: 0, timestampMs: 1, key: null, headers: undefined, value: Buffer.from('plain') });
    const bad = encodeFrame({ offset: 1, timestampMs: 1, key: null, headers: undefined, value: Buffer.from('not gzip'), codec: 'gzip' });
    await writeFile(join(dir, '00000000000000000000.log'), Buffer.concat([good, bad]));
    const log = await PartitionLog.open(dir, 't', 0, options({ compression: 'gzip' }));
    expect(log.high).toBe(2);
    expect((await log.read(0, 1)).records.map((r) => r.value.toString())).toEqual(['plain']);
    await expect(log.read(1, 4096)).rejects.toThrow(new RegExp(`00000000000000000000\\.log is corrupt at byte ${good.length}: record at offset 1: its gzip value does not decompress`));
    await log.close();
  });
});

describe('PartitionLog records kept in memory', () => {
  const shape = (r: { offset: number; timestampMs: number; key: Buffer | null; value: Buffer; headers: Readonly<Record<string, Buffer>> }) => ({
    offset: r.offset,
    timestampMs: r.timestampMs,
    key: r.key?.toString('hex') ?? null,
    value: r.value.toString('hex'),
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString('hex')])),
  });

  it('hands a reader following the end the records a read of the file gives, compressed or not', async () => {
    for (const compression of ['none', 'lz4', 'gzip'] as const) {
      const dir = await tempDir();
      const log = await PartitionLog.open(dir, 't', 0, options({ compression, recentBytes: 1 << 20 }));
      for (let i = 0; i < 30; i++) {
        const value = Buffer.from(`${'v'.repeat(200)}-${i}`);
        await log.append([{ partition: 0, value, key: i % 2 === 0 ? Buffer.from(`k${i}`) : null, timestampMs: 5_000 + i, headers: i % 3 === 0 ? { h: Buffer.from([i]) } : undefined }]);
      }
      const fromMemory = (await log.read(12, 1 << 20)).records.map(shape);
      await log.close();
      const reopened = await PartitionLog.open(dir, 't', 0, options({ compression }));
      const fromFile = (await reopened.read(12, 1 << 20)).records.map(shape);
      await reopened.close();
      expect(fromMemory).toHaveLength(18);
      expect(fromMemory).toEqual(fromFile);
    }
  });

  it('reads what it no longer keeps from the file', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ recentBytes: 100 }));
    await fill(log, 40);
    expect(await readAll(log)).toEqual(expected(0, 40));
    await log.close();
  });

  it('lets the records it kept go once idle, and reads them from the file after', async () => {
    const dir = await tempDir();
    let now = 1_000_000;
    const log = await PartitionLog.open(dir, 't', 0, options({ recentBytes: 1 << 20, now: () => now }));
    const produced = Buffer.from('kept in memory');
    await log.append([{ partition: 0, value: produced, timestampMs: 5_000 }]);
    expect((await log.read(0, 1 << 20)).records[0].value).toBe(produced); // the produced buffer itself
    expect(await log.sealIfIdle(60_000, 1 << 20)).toBe(false);
    expect((await log.read(0, 1 << 20)).records[0].value).toBe(produced); // not idle yet
    now += 60_000;
    expect(await log.sealIfIdle(60_000, 1 << 20)).toBe(false); // too small to seal, idle all the same
    const { records } = await log.read(0, 1 << 20);
    expect(records[0].value).not.toBe(produced);
    expect(records[0].value.toString()).toBe('kept in memory');
    await log.close();
  });

  it('lets a record go once every reader took it, and reads it from the file after; a reader behind still gets it', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ recentBytes: 1 << 20 }));
    const produced = [Buffer.from('first'), Buffer.from('second')];
    await log.append(produced.map((value) => ({ partition: 0, value, timestampMs: 5_000 })));
    log.readerAt('rules', 1);
    log.readerAt('store', 2);
    expect((await log.read(1, 1 << 20)).records[0].value).toBe(produced[1]); // rules is behind: kept (the produced buffer itself)
    const passedByAll = (await log.read(0, 1 << 20)).records;
    expect(passedByAll[0].value).not.toBe(produced[0]); // from the file
    expect(passedByAll.map((r) => r.value.toString())).toEqual(['first', 'second']);
    log.readerAt('rules', 2);
    const { records } = await log.read(1, 1 << 20);
    expect(records[0].value).not.toBe(produced[1]);
    expect(records.map((r) => r.value.toString())).toEqual(['second']);
    await log.close();
  });

  it('holds nothing back for a reader it was told to forget', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ recentBytes: 1 << 20 }));
    const produced = Buffer.from('only');
    await log.append([{ partition: 0, value: produced, timestampMs: 5_000 }]);
    log.readerAt('rules', 0);
    log.readerAt('store', 1);
    expect((await log.read(0, 1 << 20)).records[0].value).toBe(produced);
    log.forgetReader('rules');
    log.readerAt('store', 1);
    const { records } = await log.read(0, 1 << 20);
    expect(records[0].value).not.toBe(produced);
    expect(records[0].value.toString()).toBe('only');
    await log.close();
  });

  it('hands over nothing that retention deleted', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 512, recentBytes: 1 << 20 }));
    await fill(log, 40);
    await log.enforceRetention(-1, 0);
    expect(log.low).toBeGreaterThan(0);
    const { records } = await log.read(0, 1 << 20);
    expect(records[0].offset).toBe(log.low);
    expect(records.map((r) => `${r.offset}:${r.value.toString()}`)).toEqual(expected(log.low, 40));
    await log.close();
  });
});

/** The open flags (/proc/self/fdinfo) of every descriptor this process holds on `file`. */
async function openFlags(file: string): Promise<number[]> {
  const out: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target !== file) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
    out.push(parseInt(/^flags:\s+([0-7]+)$/m.exec(info)![1], 8));
  }
  return out;
}

describe('PartitionLog group commit', () => {
  it('writes the active segment through a descriptor whose writes are synced, when created, after a roll and after a reopen', async () => {
    const dir = await tempDir();
    let log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 2048 }));
    const first = join(dir, (await segmentFiles(dir))[0]);
    expect(await openFlags(first)).toEqual([expect.any(Number)]);
    expect((await openFlags(first))[0] & constants.O_DSYNC).toBe(constants.O_DSYNC);
    await fill(log, 40);
    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThan(1);
    const active = join(dir, files[files.length - 1]);
    expect((await openFlags(active))[0] & constants.O_DSYNC).toBe(constants.O_DSYNC);
    await log.close();
    log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 2048 }));
    expect((await openFlags(active))[0] & constants.O_DSYNC).toBe(constants.O_DSYNC);
    // Sealed segments are only read.
    expect((await openFlags(first))[0] & (constants.O_DSYNC | constants.O_RDWR | constants.O_WRONLY)).toBe(0);
    expect(await readAll(log)).toEqual(expected(0, 40));
    await log.close();
  });

  it('writes a commit of more frames than one writev takes (1024) whole, in order', async () => {
    const dir = await tempDir();
    let log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 1 << 22 }));
    const calls = await Promise.all([0, 1000].map((from) => log.append(Array.from({ length: 1000 }, (_, i) => ({ partition: 0, value: value(from + i) })))));
    expect(calls).toEqual([0, 1000]);
    await log.close();
    log = await PartitionLog.open(dir, 't', 0, options({ segmentBytes: 1 << 22 }));
    expect(await readAll(log)).toEqual(expected(0, 2000));
    await log.close();
  });

  it('fails every append of a commit whose write fails, acknowledges none of them and wakes no reader', async () => {
    const dir = await tempDir();
    // A segment file that takes no bytes: every write to /dev/full fails with ENOSPC.
    await symlink('/dev/full', join(dir, `${'0'.repeat(20)}.log`));
    const logs: string[] = [];
    const log = await PartitionLog.open(dir, 't', 0, options({}, logs));
    const waiter = log.waitFor(0);
    let woke = false;
    void waiter.promise.then(() => (woke = true));
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => log.append([{ partition: 0, value: value(i) }])));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    for (const r of results) {
      const err = (r as PromiseRejectedResult).reason as LogWriteError;
      expect(err).toBeInstanceOf(LogWriteError);
      expect(err.message).toMatch(/ENOSPC/);
      expect(err.context).toMatchObject({ topic: 't', partition: 0 });
    }
    expect(log.high).toBe(0);
    expect((await log.read(0, 4096)).records).toEqual([]);
    expect(woke).toBe(false);
    expect(logs.some((l) => l.startsWith('error ') && l.includes('ENOSPC'))).toBe(true);
    waiter.cancel();
    await log.close();
  });
});
