import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../bus/embedded/index.js';
import { decodeSampleBatch } from '../../schemas/sample-batch-codec.js';
import { SeriesPartitioner } from '../../schemas/series-partitioner.js';
import { FloatHistogram, Histogram } from '../../schemas/native-histogram/index.js';
import { BusSampleSink } from './bus-sample-sink.js';

describe('BusSampleSink', () => {
  let dir: string;
  let bus: EmbeddedBus;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-sink-'));
    bus = await EmbeddedBus.open({ dataDir: dir });
    await bus.ensureTopic('samples', 4);
  });
  afterEach(async () => {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function readAll() {
    const out = [];
    for (const { partition, high } of await bus.offsets('samples')) {
      if (high === 0) continue;
      const records = await new Promise<Buffer[]>((resolve) => {
        const got: Buffer[] = [];
        void bus
          .consume({ group: `read-${partition}-${Math.random()}`, topic: 'samples', fromBeginning: true }, async (b) => {
            if (b.partition === partition) got.push(...b.records.map((r) => r.value));
            if (got.length >= high) resolve(got);
          })
          .then((c) => setTimeout(() => void c.stop(), 2000).unref());
      });
      for (const r of records) out.push({ partition, batch: decodeSampleBatch(r) });
    }
    return out;
  }

  it('produces for runs appended in one call the records it produces for their samples appended one by one', async () => {
    const ts = Array.from({ length: 300 }, (_, i) => 1_000 + 1_000 * i);
    const vs = ts.map((t) => t / 7);
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const runs = sink.appender();
    for (let s = 0; s < 8; s++) runs.appendRun!({ __name__: 'run', s: String(s) }, ts, vs, s, 300 - s);
    await runs.commit();
    const single = sink.appender();
    for (let s = 0; s < 8; s++) {
      const labels = { __name__: 'single', s: String(s) };
      for (let i = s; i < 300 - s; i++) single.append(labels, ts[i], vs[i]);
    }
    await single.commit();
    const got = new Map<string, { t: number[]; v: number[] }>();
    for (const { batch } of await readAll()) for (const x of batch.series) got.set(`${x.labels.__name__} ${x.labels.s}`, { t: x.timestamps, v: x.values });
    for (let s = 0; s < 8; s++) {
      expect(got.get(`run ${s}`)).toEqual(got.get(`single ${s}`));
      expect(got.get(`run ${s}`)?.t).toEqual(ts.slice(s, 300 - s));
    }
  });

  it('tells after commit at which partition offsets the bus acknowledged each record of the unit', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const first = sink.appender();
    for (let i = 0; i < 20; i++) first.append({ __name__: 'm', i: String(i) }, 1000, i);
    await first.commit();
    const second = sink.appender();
    for (let i = 0; i < 20; i++) second.append({ __name__: 'm', i: String(i) }, 2000, i);
    await second.commit();
    const acked = second.acknowledged!();
    const high = new Map((await bus.offsets('samples')).map((o) => [o.partition, o.high]));
    expect(acked.length).toBeGreaterThan(1);
    // The second unit's records are the last of their partitions.
    for (const r of acked) expect(r.offset).toBe(high.get(r.partition)! - 1);
    expect(new Set(acked.map((r) => r.partition))).toEqual(new Set(first.acknowledged!().map((r) => r.partition)));
  });

  it('carries native-histogram samples to the partition of their series, beside its float samples and alone', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const h = new Histogram({ schema: 2, count: 2, sum: 3, positiveSpans: [{ offset: 1, length: 1 }], positiveBuckets: [2] });
    const f = new FloatHistogram({ counterResetHint: 'gauge', schema: 0, count: 0.5, sum: 1, zeroCount: 0.5, zeroThreshold: 1e-3 });
    const app = sink.appender();
    const mixed = { __name__: 'mixed' };
    app.append(mixed, 1000, 1);
    app.appendHistogram!(mixed, 2000, h);
    app.append({ __name__: 'floats' }, 1000, 5);
    for (let i = 0; i < 8; i++) app.appendHistogram!({ __name__: 'only_histograms', i: String(i) }, 3000, f);
    app.appendHistogram!(mixed, 4000, f);
    await app.commit();
    const partitioner = new SeriesPartitioner(4);
    const found = new Map<string, { partition: number; floats: number[]; histograms: string[] }>();
    for (const { partition, batch } of await readAll()) {
      for (const s of batch.series) {
        const key = JSON.stringify(s.labels);
        expect(partition).toBe(partitioner.partitionOf(s.labels));
        found.set(key, { partition, floats: s.values, histograms: (s.histograms?.histograms ?? []).map((x, i) => `${s.histograms!.timestamps[i]}:${x.toString()}`) });
        if (key === JSON.stringify(mixed)) expect(s.histograms!.timestamps).toEqual([2000, 4000]);
      }
    }
    expect(found.size).toBe(10);
    expect(found.get(JSON.stringify(mixed))!.floats).toEqual([1]);
    expect(found.get(JSON.stringify(mixed))!.histograms).toEqual([`2000:${h.toString()}`, `4000:${f.toString()}`]);
    expect(found.get(JSON.stringify({ __name__: 'floats' }))!.histograms).toEqual([]);
    expect(found.get(JSON.stringify({ __name__: 'only_histograms', i: '3' }))).toMatchObject({ floats: [], histograms: [`3000:${f.toString()}`] });
  });

  it('puts every series on the partition its hash names, with all its samples and markers', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const app = sink.appender();
    for (let i = 0; i < 50; i++) {
      const labels = { __name__: 'm', i: String(i) };
      app.append(labels, 1000, i);
      app.append(labels, 2000, i + 1);
    }
    // The same series under another labels object lands on the same partition too.
    app.append({ i: '7', __name__: 'm' }, 3000, 99);
    app.append({ __name__: 'gone' }, 3000, 0, { stale: true });
    await app.commit();

    const partitioner = new SeriesPartitioner(4);
    const records = await readAll();
    const seen = new Map<string, { ts: number[]; stale: number[] }>();
    for (const { partition, batch } of records) {
      expect(batch.source).toBe('test');
      for (const s of batch.series) {
        expect(partitioner.partitionOf(s.labels)).toBe(partition);
        const key = s.labels.i ?? s.labels.__name__;
        const prev = seen.get(key);
        seen.set(key, { ts: [...(prev?.ts ?? []), ...s.timestamps], stale: [...(prev?.stale ?? []), ...s.stale] });
      }
    }
    expect(seen.size).toBe(51);
    expect(seen.get('7')?.ts).toEqual([1000, 2000, 3000]);
    expect(seen.get('8')?.ts).toEqual([1000, 2000]);
    expect(seen.get('gone')?.stale).toEqual([0]);
  });

  it('keeps each series\' samples in append order when appends of series interleave', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const app = sink.appender();
    const series = Array.from({ length: 6 }, (_, i) => ({ __name__: 'm', i: String(i) }));
    for (let t = 1; t <= 3; t++) for (const labels of series) app.append(labels, t * 1000, t, t === 2 && labels.i === '3' ? { stale: true } : undefined);
    await app.commit();
    const got = new Map<string, { ts: number[]; stale: number[]; values: number[] }>();
    for (const { batch } of await readAll()) {
      for (const s of batch.series) got.set(s.labels.i, { ts: s.timestamps, stale: s.stale, values: s.values });
    }
    expect(got.size).toBe(6);
    expect(got.get('0')).toEqual({ ts: [1000, 2000, 3000], stale: [], values: [1, 2, 3] });
    expect(got.get('3')?.ts).toEqual([1000, 2000, 3000]);
    expect(got.get('3')?.stale).toEqual([1]);
    expect(got.get('3')?.values[2]).toBe(3);
  });

  it('splits a partition into records of at most maxSeriesPerRecord series', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test', maxSeriesPerRecord: 3 });
    const app = sink.appender();
    for (let i = 0; i < 40; i++) app.append({ __name__: 'm', i: String(i) }, 1000, i);
    await app.commit();
    const records = await readAll();
    expect(records.every(({ batch }) => batch.series.length <= 3)).toBe(true);
    expect(records.flatMap(({ batch }) => batch.series.map((s) => s.values[0])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
  });

  it('keeps two open appenders that share labels objects apart', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const shared = { __name__: 'shared' };
    const a = sink.appender();
    const b = sink.appender();
    a.append(shared, 1000, 1);
    b.append(shared, 1000, 10);
    a.append(shared, 2000, 2);
    b.rollback();
    await a.commit();
    const series = (await readAll()).flatMap(({ batch }) => batch.series);
    expect(series.flatMap((s) => s.timestamps)).toEqual([1000, 2000]);
    expect(series.flatMap((s) => s.values)).toEqual([1, 2]);
  });

  it('places every sample right when units of work repeat, grow and shrink their series lists', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const series = Array.from({ length: 30 }, (_, i) => ({ __name__: 'm', i: String(i) }));
    const extra = { __name__: 'm', i: 'extra' };
    const units = [series, series, [...series.slice(0, 10), extra, ...series.slice(12)], series.slice(0, 20), series];
    for (let u = 0; u < units.length; u++) {
      const app = sink.appender();
      for (const labels of units[u]) app.append(labels, u * 1000, u);
      await app.commit();
    }
    const seen = new Map<string, number[]>();
    for (const { batch } of await readAll()) for (const s of batch.series) seen.set(s.labels.i, [...(seen.get(s.labels.i) ?? []), ...s.values]);
    expect(seen.get('0')?.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(seen.get('11')?.sort()).toEqual([0, 1, 3, 4]);
    expect(seen.get('25')?.sort()).toEqual([0, 1, 2, 4]);
    expect(seen.get('extra')).toEqual([2]);
  });

  it('refuses appends after commit and discards everything on rollback', async () => {
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'test' });
    const a = sink.appender();
    a.append({ __name__: 'x' }, 1, 1);
    a.rollback();
    expect(() => a.append({ __name__: 'x' }, 2, 2)).toThrow(/rolled back/);
    const b = sink.appender();
    await b.commit();
    expect((await bus.offsets('samples')).every((o) => o.high === 0)).toBe(true);
  });
});
