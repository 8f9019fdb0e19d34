import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../bus/bus.js';
import { EmbeddedBus } from '../bus/embedded/index.js';
import { decodeDeadLetter, decodeSampleBatch, decodeSamplesTopicRecord, encodeProducerWatermark, encodeSampleBatch, type SeriesSamples } from '../../schemas/index.js';
import { Aggregator } from './aggregator.js';
import { aggregatesConfigSchema } from './config.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = 1_700_000_040_000; // a multiple of one minute
const RULES = aggregatesConfigSchema.parse([
  { match: 'req_total', interval: '1m', by: ['job'], outputs: ['total', 'increase', 'count_series'] },
  { match: '{__name__="lat"}', interval: '1m', without: ['instance'], outputs: ['max'], drop_input: true },
]);

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'aggregator-'));
  const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
  cleanups.push(async () => { await bus.close(); await rm(dir, { recursive: true, force: true }); });
  await bus.ensureTopic('samples', 2);
  const make = (late: 'drop' | 'dead_letter' = 'drop') => new Aggregator({
    bus, samplesTopic: 'samples', aggregatesTopic: 'aggregates', group: 'agg', checkpointFile: join(dir, 'agg', 'checkpoint.json'),
    rules: RULES, config: { idle_timeout_ms: 60_000, checkpoint_interval_ms: 50, late_samples: late }, deadLetterTopic: 'dlq',
  });
  return { bus, make, dir };
}

function counter(instance: string, from: number, to: number, v: (t: number) => number): SeriesSamples {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let t = from; t <= to; t += 10_000) { timestamps.push(t); values.push(v(t)); }
  return { labels: { __name__: 'req_total', job: 'api', instance }, timestamps, values, stale: [] };
}

/** Partition p's producer promises nothing older than `t` will follow. */
const promise = (t: number) => encodeProducerWatermark({ producer: 'p1', source: 'test', watermarkMs: t, lagMs: 0, idle: false });

/** Reads the aggregates topic until every one of `keys` is there (outputs of one window may sit on several partitions). */
async function outputs(bus: EmbeddedBus, keys: readonly string[]): Promise<Map<string, number>> {
  const until = (got: Map<string, number>) => keys.every((k) => got.has(k));
  const got = new Map<string, number>();
  const c = await bus.consume({ group: `read-${Math.random()}`, topic: 'aggregates' }, async (b) => {
    for (const r of b.records) {
      const rec = decodeSamplesTopicRecord(r.value);
      if (rec.kind !== 'samples') continue;
      for (const s of rec.batch.series) for (let i = 0; i < s.timestamps.length; i++) got.set(`${s.labels.__name__}@${(s.timestamps[i]! - T0) / 1000}`, s.values[i]!);
    }
  });
  while (!until(got)) await new Promise((r) => setTimeout(r, 10));
  await c.stop();
  return got;
}

describe('Aggregator on the bus', () => {
  it('closes a window only when every partition\'s watermark passed it, merging a `by` across partitions', async () => {
    const { bus, make } = await setup();
    const agg = make();
    cleanups.push(() => agg.stop());
    await agg.start();
    // Two instances of job api on two partitions: +1 per 10 s on p0, +2 per 10 s on p1.
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 120_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 120_000) },
      { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 10_000, T0 + 60_000, (t) => (2 * (t - T0)) / 10_000)] }) },
      { partition: 1, value: promise(T0 + 60_000) },
    ]);
    const first = await outputs(bus, ['req_total:1m_by_job_total@60', 'req_total:1m_by_job_increase@60', 'req_total:1m_by_job_count_series@60']);
    // p0: samples 1..6 in (0, 60]: +5; p1: 2..12: +10.
    expect(first.get('req_total:1m_by_job_increase@60')).toBe(15);
    expect(first.get('req_total:1m_by_job_count_series@60')).toBe(2);
    // Partition 1 promised only up to 60 s: the window ending at 120 s stays open.
    expect(first.has('req_total:1m_by_job_total@120')).toBe(false);
    await bus.produce('samples', [
      { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 70_000, T0 + 120_000, (t) => (2 * (t - T0)) / 10_000)] }) },
      { partition: 1, value: promise(T0 + 120_000) },
    ]);
    const second = await outputs(bus, ['req_total:1m_by_job_total@120', 'req_total:1m_by_job_increase@120']);
    expect(second.get('req_total:1m_by_job_increase@120')).toBe(6 + 12);
    expect(second.get('req_total:1m_by_job_total@120')).toBe(15 + 18);
    const status = agg.status();
    expect(status.rules[0]!.inputSeries).toBe(2);
    expect(status.rules[0]!.closedThroughMs).toBe(T0 + 120_000);
    // The next checkpoint covers every record read.
    while (agg.status().lastCheckpoint?.offsets[1] !== 4) await new Promise((r) => setTimeout(r, 10));
    expect(agg.status().lastCheckpoint?.offsets).toEqual({ 0: 2, 1: 4 });
  });

  it('resumes from its checkpoint without losing or doubling a window', async () => {
    const { bus, make } = await setup();
    const one = make();
    await one.start();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 90_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 60_000) },
      { partition: 1, value: promise(T0 + 60_000) },
    ]);
    await outputs(bus, ['req_total:1m_by_job_total@60']);
    await one.stop();
    // Samples of the open window (60, 120] were read before the stop; they come from the checkpoint now.
    const two = make();
    cleanups.push(() => two.stop());
    await two.start();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 100_000, T0 + 120_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 120_000) },
      { partition: 1, value: promise(T0 + 120_000) },
    ]);
    const got = await outputs(bus, ['req_total:1m_by_job_total@120', 'req_total:1m_by_job_increase@120']);
    expect(got.get('req_total:1m_by_job_increase@120')).toBe(6);
    expect(got.get('req_total:1m_by_job_total@120')).toBe(5 + 6);
  });

  it('goes on with a rule a reload keeps unchanged as without the reload: its open window, groups and running totals', async () => {
    const { bus, make } = await setup();
    const one = make();
    cleanups.push(() => one.stop());
    await one.start();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 90_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 10_000, T0 + 90_000, (t) => (t - T0) / 5_000)] }) },
      { partition: 0, value: promise(T0 + 60_000) },
      { partition: 1, value: promise(T0 + 60_000) },
    ]);
    await outputs(bus, ['req_total:1m_by_job_total@60']);
    await one.applyRules(RULES);
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 100_000, T0 + 120_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 100_000, T0 + 120_000, (t) => (t - T0) / 5_000)] }) },
      { partition: 0, value: promise(T0 + 120_000) },
      { partition: 1, value: promise(T0 + 120_000) },
    ]);
    const got = await outputs(bus, ['req_total:1m_by_job_total@60', 'req_total:1m_by_job_total@120', 'req_total:1m_by_job_increase@120']);
    // a rises 1 and b 2 every 10 s: 5 + 10 in window 60, 6 + 12 in window 120 (its first samples before the reload).
    expect(got.get('req_total:1m_by_job_total@60')).toBe(15);
    expect(got.get('req_total:1m_by_job_increase@120')).toBe(18);
    expect(got.get('req_total:1m_by_job_total@120')).toBe(15 + 18);
  });

  it('aggregates records of float samples only from their columns as it does records read series by series', async () => {
    const lat = (v: number, from: number): SeriesSamples => ({
      labels: { __name__: 'lat', instance: 'a' }, timestamps: [from, from + 50_000], values: [v, v], stale: [],
    });
    // Several series per record, several samples per series: each one a range of the record's columns.
    const records = [
      [counter('a', T0 + 10_000, T0 + 60_000, (t) => (t - T0) / 10_000), counter('c', T0 + 10_000, T0 + 60_000, (t) => (3 * (t - T0)) / 10_000), lat(1.5, T0 + 10_000)],
      [counter('a', T0 + 70_000, T0 + 120_000, (t) => (t - T0) / 10_000), counter('c', T0 + 70_000, T0 + 120_000, (t) => (3 * (t - T0)) / 10_000), lat(2.5, T0 + 70_000)],
    ];
    // A series no rule reads, ending with a staleness marker: its record is decoded to series only.
    const ended: SeriesSamples = { labels: { __name__: 'other' }, timestamps: [T0 + 5_000], values: [0], stale: [0] };
    const keys = ['req_total:1m_by_job_increase@60', 'req_total:1m_by_job_increase@120', 'req_total:1m_by_job_total@120', 'req_total:1m_by_job_count_series@120', 'lat:1m_without_instance_max@60', 'lat:1m_without_instance_max@120'];
    const run = async (withMarker: boolean) => {
      const { bus, make } = await setup();
      const agg = make();
      cleanups.push(() => agg.stop());
      await agg.start();
      const values = records.map((series) => encodeSampleBatch({ series: withMarker ? [ended, ...series] : series }));
      for (const v of values) {
        const rec = decodeSamplesTopicRecord(v);
        expect(rec.kind === 'samples' && rec.batch.floatColumns !== undefined).toBe(!withMarker);
      }
      await bus.produce('samples', [...values.map((value) => ({ partition: 0, value })), { partition: 0, value: promise(T0 + 120_000) }, { partition: 1, value: promise(T0 + 120_000) }]);
      const got = await outputs(bus, keys);
      return keys.map((k) => got.get(k));
    };
    const columns = await run(false);
    // a: +5 and +6, c: +15 and +18; lat's max per window.
    expect(columns).toEqual([20, 24, 44, 2, 1.5, 2.5]);
    expect(await run(true)).toEqual(columns);
  });

  it('counts a sample for a closed window as late and, when asked, routes it to the dead-letter topic', async () => {
    const { bus, make } = await setup();
    await bus.ensureTopic('dlq', 1);
    const agg = make('dead_letter');
    cleanups.push(() => agg.stop());
    await agg.start();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 60_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 60_000) },
      { partition: 1, value: promise(T0 + 60_000) },
    ]);
    await outputs(bus, ['req_total:1m_by_job_total@60']);
    // Window (0, 60 s] is closed: b's samples at 50 and 60 s are late, the one at 70 s is not.
    await bus.produce('samples', [{ partition: 1, value: encodeSampleBatch({ series: [counter('b', T0 + 50_000, T0 + 70_000, () => 5)] }) }]);
    const letters: ReturnType<typeof decodeDeadLetter>[] = [];
    const c = await bus.consume({ group: 'dlq-reader', topic: 'dlq' }, async (b) => { for (const r of b.records) letters.push(decodeDeadLetter(r.value)); });
    while (letters.length === 0) await new Promise((r) => setTimeout(r, 10));
    await c.stop();
    expect(letters[0]!.reason).toBe('late for aggregation rule "0:req_total": its window had closed');
    expect(letters[0]!.partition).toBe(1);
    const late = decodeSampleBatch(letters[0]!.originalValue);
    expect(late.series.map((s) => [s.labels.instance, s.timestamps.map((t) => t - T0)])).toEqual([['b', [50_000, 60_000]]]);
    expect(agg.status().rules[0]!.lateSamples).toBe(2);
  });

  it('without rules starts at the end of each partition instead of reading back the records before it', async () => {
    const { bus, dir } = await setup();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [counter('a', T0 + 10_000, T0 + 60_000, (t) => (t - T0) / 10_000)] }) },
      { partition: 0, value: promise(T0 + 60_000) },
      { partition: 1, value: promise(T0 + 60_000) },
    ]);
    // The bus as the aggregator sees it, counting the records its consumer is handed.
    let delivered = 0;
    const counting = new Proxy(bus, {
      get(target, key) {
        if (key === 'consume') {
          return ((opts, handler) => target.consume(opts, async (b) => {
            delivered += b.records.length;
            await handler(b);
          })) satisfies Bus['consume'];
        }
        const v: unknown = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const agg = new Aggregator({ bus: counting, samplesTopic: 'samples', aggregatesTopic: 'aggregates', group: 'agg', checkpointFile: join(dir, 'no-rules', 'checkpoint.json'), rules: [] });
    cleanups.push(() => agg.stop());
    await agg.start();
    expect(Object.fromEntries(agg.positions())).toEqual({ 0: 2, 1: 1 });
    // Records after its start are read (and passed over) as before.
    await bus.produce('samples', [{ partition: 0, value: promise(T0 + 120_000) }]);
    while (agg.positions().get(0) !== 3) await new Promise((r) => setTimeout(r, 10));
    expect(delivered).toBe(1);
  });
});
