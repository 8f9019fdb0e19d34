import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord } from '../../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { decodeSamplesTopicRecord } from '../../../schemas/samples-topic-record.js';
import { encodeSampleBatch } from '../../../schemas/sample-batch-codec.js';

/**
 * `embedded-log-before-compression/` is a data directory written by the embedded bus before record
 * values could be stored compressed (version 1 frames only): topic tidemark.samples, 2 partitions,
 * 6 sample batches each (12 node_cpu_seconds_total series of instance host-<p>:9100, one sample
 * each, value step * 10 + series + p / 4), 1 KiB segments with their index files.
 */
const FIXTURE = join(import.meta.dirname, 'embedded-log-before-compression');
const TOPIC = 'tidemark.samples';
const T0 = 1_700_000_000_000;

const dirs: string[] = [];
const buses: EmbeddedBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function openCopy(segmentBytes: number, compaction: 'brotli' | 'none' = 'none'): Promise<{ bus: EmbeddedBus; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-log-format-'));
  dirs.push(dir);
  await cp(FIXTURE, dir, { recursive: true });
  const bus = await EmbeddedBus.open({ dataDir: dir, logger: quiet, compression: 'gzip', config: { segment_bytes: segmentBytes, index_interval_bytes: 256, compaction } });
  buses.push(bus);
  return { bus, dir };
}

async function readAll(bus: EmbeddedBus, expected: number): Promise<BusRecord[]> {
  const got: BusRecord[] = [];
  const consumer = await bus.consume({ group: `g-${Math.random()}`, topic: TOPIC }, async (b) => {
    got.push(...b.records);
  });
  const deadline = Date.now() + 30_000;
  while (got.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await consumer.stop();
  return got.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** partition:offset -> the batch's samples as "labels value@ts" lines. */
function samplesOf(r: BusRecord): string[] {
  const rec = decodeSamplesTopicRecord(r.value);
  if (rec.kind !== 'samples') throw new Error(`record ${r.partition}:${r.offset} is a ${rec.kind}`);
  return rec.batch.series.map((s) => `${s.labels.instance} cpu=${s.labels.cpu} mode=${s.labels.mode} ${s.values[0]}@${s.timestamps[0]}`);
}

function fixtureSamples(p: number, step: number): string[] {
  const modes = ['idle', 'user', 'system'];
  return Array.from({ length: 12 }, (_, i) => `host-${p}:9100 cpu=${i >> 2} mode=${modes[i % 3]} ${step * 10 + i + p / 4}@${T0 + step * 15_000}`);
}

function newBatch(p: number, step: number): Buffer {
  return encodeSampleBatch({
    series: Array.from({ length: 40 }, (_, i) => ({
      labels: { __name__: 'node_cpu_seconds_total', job: 'node', instance: `host-${p}:9100`, cpu: String(i), mode: 'idle' },
      timestamps: [T0 + step * 15_000],
      values: [step * 100 + i],
      stale: [],
    })),
  }, 'test');
}

describe('embedded log written before record compression', () => {
  // 1 KiB segments match the fixture's, so its index files are trusted; other sizes rescan every frame.
  for (const segmentBytes of [1024, 64 << 20]) {
    it(`is read record for record by a bus that compresses (segment_bytes ${segmentBytes}), and new compressed batches follow it`, async () => {
      const { bus, dir } = await openCopy(segmentBytes);
      expect(await bus.offsets(TOPIC)).toEqual([
        { partition: 0, low: 0, high: 6 },
        { partition: 1, low: 0, high: 6 },
      ]);
      const old = await readAll(bus, 12);
      expect(old.map((r) => `${r.partition}:${r.offset}`)).toEqual([0, 1].flatMap((p) => Array.from({ length: 6 }, (_, o) => `${p}:${o}`)));
      for (const r of old) {
        expect(r.timestampMs).toBe(T0 + r.offset * 15_000);
        expect(samplesOf(r)).toEqual(fixtureSamples(r.partition, r.offset));
      }

      await bus.produce(TOPIC, [0, 1].flatMap((p) => [6, 7].map((step) => ({ partition: p, value: newBatch(p, step), timestampMs: T0 + step * 15_000 }))));
      const all = await readAll(bus, 16);
      expect(all.length).toBe(16);
      for (const r of all.filter((x) => x.offset >= 6)) {
        const lines = samplesOf(r);
        expect(lines.length).toBe(40);
        expect(lines[39]).toBe(`host-${r.partition}:9100 cpu=39 mode=idle ${r.offset * 100 + 39}@${T0 + r.offset * 15_000}`);
      }
      for (const r of all.filter((x) => x.offset < 6)) expect(samplesOf(r)).toEqual(fixtureSamples(r.partition, r.offset));

      // The old frames stay as written (version 1); the new ones are stored compressed (version 2).
      const p0 = join(dir, 'topics', TOPIC, '0');
      const logs = (await readdir(p0)).filter((n) => n.endsWith('.log')).sort();
      const first = await readFile(join(p0, logs[0]));
      expect(first[8]).toBe(1);
      const last = await readFile(join(p0, logs[logs.length - 1]));
      const newest = last.subarray(lastFrameStart(last));
      expect(newest[8]).toBe(2);
      expect(newest.length).toBeLessThan(newBatch(0, 7).length);
    });
  }

  it('is compacted by a bus that compacts (its sealed segments become runs) and read record for record after', async () => {
    const { bus, dir } = await openCopy(1024, 'brotli');
    expect(await bus.compactSealedSegments()).toBeGreaterThan(0);
    const p0 = join(dir, 'topics', TOPIC, '0');
    const logs = (await readdir(p0)).filter((n) => n.endsWith('.log')).sort();
    expect((await readFile(join(p0, logs[0])))[8]).toBe(3);
    const old = await readAll(bus, 12);
    expect(old.map((r) => `${r.partition}:${r.offset}`)).toEqual([0, 1].flatMap((p) => Array.from({ length: 6 }, (_, o) => `${p}:${o}`)));
    for (const r of old) {
      expect(r.timestampMs).toBe(T0 + r.offset * 15_000);
      expect(samplesOf(r)).toEqual(fixtureSamples(r.partition, r.offset));
    }
  });
});

/** Position of the last frame in a segment's bytes (frames are walked by their length prefixes). */
function lastFrameStart(seg: Buffer): number {
  let p = 0;
  let last = 0;
  while (p < seg.length) {
    last = p;
    p += 8 + seg.readUInt32LE(p);
  }
  return last;
}
