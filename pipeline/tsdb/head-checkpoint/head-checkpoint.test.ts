import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { LabelMatcher } from '../querier.js';
import { persistHeadRange } from '../compact/index.js';
import { Tsdb } from '../tsdb.js';
import { ENCODING_XOR, encodedSampleCount } from '../chunks/index.js';
import { CHUNKS_FILE_KIND, OPEN_FILE_KIND, SERIES_FILE_KIND } from './checkpoint-manifest.js';
import { readRecordFile } from './record-file.js';

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

/** The newest checkpoint's directory and `checkpoint.json`. */
function manifest(dir: string): { name: string; dir: string; chunks: { file: string; maxT: number }[]; series: string[]; open: string | null } {
  const name = readdirSync(dir).filter((f) => /^head-checkpoint\.\d{8}$/.test(f)).sort().at(-1)!;
  const doc = JSON.parse(readFileSync(join(dir, name, 'checkpoint.json'), 'utf8')) as { chunks: { file: string; maxT: number }[]; series: string[]; open: string | null };
  return { name, dir: join(dir, name), chunks: doc.chunks, series: doc.series, open: doc.open };
}

/** Series and chunks in a chunk file. */
function chunkCount(file: string): { series: number; chunks: number } {
  const out = { series: 0, chunks: 0 };
  readRecordFile(file, CHUNKS_FILE_KIND, (r) => {
    r.uvarint();
    out.series++;
    for (let n = r.uvarint(); n > 0; n--) {
      r.byte();
      r.varint();
      r.uvarint();
      const len = r.uvarint();
      r.pos += len;
      out.chunks++;
    }
  });
  return out;
}

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

/**
 * `after` holds the lines of `before`. Counts first: a restore gone wrong can give hundreds of
 * thousands of lines, and diffing those against `before` took minutes instead of failing.
 */
function expectSameDump(after: string[], before: string[]): void {
  expect(after.length).toBe(before.length);
  expect(after).toEqual(before);
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
    expectSameDump(await dump(again), before);
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
    expectSameDump(await dump(logged), before);
    await logged.close();
    const replayed = await Tsdb.open(dir, { blockRangeMs: 2 * H });
    expectSameDump(await dump(replayed), before);
    await replayed.close();
  });

  it('write a closed chunk once: a later checkpoint links the files before it and writes what changed since', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    // 200 samples a series: one closed chunk (120) and an open one.
    for (let t = 0; t < 200; t++) for (let i = 0; i < 30; i++) db.append({ __name__: 'up', i: String(i) }, t * 15_000, t + i);
    await db.flush({ position: 1, due: true });
    const first = manifest(dir);
    expect(first.chunks).toHaveLength(1);
    expect(first.open).toBe('open');
    expect(first.series).toEqual(['series.00000001']);
    const firstChunks = statSync(join(first.dir, first.chunks[0].file)).ino;
    const firstSeries = statSync(join(first.dir, 'series.00000001')).ino;
    // 60 more: the open chunk closes (120 samples) and a new one opens.
    for (let t = 200; t < 260; t++) for (let i = 0; i < 30; i++) db.append({ __name__: 'up', i: String(i) }, t * 15_000, t + i);
    await db.flush({ position: 2, due: true });
    const second = manifest(dir);
    expect(second.chunks.map((p) => p.file)).toEqual(['chunks.00000001', 'chunks.00000002']);
    expect(second.chunks).toHaveLength(2);
    // The first chunk file and the series' labels are the same files (linked); the second holds only the chunks closed since.
    const [old, added] = second.chunks;
    expect(statSync(join(second.dir, old.file)).ino).toBe(firstChunks);
    expect(second.series).toEqual(['series.00000001']);
    expect(statSync(join(second.dir, 'series.00000001')).ino).toBe(firstSeries);
    expect(readdirSync(dir).filter((f) => f.startsWith('head-checkpoint.'))).toEqual([second.name]);
    expect(chunkCount(join(second.dir, added.file))).toEqual({ series: 30, chunks: 30 });
    expect(chunkCount(join(second.dir, old.file))).toEqual({ series: 30, chunks: 30 });
    // Nothing closed since, one new series: no chunk file is written, a series file names the new one.
    db.append({ __name__: 'up', i: '0' }, 260 * 15_000, 1);
    db.append({ __name__: 'up', i: 'new' }, 260 * 15_000, 1);
    await db.flush({ position: 3, due: true });
    expect(manifest(dir).chunks.map((p) => p.file)).toEqual(second.chunks.map((p) => p.file));
    expect(manifest(dir).series).toEqual(['series.00000001', 'series.00000003']);
    const before = await dump(db);
    expect(before).toHaveLength(30 * 260 + 2);
    await db.close();

    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.headCheckpointPosition).toBe(3);
    expect(again.restoredFromCheckpoint).toBe(before.length);
    expectSameDump(await dump(again), before);
    await again.close();
  });

  it('write a series with out-of-order samples as its open chunk and those samples, which a restore merges with its closed chunks', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    // Two closed chunks (120 each) and an open one of 60.
    for (let t = 0; t < 300; t++) db.append({ __name__: 'bf' }, t * 15_000, t);
    // 130 out of order: a full out-of-order chunk (120) and 10 held unencoded, one a staleness
    // marker; and one at a stored timestamp that takes precedence (the larger value).
    for (let t = 0; t < 130; t++) db.append({ __name__: 'bf' }, t * 15_000 + 1, t === 125 ? 0 : -t, t === 125);
    db.append({ __name__: 'bf' }, 10 * 15_000, 1000);
    await db.flush({ position: 1, due: true });
    const written = manifest(dir);
    let openSamples = 0;
    readRecordFile(join(written.dir, written.open!), OPEN_FILE_KIND, (r) => {
      r.uvarint();
      for (let n = r.uvarint(); n > 0; n--) {
        r.byte();
        r.varint();
        r.uvarint();
        const len = r.uvarint();
        openSamples += encodedSampleCount(r.buf.subarray(r.pos, r.pos + len));
        r.pos += len;
      }
    });
    // Not the closed chunks again: the open chunk (60), the out-of-order chunk (120) and the rest.
    expect(openSamples).toBe(60 + 120 + 11);
    expect(chunkCount(join(written.dir, written.chunks[0].file))).toEqual({ series: 1, chunks: 2 });
    const before = await dump(db);
    expect(before).toHaveLength(430);
    expect(before).toContain(`bf{} ${10 * 15_000}:1000`);
    expect(before).toContain(`bf{} ${125 * 15_000 + 1}:stale`);
    await db.close();

    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.restoredFromCheckpoint).toBe(430);
    expectSameDump(await dump(again), before);
    await again.close();
  });

  it('link no chunk file a cut has left without chunks in the head', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { ...NO_LOG, blockRangeMs: H });
    // 15 s samples: a chunk closes every 30 minutes (120 samples).
    for (let t = 0; t < 240; t++) db.append({ __name__: 'x' }, t * 15_000, t);
    await db.flush({ position: 1, due: true });
    expect(manifest(dir).chunks).toHaveLength(1);
    for (let t = 240; t < 400; t++) db.append({ __name__: 'x' }, t * 15_000, t);
    // The head spans more than 1.5 ranges: the first hour is cut, and the chunks of the first chunk file with it.
    await db.flush({ position: 2, due: false });
    expect(db.listBlocks()).toHaveLength(1);
    const after = manifest(dir);
    expect(after.chunks.map((p) => p.file)).toEqual(['chunks.00000002']);
    expect(after.chunks.every((p) => p.maxT >= H)).toBe(true);
    expect(existsSync(join(after.dir, 'chunks.00000001'))).toBe(false);
    const before = await dump(db);
    await db.close();
    const again = await Tsdb.open(dir, { ...NO_LOG, blockRangeMs: H });
    expectSameDump(await dump(again), before);
    expect(again.restoredFromCheckpoint).toBe(400 - 240);
    await again.close();
  });

  it('write a base after a cut that leaves a linked chunk file holding chunks the block holds too', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { ...NO_LOG, blockRangeMs: H });
    // 5 s samples, written at once as history is: a chunk closes every 10 minutes, and the first
    // chunk file holds the chunks of the first 80 minutes, on both sides of the first hour.
    for (let t = 0; t < 960; t++) db.append({ __name__: 'x' }, t * 5_000, t);
    await db.flush({ position: 1, due: true });
    expect(db.listBlocks()).toHaveLength(0);
    expect(chunkCount(join(manifest(dir).dir, 'chunks.00000001'))).toEqual({ series: 1, chunks: 7 });
    for (let t = 960; t < 1200; t++) db.append({ __name__: 'x' }, t * 5_000, t);
    await db.flush({ position: 2, due: false });
    expect(db.listBlocks()).toHaveLength(1);
    // Linked, the first file would keep the six chunks of the first hour beside the block.
    const after = manifest(dir);
    expect(after.chunks.map((p) => p.file)).toEqual(['chunks.00000002']);
    expect(chunkCount(join(after.dir, 'chunks.00000002'))).toEqual({ series: 1, chunks: 3 });
    // The next checkpoint links again.
    for (let t = 1200; t < 1330; t++) db.append({ __name__: 'x' }, t * 5_000, t);
    await db.flush({ position: 3, due: true });
    expect(manifest(dir).chunks.map((p) => p.file)).toEqual(['chunks.00000002', 'chunks.00000003']);
    const before = await dump(db);
    await db.close();
    const again = await Tsdb.open(dir, { ...NO_LOG, blockRangeMs: H });
    expectSameDump(await dump(again), before);
    expect(again.restoredFromCheckpoint).toBe(1330 - 720);
    await again.close();
  });

  it('write every closed chunk again after a deletion rewrote series', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    for (let t = 0; t < 300; t++) for (let i = 0; i < 3; i++) db.append({ __name__: 'up', i: String(i) }, t * 15_000, t);
    await db.flush({ position: 1, due: true });
    const first = manifest(dir);
    await db.deleteSeries([{ name: 'i', type: '=', value: '1' }], 0, 150 * 15_000);
    await db.flush({ position: 2, due: true });
    const second = manifest(dir);
    expect(first.chunks.map((p) => p.file)).toEqual(['chunks.00000001']);
    expect(second.chunks.map((p) => p.file)).toEqual(['chunks.00000002']);
    expect(second.series).toEqual(['series.00000002']);
    const before = await dump(db);
    expect(before.filter((l) => l.startsWith('up{1}'))).toHaveLength(300 - 151);
    await db.close();
    const again = await Tsdb.open(dir, NO_LOG);
    expectSameDump(await dump(again), before);
    await again.close();
  });

  it('yield to the event loop between slices of series, so that timers run while a checkpoint is written', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { ...NO_LOG, headCheckpointSeriesPerPart: 100 });
    for (let i = 0; i < 1000; i++) for (let t = 0; t < 10; t++) db.append({ __name__: 'up', i: String(i) }, t * 15_000, t);
    const order: string[] = [];
    const written = db.flush({ position: 1, due: true }).then(() => order.push('checkpoint'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    order.push('timer');
    await written;
    expect(order).toEqual(['timer', 'checkpoint']);
    // A flush asked for meanwhile waits for the checkpoint being written, then writes its own.
    db.append({ __name__: 'up', i: '0' }, 10 * 15_000, 10);
    const one = db.flush({ position: 2, due: true });
    const two = db.flush({ position: 3, due: true });
    await Promise.all([one, two]);
    expect(db.headCheckpointPosition).toBe(3);
    expect(db.stats().headCheckpoints).toBe(3);
    await db.close();
    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.restoredFromCheckpoint).toBe(10_001);
    await again.close();
  });

  it('drop a checkpoint a deletion overtook while it was written, and keep the one before', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { ...NO_LOG, headCheckpointSeriesPerPart: 100 });
    for (let i = 0; i < 1000; i++) for (let t = 0; t < 10; t++) db.append({ __name__: 'up', i: String(i) }, t * 15_000, t);
    await db.flush({ position: 1, due: true });
    const written = db.flush({ position: 2, due: true });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await db.deleteSeries([{ name: 'i', type: '=', value: '999' }], 0, 15_000);
    await written;
    expect(db.headCheckpointPosition).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith('head-checkpoint.'))).toEqual(['head-checkpoint.00000001']);
    // The next one writes the head as it is now.
    await db.flush({ position: 3, due: true });
    const before = await dump(db);
    expect(before).toHaveLength(10_000 - 2);
    await db.close();
    const again = await Tsdb.open(dir, NO_LOG);
    expectSameDump(await dump(again), before);
    await again.close();
  });

  it('read a version-1 checkpoint (the whole head as one block)', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    fill(db);
    const before = await dump(db);
    const cp = join(dir, 'head-checkpoint.00000007');
    mkdirSync(cp);
    const block = persistHeadRange(db.head, cp, db.head.minTime(), db.head.maxT + 1).ulid;
    writeFileSync(join(cp, 'checkpoint.json'), JSON.stringify({ version: 1, position: 11, maxT: db.head.maxT, block, sources: [] }));
    await db.close();
    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.headCheckpointPosition).toBe(11);
    expectSameDump(await dump(again), before);
    // The next checkpoint is written in the current version, and the old one goes.
    await again.flush({ position: 12, due: true });
    expect(readdirSync(dir).filter((f) => f.startsWith('head-checkpoint.'))).toEqual(['head-checkpoint.00000008']);
    expect(manifest(dir).open).toBe('open');
    await again.close();
  });

  it('read a version-2 checkpoint (record files uncompressed)', async () => {
    // Written by version 2 from the head fill() makes, then flush({ position: 42, due: true }).
    const dir = tmp();
    cpSync(new URL('./testdata/v2-checkpoint', import.meta.url), dir, { recursive: true });
    const expected = await Tsdb.open(tmp(), NO_LOG);
    fill(expected);
    const before = await dump(expected);
    await expected.close();
    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.headCheckpointPosition).toBe(42);
    expect(again.restoredFromCheckpoint).toBe(before.length);
    expectSameDump(await dump(again), before);
    await again.flush({ position: 43, due: true });
    const doc = JSON.parse(readFileSync(join(manifest(dir).dir, 'checkpoint.json'), 'utf8')) as { version: number };
    expect(doc.version).toBe(3);
    await again.close();
  });

  it('write its files compressed, and restore the same samples from them', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    let labelBytes = 0;
    for (let i = 0; i < 500; i++) {
      const labels = { __name__: 'node_filesystem_avail_bytes', i: String(i), instance: `host-${i % 50}.example.org:9100`, job: 'node', mountpoint: `/srv/volume-${i % 10}`, fstype: 'ext4' };
      for (const n in labels) labelBytes += n.length + labels[n as keyof typeof labels].length;
      // Closed chunks and an open one of 70 samples, values with two decimals.
      for (let t = 0; t < 310; t++) db.append(labels, t * 15_000, 1000 + i + t * 0.25);
    }
    await db.flush({ position: 5, due: true });
    const written = manifest(dir);
    const seriesFile = join(written.dir, written.series[0]);
    expect(readFileSync(seriesFile).readUInt32BE(0)).toBe(SERIES_FILE_KIND.brotli);
    expect(statSync(seriesFile).size).toBeLessThan(labelBytes / 4);
    expect(readFileSync(join(written.dir, written.chunks[0].file)).readUInt32BE(0)).toBe(CHUNKS_FILE_KIND.brotli);
    expect(readFileSync(join(written.dir, written.open!)).readUInt32BE(0)).toBe(OPEN_FILE_KIND.brotli);
    // The records read back as uncompressed ones do: every series named once.
    let named = 0;
    readRecordFile(seriesFile, SERIES_FILE_KIND, (r) => {
      r.uvarint();
      for (let n = r.uvarint(); n > 0; n--) {
        r.str();
        r.str();
      }
      named++;
    });
    expect(named).toBe(500);
    const encodings = new Map<number, number>();
    let openSamples = 0;
    readRecordFile(join(written.dir, written.open!), OPEN_FILE_KIND, (r) => {
      r.uvarint();
      for (let n = r.uvarint(); n > 0; n--) {
        const encoding = r.byte();
        encodings.set(encoding, (encodings.get(encoding) ?? 0) + 1);
        r.varint();
        r.uvarint();
        const len = r.uvarint();
        openSamples += encodedSampleCount(r.buf.subarray(r.pos, r.pos + len));
        r.pos += len;
      }
    });
    expect(encodings).toEqual(new Map([[ENCODING_XOR, 500]]));
    expect(openSamples).toBe(500 * 70);
    const before = await dump(db);
    expect(before).toHaveLength(500 * 310);
    await db.close();

    const again = await Tsdb.open(dir, NO_LOG);
    expect(again.restoredFromCheckpoint).toBe(500 * 310);
    expectSameDump(await dump(again), before);
    // The open chunk goes on from its last sample as it would have.
    again.append({ __name__: 'node_filesystem_avail_bytes', i: '7', instance: 'host-7.example.org:9100', job: 'node', mountpoint: '/srv/volume-7', fstype: 'ext4' }, 310 * 15_000, 1);
    expect(again.head.maxT).toBe(310 * 15_000);
    await again.close();
  });

  it('refuse a series file whose compressed frame does not decompress', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, NO_LOG);
    fill(db);
    await db.flush({ position: 1, due: true });
    await db.close();
    const written = manifest(dir);
    const file = join(written.dir, written.series[0]);
    const bytes = readFileSync(file);
    // Garbage in place of the series file's brotli stream, with a checksum that matches it.
    const len = bytes.readUInt32BE(4);
    bytes.fill(0xff, 8, 8 + len);
    bytes.writeUInt32BE(crc32(bytes.subarray(8, 8 + len)), 8 + len);
    writeFileSync(file, bytes);
    await expect(Tsdb.open(dir, NO_LOG)).rejects.toThrow(/does not decompress/);
  });

  it('refuse a checkpoint request on a TSDB with a write-ahead log', async () => {
    const db = await Tsdb.open(tmp(), { blockRangeMs: 2 * H });
    db.append({ __name__: 'x' }, 1000, 1);
    await expect(db.flush({ position: 1, due: true })).rejects.toThrow(/without a write-ahead log/);
    await db.close();
  });
});
