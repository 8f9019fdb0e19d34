import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord } from '../../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import type { PartitionLog } from '../../../pipeline/bus/embedded/partition-log.js';
import { encodeSampleBatch } from '../../../schemas/sample-batch-codec.js';

/**
 * `embedded-log-dictionary-runs/` is a data directory whose sealed segments compaction wrote as
 * version 4 runs (series-dictionary form, samples as columns), before version 5: topic
 * tidemark.samples, 1 partition, the 40 sample batches of `batch(step)` below (record timestamp
 * T0 + step * 15 s), 4 KiB segments; offsets 0-13 and 14-27 compacted, 28-39 the active
 * segment as written (lz4).
 */
const FIXTURE = join(import.meta.dirname, 'embedded-log-dictionary-runs');
const TOPIC = 'tidemark.samples';
const T0 = 1_700_000_000_000;
const SEGMENT_BYTES = 4096;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Decimal values, one of no short decimal form (square roots, float64 bits in version 4) and large integers. */
function value(series: number, step: number): number {
  if (series === 10) return Math.sqrt(step + 2);
  if (series === 11) return step * 1_000_003;
  return step * 10 + series + 0.25;
}

function batch(step: number): Buffer {
  return encodeSampleBatch(
    {
      series: Array.from({ length: 12 }, (_, i) => ({
        labels: { __name__: 'node_cpu_seconds_total', job: 'node', instance: 'host-0:9100', cpu: String(i >> 2), mode: ['idle', 'user', 'system'][i % 3] },
        timestamps: [T0 + step * 15_000],
        values: [value(i, step)],
        stale: [],
      })),
    },
    'fixture',
  );
}

const dirs: string[] = [];
const buses: EmbeddedBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function openCopy(): Promise<{ bus: EmbeddedBus; partitionDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-dictionary-runs-'));
  dirs.push(dir);
  await cp(FIXTURE, dir, { recursive: true });
  const bus = await EmbeddedBus.open({ dataDir: dir, logger: quiet, config: { segment_bytes: SEGMENT_BYTES, compaction_segment_bytes: SEGMENT_BYTES, index_interval_bytes: 256, compaction_cpu_share: 1 } });
  buses.push(bus);
  return { bus, partitionDir: join(dir, 'topics', TOPIC, '0') };
}

async function readAll(log: PartitionLog): Promise<BusRecord[]> {
  const out: BusRecord[] = [];
  for (let at = log.low; at < log.high; ) {
    const { records, next } = await log.read(at, 1 << 20);
    out.push(...records);
    at = next;
  }
  return out;
}

/** The frame version each segment file starts with, oldest segment first. */
async function segmentVersions(partitionDir: string): Promise<number[]> {
  const logs = (await readdir(partitionDir)).filter((n) => n.endsWith('.log')).sort();
  return Promise.all(logs.map(async (n) => (await readFile(join(partitionDir, n)))[8]));
}

function expectBatches(records: readonly BusRecord[], steps: number): void {
  expect(records.map((r) => r.offset)).toEqual(Array.from({ length: steps }, (_, i) => i));
  for (const r of records) {
    expect(r.timestampMs).toBe(T0 + r.offset * 15_000);
    expect(r.value.equals(batch(r.offset))).toBe(true);
  }
}

describe('embedded log compacted into version 4 runs', () => {
  it('is read record for record, every value as produced', async () => {
    const { bus, partitionDir } = await openCopy();
    expect(await segmentVersions(partitionDir)).toEqual([4, 4, 2]);
    expectBatches(await readAll(bus.partitionLogs(TOPIC)[0]), 40);
  });

  it('keeps its version 4 runs while what follows is compacted into version 5 runs, and reads both', async () => {
    const { bus, partitionDir } = await openCopy();
    for (let step = 40; step < 80; step++) await bus.produce(TOPIC, [{ partition: 0, value: batch(step), timestampMs: T0 + step * 15_000 }]);
    expect(await bus.compactSealedSegments()).toBeGreaterThan(1);
    const versions = await segmentVersions(partitionDir);
    expect(versions.slice(0, 2)).toEqual([4, 4]);
    expect(versions.slice(2, -1).length).toBeGreaterThan(1);
    expect(new Set(versions.slice(2, -1))).toEqual(new Set([5]));
    expectBatches(await readAll(bus.partitionLogs(TOPIC)[0]), 80);
  });
});
