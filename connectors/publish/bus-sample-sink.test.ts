import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { decodeSampleBatch } from '../../schemas/sample-batch-codec.js';
import { SeriesPartitioner } from '../../schemas/series-partitioner.js';
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
