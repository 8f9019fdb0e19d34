import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogCompactor } from './log-compactor.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

let clock = 1_000_000;
const options: PartitionLogOptions = {
  segmentBytes: 8 * 1024,
  compression: 'lz4',
  indexIntervalBytes: 512,
  maxRecordBytes: 1 << 20,
  now: () => clock,
  log: () => undefined,
};

const value = (p: number, i: number) => Buffer.from(`partition ${p} record ${i}: up{job="node",instance="host-${i % 9}:9100"} 1\n`.repeat(4));

/** Partition `p` of a fresh directory, with `records` records appended ten at a time. */
async function partition(p: number, records: number): Promise<PartitionLog> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-compactor-'));
  dirs.push(dir);
  const log = await PartitionLog.open(dir, 't', p, options);
  for (let i = 0; i < records; i += 10) await log.append(Array.from({ length: Math.min(10, records - i) }, (_, k) => ({ partition: p, value: value(p, i + k) })));
  await log.enforceRetention(-1, -1); // waits for a roll the last append started
  return log;
}

async function values(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  for (let at = log.low; at < log.high; ) {
    const { records, next } = await log.read(at, 1 << 20);
    out.push(...records.map((r) => `${r.offset} ${r.value.toString()}`));
    at = next;
  }
  return out;
}

async function leftovers(log: PartitionLog): Promise<string[]> {
  return (await readdir(log.dir)).filter((n) => n.endsWith('.tmp'));
}

describe('LogCompactor', () => {
  it('compacts every sealed segment of every partition, and a stop during its pause leaves no trace', async () => {
    const logs = [await partition(0, 300), await partition(1, 300)];
    const expected = await Promise.all(logs.map(values));
    const sealed = logs.reduce((n, l) => n + l.segmentCount - 1, 0);
    expect(sealed).toBeGreaterThan(4);
    const errors: unknown[] = [];
    const settings = { logs: () => logs, runBytes: 2048, intervalMs: 3_600_000, idleMs: 3_600_000, onError: (_l: PartitionLog, err: unknown) => void errors.push(err) };

    // A share this small pauses for hours after the first run: stop must cut the pause short.
    const slow = new LogCompactor({ ...settings, cpuShare: 1e-5 });
    const pass = slow.compactPending();
    const first = logs[0];
    for (;;) {
      const tmp = await leftovers(first);
      if (tmp.length > 0 && (await stat(join(first.dir, tmp[0])).catch(() => undefined))?.size) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await slow.stop();
    expect(await pass).toBe(0);
    expect(await leftovers(first)).toEqual([]);
    expect(await first.nextToCompact()).toBeDefined();

    const compactor = new LogCompactor({ ...settings, cpuShare: 1 });
    const sizes = logs.map((l) => l.sizeBytes);
    expect(await compactor.compactPending()).toBe(sealed);
    expect(errors).toEqual([]);
    for (const [i, log] of logs.entries()) {
      expect(await log.nextToCompact()).toBeUndefined();
      expect(log.sizeBytes).toBeLessThan(sizes[i]);
      expect(await values(log)).toEqual(expected[i]);
    }
    expect(await compactor.compactPending()).toBe(0);
    await compactor.stop();
    await Promise.all(logs.map((l) => l.close()));
  });

  it('starts no run while yieldTo holds it back, and a stop cuts that wait short', async () => {
    const log = await partition(0, 300);
    const expected = await values(log);
    const sealed = log.segmentCount - 1;
    const size = log.sizeBytes;
    let asked = 0;
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const settings = { logs: () => [log], runBytes: 2048, cpuShare: 1, intervalMs: 3_600_000, idleMs: 3_600_000, onError: () => undefined };
    const compactor = new LogCompactor({ ...settings, yieldTo: () => (asked++, held) });
    const pass = compactor.compactPending();
    while (asked === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(log.sizeBytes).toBe(size);
    expect(await leftovers(log)).toEqual([]);
    release();
    expect(await pass).toBe(sealed);
    // Asked before every run, not once per pass.
    expect(asked).toBeGreaterThan(sealed);
    expect(log.sizeBytes).toBeLessThan(size);
    expect(await values(log)).toEqual(expected);
    await compactor.stop();

    const more = await partition(1, 300);
    const never = new LogCompactor({ ...settings, logs: () => [more], yieldTo: () => new Promise<void>(() => undefined) });
    const waiting = never.compactPending();
    await never.stop();
    expect(await waiting).toBe(0);
    expect(await more.nextToCompact()).toBeDefined();
    await Promise.all([log.close(), more.close()]);
  });

  it('seals and compacts the active segment of a partition idle long enough that holds a run, and only that', async () => {
    const [busy, idle, small] = [await partition(0, 50), await partition(1, 50), await partition(2, 5)];
    const logs = [busy, idle, small];
    expect(logs.map((l) => l.segmentCount)).toEqual([1, 1, 1]);
    expect(small.sizeBytes).toBeLessThan(2048);
    expect(idle.sizeBytes).toBeGreaterThan(2048);
    const compactor = new LogCompactor({ logs: () => logs, runBytes: 2048, cpuShare: 1, intervalMs: 3_600_000, idleMs: 60_000, onError: () => undefined });
    expect(await compactor.compactPending()).toBe(0);
    clock += 60_000;
    // More than a trickle (a sixteenth of the 2048 bytes a seal needs): the partition is not idle.
    await busy.append(Array.from({ length: 10 }, (_, k) => ({ partition: 0, value: value(0, 50 + k) })));
    const expected = await Promise.all(logs.map(values));
    const idleSize = idle.sizeBytes;
    expect(await compactor.compactPending()).toBe(1);
    expect(logs.map((l) => l.segmentCount)).toEqual([1, 2, 1]);
    expect(idle.sizeBytes).toBeLessThan(idleSize);
    for (const [i, log] of logs.entries()) expect(await values(log)).toEqual(expected[i]);
    await idle.append([{ partition: 1, value: value(1, 50) }]);
    expect(await values(idle)).toEqual([...expected[1], `50 ${value(1, 50).toString()}`]);
    await compactor.stop();
    await Promise.all(logs.map((l) => l.close()));
  });
  it('seals the active segment of a partition that receives only a trickle (watermarks) for idleMs, and not of one that receives more', async () => {
    const [trickle, steady] = [await partition(1, 50), await partition(2, 50)];
    const logs = [trickle, steady];
    const compactor = new LogCompactor({ logs: () => logs, runBytes: 1 << 20, idleMinBytes: 2048, cpuShare: 1, intervalMs: 3_600_000, idleMs: 60_000, onError: () => undefined });
    // Every 30 s: a record of some 30 frame bytes is under a sixteenth of idleMinBytes (128); three of over 100 are not.
    const tick = async (): Promise<number> => {
      clock += 30_000;
      await trickle.append([{ partition: 1, value: Buffer.from('w') }]);
      await steady.append([50, 51, 52].map((i) => ({ partition: 2, value: value(2, i) })));
      return compactor.compactPending();
    };
    expect(await compactor.compactPending()).toBe(0); // the records just appended are more than a trickle
    expect(await tick()).toBe(0);
    const expected = await Promise.all(logs.map(values));
    expect(await tick()).toBe(1);
    expect(logs.map((l) => l.segmentCount)).toEqual([2, 1]);
    expect((await values(trickle)).slice(0, expected[0].length)).toEqual(expected[0]);
    for (let i = 0; i < 4; i++) expect(await tick()).toBe(0);
    expect(steady.segmentCount).toBe(1);
    await compactor.stop();
    await Promise.all(logs.map((l) => l.close()));
  });

  it('seals an idle active segment of idleMinBytes though it holds less than a run', async () => {
    const [idle, small] = [await partition(1, 50), await partition(2, 5)];
    const logs = [idle, small];
    expect(idle.sizeBytes).toBeGreaterThan(2048);
    expect(small.sizeBytes).toBeLessThan(2048);
    const compactor = new LogCompactor({ logs: () => logs, runBytes: 1 << 20, idleMinBytes: 2048, cpuShare: 1, intervalMs: 3_600_000, idleMs: 60_000, onError: () => undefined });
    clock += 60_000;
    const expected = await Promise.all(logs.map(values));
    expect(await compactor.compactPending()).toBe(1);
    expect(logs.map((l) => l.segmentCount)).toEqual([2, 1]);
    for (const [i, log] of logs.entries()) expect(await values(log)).toEqual(expected[i]);
    await compactor.stop();
    await Promise.all(logs.map((l) => l.close()));
  });
});
