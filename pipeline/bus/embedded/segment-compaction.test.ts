import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord, ProduceRecord } from '../bus.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';
import { compactionTempFile } from './segment-compaction.js';
import { encodeSampleBatch } from '../../../schemas/sample-batch-codec.js';
import { FRAME_PREFIX_BYTES } from './record-frame.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tidemark-compact-'));
  dirs.push(d);
  return d;
}

function options(over: Partial<PartitionLogOptions> = {}, logs: string[] = []): PartitionLogOptions {
  return {
    segmentBytes: 16 * 1024,
    compression: 'lz4',
    indexIntervalBytes: 512,
    maxRecordBytes: 1 << 20,
    now: () => 1_000_000,
    log: (level, msg, fields) => logs.push(`${level} ${msg} ${JSON.stringify(fields)}`),
    ...over,
  };
}

/** Sample-batch-like records: repeated label text across records, keys, headers, some empty values. */
function record(i: number): ProduceRecord {
  const series = Array.from({ length: 8 }, (_, s) => `node_cpu_seconds_total{instance="host-${s}:9100",mode="${['idle', 'user'][s % 2]}"} ${i * 15 + s}`).join('\n');
  return {
    partition: 0,
    key: i % 3 === 0 ? null : Buffer.from(`key-${i % 5}`),
    headers: i % 4 === 0 ? {} : { 'content-type': Buffer.from('text/plain'), seq: Buffer.from(String(i)) },
    value: i % 17 === 0 ? Buffer.alloc(0) : Buffer.from(`${i}|${series}`),
    timestampMs: i % 10 === 9 ? 1_000_000 + (i - 20) * 1000 : 1_000_000 + i * 1000,
  };
}

async function fill(log: PartitionLog, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 5) await log.append(Array.from({ length: Math.min(5, to - i) }, (_, k) => record(i + k)));
  // A roll follows the acknowledgement under the partition's lock; retention waits for it there.
  await log.enforceRetention(-1, -1);
}

/** Every record from `from` on, read in reads of `maxBytes`, as comparable text. */
async function readAll(log: PartitionLog, from = log.low, maxBytes = 4096): Promise<string[]> {
  const out: string[] = [];
  let at = from;
  while (at < log.high) {
    const { records, next } = await log.read(at, maxBytes);
    out.push(...records.map(show));
    at = next;
  }
  return out;
}

function show(r: BusRecord): string {
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
  return `${r.partition}:${r.offset}@${r.timestampMs} key=${r.key === null ? 'null' : r.key.toString('hex')} [${headers}] ${r.value.toString('hex')}`;
}

const pacing = { runBytes: 4096, afterRun: () => Promise.resolve(), stopped: () => false };

async function compactAll(log: PartitionLog): Promise<number> {
  let n = 0;
  for (let seg = await log.nextToCompact(); seg !== undefined; seg = await log.nextToCompact()) {
    if ((await log.compact(seg, pacing)) !== undefined) n++;
  }
  return n;
}

describe('segment compaction', () => {
  it('rewrites sealed segments smaller and reads back every record exactly as produced, from any offset', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options());
    await fill(log, 0, 600);
    const sealed = log.segmentCount - 1;
    expect(sealed).toBeGreaterThan(3);
    const before = await readAll(log);
    const sizeBefore = log.sizeBytes;
    const timestampAnswers = await Promise.all([0, 1_000_000, 1_250_500, 1_400_000, 2_000_000].map((t) => log.offsetForTimestamp(t)));

    expect(await compactAll(log)).toBe(sealed);
    expect(await log.nextToCompact()).toBeUndefined();
    expect(log.sizeBytes).toBeLessThan(sizeBefore / 2);
    expect(await readAll(log)).toEqual(before);
    expect(await readAll(log, log.low, 1 << 20)).toEqual(before);
    for (const from of [1, 37, 250, 333, 599]) expect(await readAll(log, from, 1)).toEqual(before.slice(from));
    expect(await Promise.all([0, 1_000_000, 1_250_500, 1_400_000, 2_000_000].map((t) => log.offsetForTimestamp(t)))).toEqual(timestampAnswers);

    // Appends go on after it, and a reopened log (sealed segments from their new index) holds the same.
    await fill(log, 600, 650);
    await log.close();
    const logs: string[] = [];
    const reopened = await PartitionLog.open(dir, 't', 0, options({}, logs));
    expect(logs).toEqual([]);
    const all = await readAll(reopened);
    expect(all.slice(0, 600)).toEqual(before);
    expect(all).toHaveLength(650);
    expect(await reopened.nextToCompact()).toBeUndefined();
    await reopened.close();
  });

  it('writes runs of sample batches in series-chunk form (frame version 5) and rebuilds every record as produced', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options());
    const labels = Array.from({ length: 30 }, (_, s) => ({ __name__: 'node_cpu_seconds_total', cpu: String(s), instance: 'host-1:9100', job: 'node', mode: 'idle' }));
    for (let step = 0; step < 200; step++) {
      const batch = encodeSampleBatch({ series: labels.map((l, s) => ({ labels: l, timestamps: [1_700_000_000_000 + step * 15_000], values: [s * 100 + step * 0.25], stale: [] })) }, 'remote-write');
      // Every tenth record is of another kind: it is kept as its frame inside the run.
      const value = step % 10 === 5 ? Buffer.from(`watermark ${step}`) : batch;
      await log.append([{ partition: 0, value, key: step % 3 === 0 ? Buffer.from('k') : null, timestampMs: 1_000_000 + step }]);
    }
    await log.enforceRetention(-1, -1);
    const sealed = log.segmentCount - 1;
    expect(sealed).toBeGreaterThan(2);
    const before = await readAll(log);
    const sizeBefore = log.sizeBytes;
    expect(await compactAll(log)).toBe(sealed);
    expect(log.sizeBytes).toBeLessThan(sizeBefore / 2); // the active segment (16 KiB) stays as written
    const first = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort()[0];
    expect((await readFile(join(dir, first)))[FRAME_PREFIX_BYTES]).toBe(5);
    expect(await readAll(log)).toEqual(before);
    for (const from of [1, 15, 99, 150]) expect(await readAll(log, from, 1)).toEqual(before.slice(from));
    await log.close();
  });

  it('leaves a crash at any step readable: a leftover copy is removed, a renamed copy with the old index is indexed again', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options());
    await fill(log, 0, 300);
    const before = await readAll(log);
    const seg = (await log.nextToCompact())!;
    const oldIndex = await stat(seg.indexFile).then(() => `${seg.indexFile}.old`);
    await copyFile(seg.indexFile, oldIndex);
    // A copy cut short, as a kill while it is written leaves it.
    await writeFile(compactionTempFile(seg), Buffer.from('half a run'));
    expect(await log.compact(seg, pacing)).toBeDefined();
    await log.close();
    // Killed after the rename, before the new index: the old index describes another file size.
    await copyFile(oldIndex, seg.indexFile);
    await rm(oldIndex);
    await writeFile(compactionTempFile(seg), Buffer.from('half a run'));
    const logs: string[] = [];
    const reopened = await PartitionLog.open(dir, 't', 0, options({}, logs));
    expect(logs).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readAll(reopened)).toEqual(before);
    await reopened.close();
  });

  it('keeps a segment as written when its copy would not be smaller, and does not try it again', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options({ compression: 'none', segmentBytes: 4096 }));
    for (let i = 0; i < 12; i++) await log.append([{ partition: 0, value: randomBytes(1000) }]);
    await log.enforceRetention(-1, -1);
    const before = await readAll(log);
    const files = await readdir(dir);
    expect(await compactAll(log)).toBe(0);
    expect(await log.nextToCompact()).toBeUndefined();
    expect(await readdir(dir)).toEqual(files);
    expect(await readAll(log)).toEqual(before);
    await log.close();
  });

  it('gives up without a trace when stopped, and retention deletes compacted segments as any other', async () => {
    const dir = await tempDir();
    const log = await PartitionLog.open(dir, 't', 0, options());
    await fill(log, 0, 400);
    const before = await readAll(log);
    const seg = (await log.nextToCompact())!;
    let runs = 0;
    const stopping = { runBytes: 1024, afterRun: () => Promise.resolve(void runs++), stopped: () => runs >= 2 };
    expect(await log.compact(seg, stopping)).toBeUndefined();
    expect(runs).toBe(2);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await log.nextToCompact()).toBe(seg);
    expect(await compactAll(log)).toBeGreaterThan(2);
    expect(await readAll(log)).toEqual(before);

    const deleted = await log.enforceRetention(-1, log.sizeBytes - 1);
    expect(deleted).toBe(1);
    expect(await readAll(log)).toEqual(before.slice(log.low));
    await log.close();
  });
});
