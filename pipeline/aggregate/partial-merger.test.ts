import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../bus/embedded/index.js';
import { decodeSamplesTopicRecord, encodeProducerWatermark, encodeSampleBatch, type SeriesSamples } from '../../schemas/index.js';
import { Aggregator } from './aggregator.js';
import { compileRule } from './compiled-rule.js';
import { aggregatesConfigSchema } from './config.js';
import { MergedRule, type MergedOutput } from './merged-rule.js';
import { PartialMerger } from './partial-merger.js';
import { encodePartialRecord } from './partial-record.js';
import { RuleState } from './rule-state.js';
import { newAccumulator, type WindowAccumulator } from './window-accumulator.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = 1_700_000_040_000; // a multiple of one minute
const RULES = aggregatesConfigSchema.parse([
  { match: 'req_total', interval: '1m', by: ['job'], outputs: ['total', 'increase', 'count_series'] },
]);

function sumOf(labels: Record<string, string>, sum: number, samples: number): WindowAccumulator {
  const a = newAccumulator(labels, { values: false, buckets: false });
  a.sum = sum;
  a.samples = samples;
  a.series = 1;
  return a;
}

describe('MergedRule', () => {
  const rule = compileRule(aggregatesConfigSchema.parse([{ match: 'x', interval: '1m', by: ['job'], outputs: ['sum_samples', 'count_series'] }])[0]!, 0);
  const group = { __name__: 'x', job: 'a' };
  const values = (out: MergedOutput[]) => out.map((o) => `${o.labels.__name__}@${o.ts}=${o.value}`).sort();

  it('emits a window only once every input partition is closed through it, summing the partitions\' partials', () => {
    const m = new MergedRule(new RuleState(rule));
    const out: MergedOutput[] = [];
    m.take(1, 60_000, [{ end: 60_000, accumulators: [sumOf(group, 2, 1)] }]);
    expect(m.closeDue(2, out)).toBe(0);
    m.take(0, 60_000, [{ end: 60_000, accumulators: [sumOf(group, 5, 2)] }]);
    expect(m.closeDue(2, out)).toBe(1);
    expect(values(out)).toEqual(['x:1m_by_job_count_series@60000=2', 'x:1m_by_job_sum_samples@60000=7']);
  });

  it('drops a partial of a window its partition had already sent, so a partition aggregated again counts once', () => {
    const m = new MergedRule(new RuleState(rule));
    const out: MergedOutput[] = [];
    expect(m.take(0, 60_000, [{ end: 60_000, accumulators: [sumOf(group, 5, 2)] }])).toBe(true);
    // The same window again (its partition was read again by another store after a crash).
    expect(m.take(0, 60_000, [{ end: 60_000, accumulators: [sumOf(group, 5, 2)] }])).toBe(false);
    m.take(1, 120_000, [{ end: 60_000, accumulators: [sumOf(group, 1, 1)] }, { end: 120_000, accumulators: [sumOf(group, 3, 1)] }]);
    expect(m.closeDue(2, out)).toBe(1);
    // Window 60 s again from partition 1 after it was emitted: dropped as well.
    expect(m.take(1, 120_000, [{ end: 60_000, accumulators: [sumOf(group, 1, 1)] }])).toBe(false);
    m.take(0, 120_000, []);
    expect(m.closeDue(2, out)).toBe(1);
    expect(values(out)).toEqual([
      'x:1m_by_job_count_series@120000=1', 'x:1m_by_job_count_series@60000=2',
      'x:1m_by_job_sum_samples@120000=3', 'x:1m_by_job_sum_samples@60000=6',
    ]);
  });
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'partial-merger-'));
  const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
  cleanups.push(async () => { await bus.close(); await rm(dir, { recursive: true, force: true }); });
  await bus.ensureTopic('samples', 2);
  /** A store's aggregation: its aggregator of the partitions it holds and its merger member. */
  const store = async (name: string, handOver = true) => {
    const merger = new PartialMerger({
      bus, partialsTopic: 'partials', aggregatesTopic: 'aggregates', inputPartitions: 2, group: `agg.merge.${name}`,
      checkpointFile: join(dir, name, 'merge.json'), checkpointIntervalMs: 50, rules: RULES, logger: { info() {}, error() {} },
    });
    const agg = new Aggregator({
      bus, samplesTopic: 'samples', aggregatesTopic: 'aggregates', group: 'agg', checkpointFile: join(dir, name, 'checkpoint.json'),
      rules: RULES, config: { idle_timeout_ms: 60_000, checkpoint_interval_ms: 50 },
      // As in `tidemark store`: the merger of the same store takes the partials as published.
      partials: { topic: 'partials', onPublished: handOver ? (published) => merger.handOver(published) : undefined },
      // As in `tidemark store`: the store holding the first partition merges.
      onPartitions: (held) => void (held.includes(0) ? merger.activate() : merger.deactivate()),
    });
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await Promise.all([agg.stop(), merger.stop()]);
    };
    cleanups.push(stop);
    await Promise.all([agg.start(), merger.start()]);
    return { agg, merger, stop };
  };
  return { bus, store };
}

function counter(instance: string, from: number, to: number, v: (t: number) => number): SeriesSamples {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let t = from; t <= to; t += 10_000) { timestamps.push(t); values.push(v(t)); }
  return { labels: { __name__: 'req_total', job: 'api', instance }, timestamps, values, stale: [] };
}

const promise = (t: number) => encodeProducerWatermark({ producer: 'p1', source: 'test', watermarkMs: t, lagMs: 0, idle: false });

/** Every value the aggregates topic holds per output (series @ seconds after T0), once all of `keys` are there. */
async function outputs(bus: EmbeddedBus, keys: readonly string[]): Promise<Map<string, number[]>> {
  const got = new Map<string, number[]>();
  const c = await bus.consume({ group: `read-${Math.random()}`, topic: 'aggregates' }, async (b) => {
    for (const r of b.records) {
      const rec = decodeSamplesTopicRecord(r.value);
      if (rec.kind !== 'samples') continue;
      for (const s of rec.batch.series) {
        for (let i = 0; i < s.timestamps.length; i++) {
          const k = `${s.labels.__name__}@${(s.timestamps[i]! - T0) / 1000}`;
          got.set(k, [...(got.get(k) ?? []), s.values[i]!]);
        }
      }
    }
  });
  while (!keys.every((k) => got.has(k))) await new Promise((r) => setTimeout(r, 10));
  // Anything sent twice would be there by now: the merger publishes a window's outputs at once.
  await new Promise((r) => setTimeout(r, 200));
  await c.stop();
  return got;
}

describe('Stores aggregating their own partitions', () => {
  it('each aggregate the partitions they hold, and the merger publishes a `by` over both partitions once', async () => {
    const { bus, store } = await setup();
    const a = await store('a');
    const b = await store('b');
    // The two stores share the partitions.
    expect([...a.agg.status().partitions, ...b.agg.status().partitions].sort()).toEqual([0, 1]);
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 120_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 120_000) },
      { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 10_000, T0 + 120_000, (t) => (2 * (t - T0)) / 10_000)] }) },
      { partition: 1, value: promise(T0 + 120_000) },
    ]);
    const got = await outputs(bus, ['req_total:1m_by_job_total@120', 'req_total:1m_by_job_increase@120']);
    expect(Object.fromEntries(got)).toEqual({
      // p0: 1..6 in (0, 60] (+5), p1: 2..12 (+10); then +6 and +12.
      'req_total:1m_by_job_increase@60': [15], 'req_total:1m_by_job_total@60': [15], 'req_total:1m_by_job_count_series@60': [2],
      'req_total:1m_by_job_increase@120': [18], 'req_total:1m_by_job_total@120': [33], 'req_total:1m_by_job_count_series@120': [2],
    });
    // One of the two merges.
    expect([a.merger.status().merging, b.merger.status().merging].sort()).toEqual([false, true]);
  });

  for (const handOver of [true, false]) {
    it(`alone with every partition, merges its own partials ${handOver ? 'as its aggregator hands them over, decoding none' : 'read back from the topic'}`, async () => {
      const { bus, store } = await setup();
      const a = await store('a', handOver);
      expect(a.agg.status().partitions).toEqual([0, 1]);
      // Partials published before this store's merger took up the merging are read from the topic.
      while (!a.merger.status().merging) await new Promise((r) => setTimeout(r, 10));
      await bus.produce('samples', [
        { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 120_000, (t) => (t - T0) / 10_000)] }) },
        { partition: 0, value: promise(T0 + 120_000) },
        { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 10_000, T0 + 120_000, (t) => (2 * (t - T0)) / 10_000)] }) },
        { partition: 1, value: promise(T0 + 120_000) },
      ]);
      const got = await outputs(bus, ['req_total:1m_by_job_total@120', 'req_total:1m_by_job_increase@120']);
      expect(Object.fromEntries(got)).toEqual({
        'req_total:1m_by_job_increase@60': [15], 'req_total:1m_by_job_total@60': [15], 'req_total:1m_by_job_count_series@60': [2],
        'req_total:1m_by_job_increase@120': [18], 'req_total:1m_by_job_total@120': [33], 'req_total:1m_by_job_count_series@120': [2],
      });
      const taken = a.merger.status().partials;
      if (handOver) expect(taken).toMatchObject({ decoded: 0, handedOver: expect.any(Number) as number });
      else expect(taken).toMatchObject({ handedOver: 0, decoded: expect.any(Number) as number });
      expect(taken.decoded + taken.handedOver).toBeGreaterThan(0);
    });
  }

  it('counts a window once when a partition moves to a store without its state, which aggregates it again from the start', async () => {
    const { bus, store } = await setup();
    const a = await store('a');
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 60_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 60_000) },
      { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 10_000, T0 + 60_000, (t) => (2 * (t - T0)) / 10_000)] }) },
      { partition: 1, value: promise(T0 + 60_000) },
    ]);
    await outputs(bus, ['req_total:1m_by_job_total@60']);
    // A second store joins: one partition moves to it, with no checkpoint there; it reads that
    // partition from its first record and closes window 60 s again.
    const b = await store('b');
    expect(b.agg.status().partitions).toHaveLength(1);
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 70_000, T0 + 120_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 120_000) },
      { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 70_000, T0 + 120_000, (t) => (2 * (t - T0)) / 10_000)] }) },
      { partition: 1, value: promise(T0 + 120_000) },
    ]);
    const got = await outputs(bus, ['req_total:1m_by_job_total@120']);
    expect(Object.fromEntries(got)).toEqual({
      'req_total:1m_by_job_increase@60': [15], 'req_total:1m_by_job_total@60': [15], 'req_total:1m_by_job_count_series@60': [2],
      'req_total:1m_by_job_increase@120': [18], 'req_total:1m_by_job_total@120': [33], 'req_total:1m_by_job_count_series@120': [2],
    });
    await a.stop();
  });

  it('merges the JSON partials (version 2) an earlier store published with the binary ones of this version, as in a rolling upgrade', async () => {
    const { bus } = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'partial-merger-upgrade-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const rule = compileRule(RULES[0]!, 0).id;
    const end = T0 + 60_000;
    // Partition 1's window as an earlier store wrote it: each accumulator a row of its numbers
    // (labels, samples, hSamples, sum, min, max, lastTs, lastV, mean, m2, inc, rateSum, rateN,
    // series, alive, values, buckets), non-finite ones as strings.
    const earlier = {
      version: 2, partition: 1, strings: ['__name__', 'req_total', 'job', 'api'],
      rules: [{ rule, closedThrough: end, windows: [[end, [[[0, 1, 2, 3], 6, 0, 42, 2, 12, end, 12, 0, 0, 10, 0, 0, 1, 1, null, null]]]] }],
    };
    const a = newAccumulator({ __name__: 'req_total', job: 'api' }, { values: false, buckets: false });
    Object.assign(a, { samples: 6, sum: 21, min: 1, max: 6, lastTs: end, lastV: 6, inc: 5, series: 1, alive: true });
    await bus.ensureTopic('partials', 1);
    await bus.produce('partials', [
      { partition: 0, value: Buffer.from(JSON.stringify(earlier)) },
      { partition: 0, value: encodePartialRecord({ partition: 0, rules: [{ rule, closedThrough: end, windows: [{ end, accumulators: [a] }] }] }) },
    ]);
    const merger = new PartialMerger({
      bus, partialsTopic: 'partials', aggregatesTopic: 'aggregates', inputPartitions: 2, group: 'agg.merge.upgraded',
      checkpointFile: join(dir, 'merge.json'), checkpointIntervalMs: 50, rules: RULES, logger: { info() {}, error() {} },
    });
    cleanups.push(() => merger.stop());
    await merger.start();
    await merger.activate();
    const got = await outputs(bus, ['req_total:1m_by_job_total@60']);
    expect(Object.fromEntries(got)).toEqual({
      'req_total:1m_by_job_increase@60': [15], 'req_total:1m_by_job_total@60': [15], 'req_total:1m_by_job_count_series@60': [2],
    });
    expect(merger.status().partials).toMatchObject({ decoded: 2, handedOver: 0 });
  });
});
