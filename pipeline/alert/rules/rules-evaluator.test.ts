import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../bus/embedded/index.js';
import { BusSampleSink } from '../../publish/index.js';
import { Engine, EvalPool } from '../../promql/index.js';
import { decodeSamplesTopicRecord, encodeSampleBatch, SeriesPartitioner, type SeriesSamples } from '../../../schemas/index.js';
import { decodeAlertEvent, type AlertEvent } from './alert-event.js';
import type { NotifyAlert } from './notify-func.js';
import { engineQueryFunc } from './query-func.js';
import { RulesEvaluator } from './rules-evaluator.js';
import type { RulesEvaluatorSettings } from './rules-settings.js';

const RULES = `
groups:
- name: g
  interval: 10s
  rules:
  - record: job:load:max
    expr: max by (job) (load)
  - alert: High
    expr: job:load:max > 5
    for: 20s
    labels: {severity: page}
    annotations: {summary: 'load {{ $value }} on {{ $labels.job }}'}
`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Partial<RulesEvaluatorSettings> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'rules-eval-'));
  const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
  cleanups.push(async () => { await bus.close(); await rm(dir, { recursive: true, force: true }); });
  await bus.ensureTopic('samples', 2);
  const file = join(dir, 'rules.yml');
  await writeFile(file, RULES);
  const notified: NotifyAlert[] = [];
  const evaluator = new RulesEvaluator({
    bus, samplesTopic: 'samples', aggregatesTopic: 'aggregates', alertsTopic: 'alerts', topicPartitions: 2,
    query: engineQueryFunc(new Engine()), notify: async (a) => { notified.push(...a); },
    allowedLatenessMs: 0, idleTimeoutMs: 60_000, ...extra,
  });
  await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
  return { dir, bus, evaluator, notified, file };
}

/** Load samples every 5 s for 2 minutes: job a on partition 0, job b on partition 1. */
function series(job: string, from: number, to: number, value: (t: number) => number): SeriesSamples {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let t = from; t <= to; t += 5000) { timestamps.push(t); values.push(value(t)); }
  return { labels: { __name__: 'load', job }, timestamps, values, stale: [] };
}

const T0 = 1_700_000_000_000;

/** Writes one `level` sample through a producer that sends watermarks (period 20 ms, lag 10 ms). */
function levelWriter(bus: EmbeddedBus): (instance: string, t: number, v: number) => Promise<void> {
  const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 2, source: 'test', watermarks: { periodMs: 20, lagMs: 10 } });
  cleanups.push(() => sink.close());
  return async (instance, t, v) => {
    const app = sink.appender();
    app.append({ __name__: 'level', instance }, t, v);
    await app.commit();
  };
}
const loadA = (t: number) => (t >= T0 + 30_000 && t < T0 + 80_000 ? 9 : 1);
const loadB = () => 2;
/** loadA shifted to start at `from`. */
const loadA2 = (from: number) => (t: number) => loadA(t - from + T0);

async function events(bus: EmbeddedBus, n: number): Promise<AlertEvent[]> {
  const got: AlertEvent[] = [];
  const c = await bus.consume({ group: `read-${Math.random()}`, topic: 'alerts' }, async (b) => { for (const r of b.records) got.push(decodeAlertEvent(r.value)); });
  // Bounded by the test's timeout only: on a loaded machine the events can take seconds.
  while (got.length < n) await new Promise((r) => setTimeout(r, 10));
  await c.stop();
  return got.sort((x, y) => x.at - y.at || x.state.localeCompare(y.state));
}

describe('RulesEvaluator on event time', () => {
  it('yields the same alert events whether partitions arrive interleaved or one after the other', async () => {
    const runs: AlertEvent[][] = [];
    for (const order of ['interleaved', 'sequential'] as const) {
      const { bus, evaluator } = await setup();
      await evaluator.start();
      // Chunks of 20 s per partition; in one run alternating, in the other all of 0 then all of 1.
      const chunks: Array<{ p: number; s: SeriesSamples }> = [];
      for (let c = 0; c < 6; c++) {
        const from = T0 + c * 20_000;
        chunks.push({ p: 0, s: series('a', from, from + 15_000, loadA) });
        chunks.push({ p: 1, s: series('b', from, from + 15_000, loadB) });
      }
      const ordered = order === 'interleaved' ? chunks : [...chunks.filter((c) => c.p === 0), ...chunks.filter((c) => c.p === 1)];
      for (const c of ordered) await bus.produce('samples', [{ partition: c.p, value: encodeSampleBatch({ series: [c.s] }) }]);
      runs.push(await events(bus, 3));
      await evaluator.stop();
    }
    expect(runs[0]!.map((e) => [e.previous, e.state, e.at - T0])).toEqual([
      ['inactive', 'pending', 30_000], ['pending', 'firing', 50_000], ['firing', 'inactive', 80_000],
    ]);
    const withoutFile = (es: AlertEvent[]) => es.map(({ file: _f, ...e }) => e);
    expect(withoutFile(runs[1]!)).toEqual(withoutFile(runs[0]!));
    expect(runs[0]![1]!.annotations).toEqual({ summary: 'load 9 on a' });
    expect(runs[0]![1]!.labels).toEqual({ alertname: 'High', job: 'a', severity: 'page' });
  });

  it('does not let an idle partition hold the watermark back', async () => {
    const { bus, evaluator } = await setup({ idleTimeoutMs: 200 });
    await evaluator.start();
    // Only partition 0 gets data; partition 1 stays silent and goes idle after 200 ms.
    await bus.produce('samples', [{ partition: 0, value: encodeSampleBatch({ series: [series('a', T0, T0 + 60_000, loadA)] }) }]);
    const got = await events(bus, 3);
    // Pending and firing from the data; resolved once the series went stale (5 m lookback) on the wall clock.
    expect(got.map((e) => [e.state, e.at - T0])).toEqual([['pending', 30_000], ['firing', 50_000], ['inactive', 360_000]]);
    expect(evaluator.watermarkMs()).toBeGreaterThanOrEqual(T0 + 60_000);
    await evaluator.stop();
  });

  it('holds the watermark at the slowest active partition', async () => {
    const { bus, evaluator } = await setup();
    await evaluator.start();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [series('a', T0, T0 + 100_000, loadA)] }) },
      { partition: 1, value: encodeSampleBatch({ series: [series('b', T0, T0 + 20_000, loadB)] }) },
    ]);
    const [g] = evaluator.groups();
    while (g!.lastEvaluation < T0 + 20_000) await new Promise((r) => setTimeout(r, 10));
    // Then a moment in which it must not move past the slow partition.
    await new Promise((r) => setTimeout(r, 100));
    expect(g!.lastEvaluation).toBe(T0 + 20_000);
    expect(evaluator.watermarkMs()).toBe(T0 + 20_000);
    await evaluator.stop();
  });

  it('evaluates one busy partition as soon as the producer has moved on, without waiting for the idle partition', async () => {
    // An idle timeout far longer than the test: only the producer's promises can move partition 1.
    const { bus, evaluator, notified, file } = await setup({ idleTimeoutMs: 600_000 });
    await writeFile(file, 'groups:\n- name: fast\n  interval: 100ms\n  rules:\n  - alert: Crossed\n    expr: level > 10\n');
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 1000 });
    await evaluator.start();
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 2, source: 'test', watermarks: { periodMs: 20, lagMs: 10 } });
    cleanups.push(() => sink.close());
    const labels = { __name__: 'level', instance: 'i0' };
    const partition = new SeriesPartitioner(2).partitionOf(labels);
    const sentAt = Date.now();
    const app = sink.appender();
    app.append(labels, sentAt, 42);
    await app.commit();
    const got = await events(bus, 1);
    expect(got.map((e) => [e.rule, e.state, e.labels['instance']])).toEqual([['Crossed', 'firing', 'i0']]);
    // Fired at the first 100 ms instant at or after the sample, although only one partition had data.
    expect(got[0]!.at).toBe(Math.ceil(sentAt / 100) * 100);
    expect((await bus.offsets('samples')).find((o) => o.partition === 1 - partition)!.high).toBeGreaterThan(0);
    expect(notified.map((a) => a.labels['alertname'])).toContain('Crossed');
    await evaluator.stop();
  });

  it('counts a sample older than its producer already promised as late, and alerts on it at a later instant', async () => {
    const { bus, evaluator, notified, file } = await setup({ idleTimeoutMs: 600_000 });
    await writeFile(file, 'groups:\n- name: fast\n  interval: 100ms\n  rules:\n  - alert: Crossed\n    expr: level > 10\n');
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 1000 });
    await evaluator.start();
    const write = levelWriter(bus);
    await write('i0', Date.now(), 1);
    const start = Date.now();
    while (evaluator.watermarkMs() < start) await new Promise((r) => setTimeout(r, 10));
    // Two seconds old when written: the producer has promised past it already.
    const old = Date.now() - 2000;
    await write('i1', old, 42);
    while (!notified.some((a) => a.labels['alertname'] === 'Crossed')) await new Promise((r) => setTimeout(r, 10));
    const crossed = notified.find((a) => a.labels['alertname'] === 'Crossed')!;
    // Evaluated at an instant after the sample, and after the watermark had passed it.
    expect(crossed.startsAt).toBeGreaterThan(start);
    expect(crossed.labels).toMatchObject({ instance: 'i1' });
    expect((await evaluator.metrics.samplesLate.get()).values[0]!.value).toBe(1);
    await evaluator.stop();
  });
});

describe('RulesEvaluator without rules', () => {
  it('commits the samples stream undecoded while no group is loaded, and evaluates what arrives after a reload adds rules', async () => {
    const registry = new Registry();
    const { bus, evaluator, file } = await setup({ registry, deadLetterTopic: 'deadletter', group: 'rules' });
    await evaluator.applyConfig({ ruleFiles: [], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    // Malformed and well-formed records alike are passed over: nothing could read them later.
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [series('a', T0, T0 + 60_000, () => 9)] }) },
      { partition: 1, value: Buffer.from('not avro') },
    ]);
    const committed = async () => (await bus.committedOffsets('rules', 'samples')).map((o) => o.offset);
    while ((await committed()).join() !== '1,1') await new Promise((r) => setTimeout(r, 10));
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.reduce((a, v) => a + v.value, 0);
    expect(await value('tidemark_rules_records_passed_over_total')).toBe(2);
    expect(await value('tidemark_rules_samples_received_total')).toBe(0);
    expect((await bus.offsets('deadletter').catch(() => [])).reduce((a, o) => a + o.high, 0)).toBe(0);

    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
    const later = T0 + 600_000;
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [series('a', later, later + 120_000, loadA2(later))] }) },
      { partition: 1, value: encodeSampleBatch({ series: [series('b', later, later + 120_000, loadB)] }) },
    ]);
    const got = await events(bus, 3);
    expect(got.map((e) => [e.state, e.at - later])).toEqual([['pending', 30_000], ['firing', 50_000], ['inactive', 80_000]]);
    expect(await value('tidemark_rules_records_passed_over_total')).toBe(2);
    expect(await value('tidemark_rules_samples_received_total')).toBeGreaterThan(0);
    await evaluator.stop();
  });
  it('commits records passed over without rules once an interval and at stop, not per batch', async () => {
    const registry = new Registry();
    const { bus, evaluator } = await setup({ registry, group: 'rules', passOverCommitIntervalMs: 3_600_000 });
    await evaluator.applyConfig({ ruleFiles: [], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    for (let i = 0; i < 3; i++) {
      await bus.produce('samples', [
        { partition: 0, value: encodeSampleBatch({ series: [series('a', T0 + i * 60_000, T0 + i * 60_000 + 5_000, () => 1)] }) },
        { partition: 1, value: encodeSampleBatch({ series: [series('b', T0 + i * 60_000, T0 + i * 60_000 + 5_000, () => 1)] }) },
      ]);
    }
    const passedOver = async () => (await registry.getSingleMetric('tidemark_rules_records_passed_over_total')!.get()).values.reduce((a, v) => a + v.value, 0);
    while ((await passedOver()) < 6) await new Promise((r) => setTimeout(r, 10));
    const committed = async () => (await bus.committedOffsets('rules', 'samples')).map((o) => o.offset);
    // Read, but the interval has not passed: nothing committed yet (a restart reads them again).
    expect((await committed()).filter((o) => o > 0)).toEqual([]);
    await evaluator.stop();
    expect(await committed()).toEqual([3, 3]);
  });
});

describe('RulesEvaluator at arrival instants', () => {
  const ARRIVAL_RULES = `
groups:
- name: slow
  interval: 1m
  rules:
  - record: level:max
    expr: max(level)
  - alert: Crossed
    expr: level > 10
`;

  // Only partition 0 gets data; partition 1 stops holding the watermark after 200 ms.
  /** Samples of `level` at the given offsets from T0 (ms), in the given record sizes. */
  async function produceLevels(bus: EmbeddedBus, points: Array<[number, number]>, perRecord: number): Promise<void> {
    for (let i = 0; i < points.length; i += perRecord) {
      const chunk = points.slice(i, i + perRecord);
      const s: SeriesSamples = { labels: { __name__: 'level', instance: 'i0' }, timestamps: chunk.map(([t]) => T0 + t), values: chunk.map(([, v]) => v), stale: [] };
      await bus.produce('samples', [{ partition: 0, value: encodeSampleBatch({ series: [s] }) }]);
    }
  }

  // T0 is 20 s past a whole minute: the 1 m group's interval instants are T0 + 40 s, T0 + 100 s, ...
  const LEVELS: Array<[number, number]> = [[0, 1], [10_000, 1], [20_040, 42], [30_000, 42], [35_000, 3], [50_000, 3], [130_000, 3]];

  it('fires an alert at the crossing sample rounded up to the resolution, not at the next interval instant', async () => {
    const { bus, evaluator, notified, file } = await setup({ idleTimeoutMs: 200 });
    await writeFile(file, ARRIVAL_RULES);
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    await produceLevels(bus, LEVELS, 2);
    const got = await events(bus, 2);
    // Fired at 20.1 s (sample at 20.04 s, 100 ms resolution) and resolved at 35 s: the interval
    // instants alone (40 s, 100 s) would have seen neither.
    expect(got.map((e) => [e.previous, e.state, e.at - T0])).toEqual([['inactive', 'firing', 20_100], ['firing', 'inactive', 35_000]]);
    expect(notified[0]!.startsAt).toBe(T0 + 20_100);
    expect((await evaluator.metrics.arrivalEvaluations.get()).values[0]!.value).toBeGreaterThan(0);
    await evaluator.stop();
  });

  it('writes recording output and ALERTS only at interval instants', async () => {
    const { bus, evaluator, file } = await setup({ idleTimeoutMs: 200 });
    await writeFile(file, ARRIVAL_RULES);
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    await produceLevels(bus, LEVELS, 3);
    await events(bus, 2);
    const [g] = evaluator.groups();
    while (g!.rules[0]!.status.lastEvaluation < T0 + 100_000) await new Promise((r) => setTimeout(r, 10));
    const written = new Set<number>();
    const c = await bus.consume({ group: `agg-${Math.random()}`, topic: 'aggregates', fromBeginning: true }, async (b) => {
      for (const r of b.records) {
        const d = decodeSamplesTopicRecord(r.value);
        if (d.kind === 'samples') for (const s of d.batch.series) for (const t of s.timestamps) written.add(t);
      }
    });
    while (!written.has(T0 + 100_000)) await new Promise((r) => setTimeout(r, 10));
    await c.stop();
    expect(written.has(T0 + 40_000)).toBe(true);
    expect([...written].filter((t) => t % 60_000 !== 0)).toEqual([]);
    await evaluator.stop();
  });

  it('yields the same alert events however the samples are split into records', async () => {
    const runs: AlertEvent[][] = [];
    for (const perRecord of [1, 7]) {
      const { bus, evaluator, file } = await setup({ idleTimeoutMs: 200 });
      await writeFile(file, ARRIVAL_RULES);
      await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
      await evaluator.start();
      await produceLevels(bus, LEVELS, perRecord);
      runs.push(await events(bus, 2));
      await evaluator.stop();
    }
    const withoutFile = (es: AlertEvent[]) => es.map(({ file: _f, ...e }) => e);
    expect(withoutFile(runs[1]!)).toEqual(withoutFile(runs[0]!));
  });

  it('holds an alert that crossed between interval instants pending for its `for` in event time, and a replay gives the same events', async () => {
    const FOR_RULES = 'groups:\n- name: slow\n  interval: 1m\n  rules:\n  - alert: Crossed\n    expr: level > 10\n    for: 10s\n';
    const levels: Array<[number, number]> = [[0, 1], [10_000, 1], [20_040, 42], [25_000, 42], [30_000, 42], [35_000, 42], [50_000, 3], [130_000, 3]];
    const runs: AlertEvent[][] = [];
    for (const perRecord of [1, 8]) {
      const { bus, evaluator, file } = await setup({ idleTimeoutMs: 200 });
      await writeFile(file, FOR_RULES);
      await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
      await evaluator.start();
      await produceLevels(bus, levels, perRecord);
      runs.push(await events(bus, 3));
      await evaluator.stop();
    }
    // Pending from the crossing step (20.1 s); at 30 s it has held 9.9 s, at 35 s 14.9 s: it fires
    // at the first evaluation at least `for` after it became active, as in Prometheus, here before
    // the group's next interval instant (40 s).
    expect(runs[0]!.map((e) => [e.previous, e.state, e.at - T0])).toEqual([
      ['inactive', 'pending', 20_100], ['pending', 'firing', 35_000], ['firing', 'inactive', 50_000],
    ]);
    const withoutFile = (es: AlertEvent[]) => es.map(({ file: _f, ...e }) => e);
    expect(withoutFile(runs[1]!)).toEqual(withoutFile(runs[0]!));
  });

  it('evaluates only at interval instants when the resolution is 0', async () => {
    const { bus, evaluator, file } = await setup({ arrivalResolutionMs: 0, idleTimeoutMs: 200 });
    await writeFile(file, ARRIVAL_RULES);
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    await produceLevels(bus, [[0, 1], [20_040, 42], [59_000, 42], [61_000, 1], [130_000, 1]], 1);
    const got = await events(bus, 2);
    expect(got.map((e) => [e.state, e.at - T0])).toEqual([['firing', 40_000], ['inactive', 100_000]]);
    await evaluator.stop();
  });
});

describe('RulesEvaluator and late samples', () => {
  async function lateCrossing(lateSamples: 'keep' | 'drop') {
    const { bus, evaluator, notified, file } = await setup({ idleTimeoutMs: 600_000, lateSamples });
    await writeFile(file, 'groups:\n- name: slow\n  interval: 1h\n  rules:\n  - alert: Crossed\n    expr: level > 10\n');
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    const write = levelWriter(bus);
    await write('i0', Date.now(), 1);
    const [g] = evaluator.groups();
    while (g!.lastEvaluation === 0) await new Promise((r) => setTimeout(r, 10));
    // Two seconds old when written: evaluations past it were already made.
    const writtenAt = Date.now();
    await write('i1', writtenAt - 2000, 42);
    return { evaluator, notified, writtenAt };
  }

  it('evaluates an alerting rule again at the next arrival step when a late sample crosses its threshold', async () => {
    const { evaluator, notified, writtenAt } = await lateCrossing('keep');
    while (!notified.some((a) => a.labels['instance'] === 'i1')) await new Promise((r) => setTimeout(r, 10));
    const crossed = notified.find((a) => a.labels['instance'] === 'i1')!;
    // At a step after the sample, not at the group's next interval instant (a whole hour).
    expect(crossed.startsAt).toBeGreaterThan(writtenAt - 2000);
    expect(crossed.startsAt % 3_600_000).not.toBe(0);
    expect((await evaluator.metrics.samplesLate.get()).values[0]!.value).toBe(1);
    await evaluator.stop();
  });

  it('ignores a late sample with late_samples: drop, and counts it', async () => {
    const { evaluator, notified } = await lateCrossing('drop');
    while ((await evaluator.metrics.samplesDropped.get()).values.find((v) => v.labels['reason'] === 'late') === undefined) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(evaluator.window.stats.series).toBe(1);
    expect(notified.filter((a) => a.labels['instance'] === 'i1')).toEqual([]);
    await evaluator.stop();
  });
});

describe('RulesEvaluator with the query evaluation pool', () => {
  it('fails the evaluation of a rule over the sample limit with the engine error when evaluating in the worker pool, while the other rules of its group succeed', async () => {
    const pool = new EvalPool(1);
    cleanups.push(() => pool.close());
    const registry = new Registry();
    const { bus, evaluator, file } = await setup({ query: engineQueryFunc(new Engine({ evaluator: pool, maxSamples: 10 })), registry });
    await writeFile(file, `
groups:
- name: limits
  interval: 10s
  rules:
  - record: job:load:max
    expr: max by (job) (last_over_time(load[5s]))
  - record: load:samples_1m
    expr: count_over_time(load[1m])
`);
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [series('a', T0, T0 + 100_000, loadA)] }) },
      { partition: 1, value: encodeSampleBatch({ series: [series('b', T0, T0 + 100_000, loadB)] }) },
    ]);
    const [g] = evaluator.groups();
    while (g!.lastEvaluation < T0 + 100_000) await new Promise((r) => setTimeout(r, 10));
    const [max, samples] = g!.rules;
    // The limit counts the samples a rule's selects load: at most 2 of each series in 5 s.
    expect(max!.status).toMatchObject({ health: 'ok', lastError: '' });
    // 13 samples of each series in a minute at 5 s: over the limit of 10.
    expect(samples!.status).toMatchObject({ health: 'err', lastError: 'query processing would load too many samples into memory in query execution' });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^tidemark_rules_evaluation_failures_total [1-9]/m);
    expect(metrics).toMatch(/^tidemark_rules_group_evaluations_in_progress 0$/m);
    await evaluator.stop();
  });

  it('fails the evaluation of a rule that runs past the query timeout with the engine error', async () => {
    const pool = new EvalPool(1);
    cleanups.push(() => pool.close());
    const { bus, evaluator, file } = await setup({ query: engineQueryFunc(new Engine({ evaluator: pool, timeoutMs: 200 })) });
    await writeFile(file, `
groups:
- name: slow
  interval: 10s
  rules:
  - record: job:load:max
    expr: max by (job) (load)
  - record: ones:max_1d
    expr: max_over_time(vector(1)[1d:1ms])
`);
    await evaluator.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [series('a', T0, T0 + 20_000, loadA)] }) },
      { partition: 1, value: encodeSampleBatch({ series: [series('b', T0, T0 + 20_000, loadB)] }) },
    ]);
    const [g] = evaluator.groups();
    while (g!.lastEvaluation < T0 + 20_000) await new Promise((r) => setTimeout(r, 10));
    const [max, slow] = g!.rules;
    expect(max!.status).toMatchObject({ health: 'ok', lastError: '' });
    expect(slow!.status).toMatchObject({ health: 'err', lastError: 'query timed out in subquery evaluation' });
    await evaluator.stop();
  });
});
