import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord } from '../../../pipeline/bus/bus.js';
import {
  BusClosedError,
  DataDirLockedError,
  EmbeddedBus,
  GroupActiveError,
  InvalidArgumentError,
  InvalidTopicNameError,
  NotAssignedError,
  PartitionOutOfRangeError,
  UnknownTopicError,
  type EmbeddedBusSettings,
} from '../../../pipeline/bus/embedded/index.js';

const dirs: string[] = [];
const buses: EmbeddedBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function openBus(over: Partial<EmbeddedBusSettings> = {}, dir?: string): Promise<{ bus: EmbeddedBus; dir: string }> {
  if (!dir) {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-embedded-'));
    dirs.push(dir);
  }
  const bus = await EmbeddedBus.open({ dataDir: dir, logger: quiet, ...over });
  buses.push(bus);
  return { bus, dir };
}

async function until(cond: () => boolean): Promise<void> {
  // Generous: a loaded 2-core machine can stall for seconds; only a stuck bus takes this long.
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('EmbeddedBus', () => {
  it('keeps topics, records and committed offsets across close and reopen', async () => {
    const { bus, dir } = await openBus();
    expect(await bus.ensureTopic('t', 3)).toBe(3);
    await bus.produce('t', [0, 1, 2, 0].map((p, i) => ({ partition: p, value: Buffer.from(`v${i}`), key: Buffer.from('k') })));
    const got: BusRecord[] = [];
    const c = await bus.consume({ group: 'g', topic: 't' }, async (b) => {
      got.push(...b.records);
      if (b.partition === 0) await b.commit(1);
      else await b.commit();
    });
    await c.ready;
    await until(() => got.length === 4);
    await bus.close();
    await bus.close();

    const { bus: again } = await openBus({}, dir);
    expect(await again.ensureTopic('t', 8)).toBe(3);
    expect(await again.offsets('t')).toEqual([
      { partition: 0, low: 0, high: 2 },
      { partition: 1, low: 0, high: 1 },
      { partition: 2, low: 0, high: 1 },
    ]);
    expect(await again.committedOffsets('g', 't')).toEqual([
      { partition: 0, offset: 1 },
      { partition: 1, offset: 1 },
      { partition: 2, offset: 1 },
    ]);
    const redelivered: BusRecord[] = [];
    await (await again.consume({ group: 'g', topic: 't' }, async (b) => void redelivered.push(...b.records))).ready;
    await until(() => redelivered.length === 1);
    expect(redelivered.map((r) => [r.partition, r.offset, r.value.toString(), r.key?.toString()])).toEqual([[0, 1, 'v3', 'k']]);
  });

  it('rejects bad input with named errors and keeps working', async () => {
    const { bus } = await openBus({ config: { max_record_bytes: 2048 } });
    await bus.ensureTopic('t', 1);
    await expect(bus.ensureTopic('../escape', 1)).rejects.toBeInstanceOf(InvalidTopicNameError);
    await expect(bus.ensureTopic('ok', 0)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(bus.produce('missing', [])).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(bus.partitionCount('missing')).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(bus.produce('t', [{ partition: 1, value: Buffer.from('x') }])).rejects.toBeInstanceOf(PartitionOutOfRangeError);
    await expect(bus.produce('t', [{ partition: 0, value: 'x' as unknown as Buffer }])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(bus.produce('t', [{ partition: 0, value: Buffer.alloc(4096) }])).rejects.toThrow(/max_record_bytes/);
    await expect(bus.produce('t', [{ partition: 0, value: Buffer.from('x'), timestampMs: 1.5 }])).rejects.toBeInstanceOf(InvalidArgumentError);
    // Nothing of a rejected call was written.
    expect(await bus.produce('t', [{ partition: 0, value: Buffer.from('ok') }])).toEqual([{ partition: 0, offset: 0 }]);
  });

  it('refuses a second bus on the same data directory, and takes over a lock left by a dead process', async () => {
    const { bus, dir } = await openBus();
    await expect(EmbeddedBus.open({ dataDir: dir, logger: quiet })).rejects.toBeInstanceOf(DataDirLockedError);
    await bus.close();
    await writeFile(join(dir, 'LOCK'), '999999999');
    const { bus: again } = await openBus({}, dir);
    await again.ensureTopic('t', 1);
    expect(await again.partitionCount('t')).toBe(1);
  });

  it('rejects calls after close with BusClosedError, and close stops running consumers', async () => {
    const { bus } = await openBus();
    await bus.ensureTopic('t', 1);
    const c = await bus.consume({ group: 'g', topic: 't' }, async () => undefined);
    await c.ready;
    expect(c.assignment()).toEqual([0]);
    await bus.close();
    expect(c.assignment()).toEqual([]);
    await expect(bus.produce('t', [{ partition: 0, value: Buffer.from('x') }])).rejects.toBeInstanceOf(BusClosedError);
  });

  it('refuses resetGroup while a member runs and seek on a partition the member does not hold', async () => {
    const { bus } = await openBus();
    await bus.ensureTopic('t', 2);
    const a = await bus.consume({ group: 'g', topic: 't' }, async () => undefined);
    const b = await bus.consume({ group: 'g', topic: 't' }, async () => undefined);
    await Promise.all([a.ready, b.ready]);
    expect([a.assignment(), b.assignment()]).toEqual([[0], [1]]);
    await expect(a.seek(1, 'earliest')).rejects.toBeInstanceOf(NotAssignedError);
    await expect(bus.resetGroup('g', 't', 'earliest')).rejects.toBeInstanceOf(GroupActiveError);
    await Promise.all([a.stop(), b.stop()]);
    await bus.resetGroup('g', 't', 'latest');
    expect(await bus.committedOffsets('g', 't')).toEqual([
      { partition: 0, offset: 0 },
      { partition: 1, offset: 0 },
    ]);
  });

  it('redelivers a batch whose handler threw', async () => {
    const { bus } = await openBus();
    await bus.ensureTopic('t', 1);
    await bus.produce('t', [{ partition: 0, value: Buffer.from('a') }]);
    const seen: number[] = [];
    const c = await bus.consume({ group: 'g', topic: 't' }, async (b) => {
      seen.push(b.records[0].offset);
      if (seen.length === 1) throw new Error('not yet');
      await b.commit();
    });
    await c.ready;
    await until(() => seen.length === 2);
    expect(seen).toEqual([0, 0]);
  });

  it('keeps records in memory for a group behind the others, and lets them go once every group took them', async () => {
    const { bus } = await openBus();
    await bus.ensureTopic('t', 1);
    const produced = Array.from({ length: 10 }, (_, i) => Buffer.from(`record ${i}`));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const ahead: BusRecord[] = [];
    const behind: BusRecord[] = [];
    await (await bus.consume({ group: 'ahead', topic: 't' }, async (b) => void ahead.push(...b.records))).ready;
    await (await bus.consume({ group: 'behind', topic: 't' }, async (b) => {
      behind.push(...b.records);
      await gate; // holds this group at offset 1 while the other reads on
    })).ready;
    await bus.produce('t', [{ partition: 0, value: produced[0] }]);
    await until(() => ahead.length === 1 && behind.length === 1);
    for (let i = 1; i < 10; i++) await bus.produce('t', [{ partition: 0, value: produced[i] }]);
    await until(() => ahead.length === 10);
    open();
    await until(() => behind.length === 10);
    // The produced buffers themselves: taken from memory, not read back from the log.
    behind.forEach((r, i) => expect(r.value).toBe(produced[i]));
    ahead.forEach((r, i) => expect(r.value).toBe(produced[i]));
    const late: BusRecord[] = [];
    await (await bus.consume({ group: 'late', topic: 't' }, async (b) => void late.push(...b.records))).ready;
    await until(() => late.length === 10);
    expect(late.map((r) => r.value.toString())).toEqual(produced.map(String));
    late.forEach((r, i) => expect(r.value).not.toBe(produced[i])); // every group had taken them: read from the log
  });

  it('moves a consumer behind the low watermark to it when retention deleted its records', async () => {
    const { bus } = await openBus({ config: { segment_bytes: 1024, retention_bytes: 2048 } });
    await bus.ensureTopic('t', 1);
    for (let i = 0; i < 40; i++) await bus.produce('t', [{ partition: 0, value: Buffer.alloc(200, i) }]);
    expect(await bus.enforceRetention()).toBeGreaterThan(0);
    const [{ low, high }] = await bus.offsets('t');
    expect(low).toBeGreaterThan(0);
    const got: number[] = [];
    await (await bus.consume({ group: 'g', topic: 't' }, async (b) => void got.push(...b.records.map((r) => r.offset)))).ready;
    await until(() => got.length === high - low);
    expect(got[0]).toBe(low);
    expect(await bus.lag('other', 't')).toEqual([{ partition: 0, committed: -1, high, lag: high - low, applied: -1, appliedLag: high - low }]);
  });

  it('compacts sealed segments in the background, and a consumer reading them from the start gets every record as produced', async () => {
    const config = { segment_bytes: 64 * 1024, compaction_segment_bytes: 16 * 1024, compaction_run_bytes: 4096 };
    const { bus, dir } = await openBus({ config });
    await bus.ensureTopic('t', 2);
    const value = (i: number) => Buffer.from(`{"series":"node_cpu_seconds_total","instance":"host-${i % 7}:9100","mode":"idle","value":${i * 0.25}}`.repeat(3));
    const produced: { partition: number; offset: number }[] = [];
    for (let from = 0; from < 2000; from += 50) {
      const records = Array.from({ length: 50 }, (_, k) => from + k).map((i) => ({ partition: i % 2, value: value(i), key: Buffer.from(String(i)), headers: { n: Buffer.from(String(i)) } }));
      produced.push(...(await bus.produce('t', records)));
    }
    const sizeOf = () => bus.partitionLogs('t').reduce((n, l) => n + l.sizeBytes, 0);
    const uncompressed = 2000 * (value(1000).length + 40);
    // Retention runs under each partition's lock, after any roll a produce left behind.
    await bus.enforceRetention();
    expect(bus.partitionLogs('t').every((l) => l.segmentCount > 2)).toBe(true);
    // The timer compacts too; this compacts whatever it has not reached yet.
    await bus.compactSealedSegments();
    expect(sizeOf()).toBeLessThan(uncompressed / 5);
    for (const log of bus.partitionLogs('t')) expect(await log.nextToCompact()).toBeUndefined();
    await bus.close();

    const { bus: reopened } = await openBus({ config: { ...config, compaction: 'none' } }, dir);
    expect(await reopened.compactSealedSegments()).toBe(0);
    const got: BusRecord[] = [];
    await (await reopened.consume({ group: 'g', topic: 't', fromBeginning: true }, async (b) => void got.push(...b.records))).ready;
    await until(() => got.length === 2000);
    for (const r of got) {
      const i = Number(r.key!.toString());
      expect(r.value.equals(value(i))).toBe(true);
      expect(r.headers.n.toString()).toBe(String(i));
      expect(produced[i]).toEqual({ partition: r.partition, offset: r.offset });
    }
  });

  it('acknowledges many concurrent produce calls with distinct offsets and large values intact', async () => {
    const { bus } = await openBus({ config: { segment_bytes: 1 << 20 } });
    await bus.ensureTopic('t', 2);
    const big = (i: number) => Buffer.alloc(100_000 + i, i % 251);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => bus.produce('t', [{ partition: i % 2, value: big(i), key: Buffer.from(String(i)) }])),
    );
    for (const p of [0, 1]) {
      const offs = results.flat().filter((r) => r.partition === p).map((r) => r.offset).sort((a, b) => a - b);
      expect(offs).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    const got: BusRecord[] = [];
    await (await bus.consume({ group: 'g', topic: 't' }, async (b) => void got.push(...b.records))).ready;
    await until(() => got.length === 40);
    for (const r of got) {
      const i = Number(r.key!.toString());
      expect(r.value.equals(big(i))).toBe(true);
      expect(results[i][0]).toEqual({ partition: r.partition, offset: r.offset });
    }
  });
});
