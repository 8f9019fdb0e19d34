import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSamplesTopicRecord, type ProducerWatermark, type SamplesTopicRecord } from '../../schemas/index.js';
import type { Consumer } from '../bus/bus.js';
import { EmbeddedBus } from '../bus/embedded/index.js';
import { appendUnit } from '../../schemas/sample-sink.js';
import { BusSampleSink } from './bus-sample-sink.js';

const PARTITIONS = 3;

/** Every record of the samples topic, decoded, per partition in partition order. */
class TopicReader {
  readonly parts: SamplesTopicRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  consumer: Consumer | undefined;

  async start(bus: EmbeddedBus): Promise<void> {
    this.consumer = await bus.consume({ group: 'reader', topic: 'samples', fromBeginning: true }, async (b) => {
      for (const r of b.records) this.parts[b.partition]!.push(decodeSamplesTopicRecord(r.value));
      this.waiters = this.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
    });
  }

  watermarks(p: number): ProducerWatermark[] {
    return this.parts[p]!.flatMap((r) => (r.kind === 'watermark' ? [r.watermark] : []));
  }

  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }
}

describe('producer watermarks', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let reader: TopicReader;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-wm-'));
    bus = await EmbeddedBus.open({ dataDir: dir });
    await bus.ensureTopic('samples', PARTITIONS);
    reader = new TopicReader();
    await reader.start(bus);
  });
  afterEach(async () => {
    await reader.consumer?.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sinkOf = (periodMs = 10, lagMs = 50, maxHoldMs?: number) => new BusSampleSink({
    bus, topic: 'samples', partitions: PARTITIONS, source: 'test', watermarks: { periodMs, lagMs, maxHoldMs, producerId: 'p1' },
  });

  it('reach every partition while the producer writes, even partitions it wrote nothing to', async () => {
    const sink = sinkOf();
    const app = sink.appender();
    app.append({ __name__: 'one_series' }, Date.now(), 1);
    await app.commit();
    await reader.until(() => reader.parts.every((_, p) => reader.watermarks(p).length >= 3));
    for (let p = 0; p < PARTITIONS; p++) {
      const w = reader.watermarks(p);
      expect(w.every((x) => x.producer === 'p1' && x.source === 'test' && x.lagMs === 50)).toBe(true);
      // Promises never go backwards.
      for (let i = 1; i < w.length; i++) expect(w[i]!.watermarkMs).toBeGreaterThanOrEqual(w[i - 1]!.watermarkMs);
    }
    await sink.close();
  });

  it('promise nothing past the oldest sample of a write still in progress', async () => {
    const sink = sinkOf(10, 50);
    // A slow scrape: its samples carry the time it started, and it takes many periods (and
    // longer than the lag) to finish.
    const old = Date.now();
    const app = sink.appender();
    app.append({ __name__: 'slow_scrape' }, old, 1);
    await reader.until(() => reader.watermarks(0).length >= 15);
    expect(reader.watermarks(0).every((w) => w.watermarkMs <= old)).toBe(true);
    await app.commit();
    await reader.until(() => reader.watermarks(0).some((w) => w.watermarkMs > old));
    // Whatever partition the samples went to, they come before the first promise that passes them.
    const p = reader.parts.findIndex((rs) => rs.some((r) => r.kind === 'samples'));
    await reader.until(() => reader.watermarks(p).some((w) => w.watermarkMs > old));
    const kinds = reader.parts[p]!.map((r) => (r.kind === 'watermark' ? (r.watermark.watermarkMs > old ? 'past' : 'held') : r.kind));
    expect(kinds.indexOf('samples')).toBeLessThan(kinds.indexOf('past'));
    await sink.close();
  });

  it('hold the promise no further behind the clock than the maximum hold, even for a write left open', async () => {
    const sink = sinkOf(10, 50, 1_000);
    // A sender catching up with samples a minute old, whose request never finishes.
    const old = Date.now() - 60_000;
    const stuck = sink.appender();
    stuck.append({ __name__: 'catching_up' }, old, 1);
    await reader.until(() => reader.watermarks(0).length >= 5);
    const promised = reader.watermarks(0).map((w) => w.watermarkMs);
    // Held back by the open write (not at the clock) but not to its minute-old sample.
    expect(Math.max(...promised)).toBeGreaterThan(old + 55_000);
    stuck.rollback();
    await sink.close();
  });

  it('let the promise move on when a unit of work fails while it is filled', async () => {
    const sink = sinkOf(10, 50);
    const old = Date.now();
    await expect(
      appendUnit(sink, (app) => {
        app.append({ __name__: 'half_written' }, old - 1, 1);
        throw new Error('bad request body');
      }),
    ).rejects.toThrow('bad request body');
    // Past the failed unit's sample, or idle (the promise follows the clock): either way not held.
    await reader.until(() => reader.watermarks(1).some((w) => w.watermarkMs > old || w.idle));
    // Nothing of the failed unit reached the bus.
    expect(reader.parts.flat().filter((r) => r.kind === 'samples')).toEqual([]);
    await sink.close();
  });

  it('stop two periods after the last write with one idle record, and start again with the next write', async () => {
    const sink = sinkOf(10);
    const app = sink.appender();
    app.append({ __name__: 'x' }, Date.now(), 1);
    await app.commit();
    await reader.until(() => reader.watermarks(1).some((w) => w.idle));
    const idleAt = reader.watermarks(1).length;
    expect(reader.watermarks(1).at(-1)!.idle).toBe(true);
    expect(reader.watermarks(1).filter((w) => w.idle)).toHaveLength(1);
    const again = sink.appender();
    await reader.until(() => reader.watermarks(1).length > idleAt);
    expect(reader.watermarks(1)[idleAt]!.idle).toBe(false);
    again.rollback();
    await sink.close();
  });

  it('end with an idle record when the sink closes while writing', async () => {
    const sink = sinkOf(1000);
    const app = sink.appender();
    app.append({ __name__: 'x' }, Date.now(), 1);
    await app.commit();
    await sink.close();
    await reader.until(() => reader.watermarks(2).at(-1)?.idle === true);
    // Promises while writing (one, or more when the machine is slow enough for another period), then the idle one.
    const idle = reader.watermarks(2).map((w) => w.idle);
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(idle.slice(0, -1).every((i) => !i)).toBe(true);
  });

  it('are not written by a sink without them', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: PARTITIONS, source: 'test' });
    for (let i = 0; i < 5; i++) {
      const app = sink.appender();
      for (let s = 0; s < 20; s++) app.append({ __name__: 'm', s: String(s) }, 1000 + i, i);
      await app.commit();
    }
    await reader.until(() => reader.parts.reduce((n, rs) => n + rs.length, 0) >= PARTITIONS * 5);
    expect(reader.parts.flat().filter((r) => r.kind !== 'samples')).toEqual([]);
  });
});
