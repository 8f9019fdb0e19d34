import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../bus/bus.js';
import { EmbeddedBus } from '../bus/embedded/index.js';
import { StoreWorker } from '../store/index.js';
import { decodeSamplesTopicRecord, encodeProducerWatermark, encodeSampleBatch, type SeriesSamples } from '../../schemas/index.js';
import { Aggregator } from './aggregator.js';
import { aggregatesConfigSchema } from './config.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = 1_700_000_040_000; // a multiple of one minute
const RULES = aggregatesConfigSchema.parse([
  { match: 'req_total', interval: '1m', by: ['job'], outputs: ['total', 'increase', 'rate_sum', 'count_series'] },
  { match: 'lat', interval: '1m', without: ['instance'], outputs: ['max', 'avg', 'quantiles(0.5)'] },
]);

/** Partition `p`'s records for the samples at (from, to]: a counter and a gauge per instance. */
function records(p: number, from: number, to: number) {
  const series: SeriesSamples[] = [];
  for (const instance of [`i${p}a`, `i${p}b`]) {
    for (const name of ['req_total', 'lat']) {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let t = from + 10_000; t <= to; t += 10_000) {
        timestamps.push(t);
        const k = (t - T0) / 10_000;
        values.push(name === 'lat' ? ((k * 7 + p) % 5) / 10 : (k * (p + 1)) % 23); // the counter resets now and then
      }
      series.push({ labels: { __name__: name, job: 'api', instance }, timestamps, values, stale: [] });
    }
  }
  return [
    { partition: p, value: encodeSampleBatch({ series }) },
    { partition: p, value: encodeProducerWatermark({ producer: `p${p}`, source: 'test', watermarkMs: to, lagMs: 0, idle: false }) },
  ];
}

/** The samples of minutes [m0, m1) on both partitions, one record per 30 s and partition. */
function minutes(m0: number, m1: number) {
  const out = [];
  for (let t = T0 + m0 * 60_000; t < T0 + m1 * 60_000; t += 30_000) out.push(...records(0, t, t + 30_000), ...records(1, t, t + 30_000));
  return out;
}

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'aggregator-follows-'));
  const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
  cleanups.push(async () => { await bus.close(); await rm(dir, { recursive: true, force: true }); });
  await bus.ensureTopic('samples', 2);
  await bus.ensureTopic('dlq', 1);
  const aggregator = (name: string, leader?: () => StoreWorker | undefined, via: Bus = bus) => new Aggregator({
    bus: via, samplesTopic: 'samples', aggregatesTopic: `out-${name}`, group: `agg-${name}`, checkpointFile: join(dir, name, 'checkpoint.json'),
    rules: RULES, registry: new Registry(), config: { idle_timeout_ms: 3_600_000, checkpoint_interval_ms: 60_000 },
    leader: leader === undefined ? undefined : { position: (p) => leader()?.position(p), settled: () => leader()?.settled() ?? true },
  });
  // wal: file, so a restarted store resumes where it stopped and runs ahead of a fresh aggregator
  // (with wal: bus it applies its partitions again from the first record not yet in a block).
  const store = (follower: Aggregator) => new StoreWorker({
    bus, topic: 'samples', deadLetterTopic: 'dlq', registry: new Registry(), config: { data_dir: join(dir, 'store'), group: 'store', wal: 'file' }, follower,
  });
  /** Resolves once `agg` has applied every record of the samples topic. */
  const caughtUp = async (agg: Aggregator) => {
    const high = await bus.offsets('samples');
    while (!high.every((o) => (agg.positions().get(o.partition) ?? -1) >= o.high)) await new Promise((r) => setTimeout(r, 10));
  };
  /** Every output sample an aggregator published, `name{instance-free labels}@seconds` -> value. */
  const outputs = async (name: string) => {
    const got = new Map<string, number>();
    const high = await bus.offsets(`out-${name}`);
    const seen = new Map<number, number>();
    const c = await bus.consume({ group: `read-${name}-${Math.random()}`, topic: `out-${name}`, fromBeginning: true }, async (b) => {
      for (const r of b.records) {
        seen.set(b.partition, r.offset + 1);
        const rec = decodeSamplesTopicRecord(r.value);
        if (rec.kind !== 'samples') continue;
        for (const s of rec.batch.series) {
          for (let i = 0; i < s.timestamps.length; i++) got.set(`${JSON.stringify(s.labels)}@${(s.timestamps[i]! - T0) / 1000}`, s.values[i]!);
        }
      }
    });
    while (!high.every((o) => (seen.get(o.partition) ?? o.low) >= o.high)) await new Promise((r) => setTimeout(r, 10));
    await c.stop();
    return got;
  };
  /** Records the aggregator applied, by who decoded them. */
  const decodedBy = async (agg: Aggregator) => {
    const m = await agg.metrics.records.get();
    return Object.fromEntries(m.values.map((v) => [String(v.labels.decoded_by), v.value]));
  };
  const alone = async () => {
    const a = aggregator('alone');
    await a.start();
    await caughtUp(a);
    await a.stop();
    return outputs('alone');
  };
  return { bus, aggregator, store, caughtUp, outputs, decodedBy, alone };
}

describe('Aggregator following the store worker of its process', () => {
  it('takes every record from the store, decoding none itself, and publishes what an aggregator reading alone does', async () => {
    const { bus, aggregator, store, caughtUp, outputs, decodedBy, alone } = await setup();
    await bus.produce('samples', minutes(0, 6));
    const held: { worker?: StoreWorker } = {};
    const follower = aggregator('follow', () => held.worker);
    const worker = (held.worker = store(follower));
    cleanups.push(() => worker.stop(), () => follower.stop());
    // The store starts first and waits for the aggregator to join before handing records over.
    await worker.start();
    await follower.start();
    await caughtUp(follower);
    await worker.stop();
    await follower.stop();

    const records = (await bus.offsets('samples')).reduce((n, o) => n + o.high - o.low, 0);
    expect(await decodedBy(follower)).toEqual({ store: records });
    const reference = await alone();
    expect(reference.size).toBe(6 * 7); // six windows, seven outputs each
    expect(await outputs('follow')).toEqual(reference);
  });

  it('stops fetching the records the store hands over, and fetches again from its position once the store is gone', async () => {
    const { bus, aggregator, store, caughtUp, outputs, decodedBy, alone } = await setup();
    // Counts the records the bus delivers to the aggregator's own consumer.
    let fetched = 0;
    const counting = new Proxy(bus, {
      get(target, prop, receiver) {
        if (prop !== 'consume') return Reflect.get(target, prop, receiver) as unknown;
        return (opts: Parameters<typeof bus.consume>[0], handler: Parameters<typeof bus.consume>[1]) => target.consume(opts, (b) => {
          if (opts.group === 'agg-follow') fetched += b.records.length;
          return handler(b);
        });
      },
    });
    await bus.produce('samples', minutes(0, 3));
    const held: { worker?: StoreWorker } = {};
    const follower = aggregator('follow', () => held.worker, counting);
    const worker = (held.worker = store(follower));
    cleanups.push(() => worker.stop(), () => follower.stop());
    await worker.start();
    await follower.start();
    await caughtUp(follower);
    const before = fetched;
    await bus.produce('samples', minutes(3, 6));
    await caughtUp(follower);
    // Handed over by the store: not one of these records was read from the bus a second time.
    expect(fetched).toBe(before);
    await worker.stop();
    // Without the store, the aggregator reads the partitions itself again, from where it is.
    const last = await bus.offsets('samples');
    await bus.produce('samples', minutes(6, 8));
    await caughtUp(follower);
    await follower.stop();

    const records = (await bus.offsets('samples')).reduce((n, o) => n + o.high - o.low, 0);
    const after = records - last.reduce((n, o) => n + o.high - o.low, 0);
    expect(await decodedBy(follower)).toEqual({ store: records - after, aggregator: after });
    expect(fetched - before).toBe(after);
    expect(await outputs('follow')).toEqual(await alone());
  });

  it('reads for itself while behind the store (its checkpoint lost), then follows it, with the same outputs', async () => {
    const { bus, aggregator, store, caughtUp, outputs, decodedBy, alone } = await setup();
    await bus.produce('samples', minutes(0, 3));
    const held1: { worker?: StoreWorker } = {};
    const first = aggregator('first', () => held1.worker);
    const worker1 = (held1.worker = store(first));
    await worker1.start();
    await first.start();
    await caughtUp(first);
    await worker1.stop();
    await first.stop();
    // A fresh aggregator beside the store, whose shards hold the first three minutes already.
    const held2: { worker?: StoreWorker } = {};
    const fresh = aggregator('fresh', () => held2.worker);
    const worker2 = (held2.worker = store(fresh));
    cleanups.push(() => worker2.stop(), () => fresh.stop());
    await fresh.start();
    await worker2.start();
    await caughtUp(fresh);
    await bus.produce('samples', minutes(3, 6));
    await caughtUp(fresh);
    await worker2.stop();
    await fresh.stop();

    const by = await decodedBy(fresh);
    const records = (await bus.offsets('samples')).reduce((n, o) => n + o.high - o.low, 0);
    expect(by.aggregator).toBeGreaterThan(0);
    expect(by.store).toBeGreaterThan(0);
    expect(by.aggregator! + by.store!).toBe(records);
    expect(await outputs('fresh')).toEqual(await alone());
  });
});
