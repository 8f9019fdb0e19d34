import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalLabels, decodeDeadLetter, decodeSampleBatch, decodeSamplesTopicRecord, encodeProducerWatermark, encodeSampleBatch, type HistogramValue, type Labels } from '../../schemas/index.js';
import { FloatHistogram, Histogram } from '../../schemas/native-histogram/index.js';
import { EmbeddedBus } from '../bus/embedded/index.js';
import { Aggregator } from './aggregator.js';
import { readCheckpoint, restoreRuleState, serializeCheckpoint, writeCheckpoint } from './checkpoint.js';
import { compileRule } from './compiled-rule.js';
import { aggregatesConfigSchema, aggregationRuleSchema, type AggregationRuleConfig } from './config.js';
import { RuleState } from './rule-state.js';
import type { OutputSample } from './window-accumulator.js';
import { temporaryDirectory } from '../../test/harness/temporary-directory.js';

function rule(r: Partial<AggregationRuleConfig> & { outputs: string[] }): RuleState {
  return new RuleState(compileRule(aggregationRuleSchema.parse({ match: 'x', interval: '1m', ...r }), 0));
}

/** Schema 0: bucket 0 is (0.5, 1], bucket 1 is (1, 2], bucket 2 is (2, 4]. */
function exp(counts: [number, number, number], zero = 0, hint: 'unknown' | 'gauge' = 'unknown'): FloatHistogram {
  const count = zero + counts[0] + counts[1] + counts[2];
  return new FloatHistogram({ counterResetHint: hint, schema: 0, zeroThreshold: 1e-128, zeroCount: zero, count, sum: count, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: counts });
}

function feedHistograms(st: RuleState, p: number, labels: Labels, ts: number[], hs: HistogramValue[]): void {
  const ps = st.partition(p);
  ps.applyHistograms(ps.entry(canonicalLabels(labels), labels), ts, hs, st.closedThrough, st.counters);
}

function feedFloats(st: RuleState, p: number, labels: Labels, ts: number[], vs: number[]): void {
  const ps = st.partition(p);
  ps.applySeries(ps.entry(canonicalLabels(labels), labels), ts, vs, [], st, st.counters);
}

/** Closes every window up to `through`: `name{extra label}@t` -> the output sample. */
function closeThrough(st: RuleState, through: number): Map<string, OutputSample> {
  const res = new Map<string, OutputSample>();
  let w: number | undefined;
  while ((w = st.nextClosable(through)) !== undefined) {
    const out: OutputSample[] = [];
    st.close(w, out);
    for (const o of out) res.set(`${o.labels.__name__}${o.labels.vmrange === undefined ? '' : `{${o.labels.vmrange}}`}@${w / 1000}`, o);
  }
  return res;
}

const values = (m: Map<string, OutputSample>) => new Map([...m].map(([k, o]) => [k, o.histogram === undefined ? o.value : o.histogram.toString()]));

const a = { __name__: 'x', job: 'j', instance: 'a' };
const b = { __name__: 'x', job: 'j', instance: 'b' };

describe('aggregation of native histograms', () => {
  it('counts the observations between a counter histogram\'s samples in the vmrange bucket of each native bucket\'s upper bound', () => {
    const st = rule({ by: ['job'], outputs: ['histogram_bucket'] });
    // a: its first sample has no predecessor; then +1 in (0.5, 1], +2 in (2, 4] and +1 in the zero bucket.
    feedHistograms(st, 0, a, [10_000, 20_000, 50_000], [exp([1, 0, 0]), exp([1, 0, 2]), exp([2, 0, 2], 1)]);
    // b (integer counts): +3 in (1, 2] within the window, then a counter reset in the next window:
    // the histogram after the reset is what was observed since.
    const int = (n: number) => new Histogram({ schema: 0, count: n, sum: n, positiveSpans: [{ offset: 1, length: 1 }], positiveBuckets: [n] });
    feedHistograms(st, 1, b, [15_000, 45_000, 75_000], [int(4), int(7), int(2)]);
    const out = values(closeThrough(st, 120_000));
    expect(out).toEqual(new Map([
      ['x:1m_by_job_histogram_bucket{8.799e-01...1.000e+00}@60', 1],
      ['x:1m_by_job_histogram_bucket{3.594e+00...4.084e+00}@60', 2],
      ['x:1m_by_job_histogram_bucket{0...1.000e-09}@60', 1],
      ['x:1m_by_job_histogram_bucket{1.896e+00...2.154e+00}@60', 3],
      ['x:1m_by_job_histogram_bucket{1.896e+00...2.154e+00}@120', 2],
    ]));
  });

  it('counts custom-bucket histograms by their bounds and leaves gauge histograms and negative buckets out of histogram_bucket', () => {
    const st = rule({ by: ['job'], outputs: ['histogram_bucket', 'count_samples'] });
    const nhcb = (c: number[]) => new FloatHistogram({ schema: -53, customValues: [0.25, 5], count: c[0]! + c[1]! + c[2]!, sum: 1, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: c });
    feedHistograms(st, 0, a, [10_000, 20_000], [nhcb([1, 1, 1]), nhcb([2, 4, 1])]);
    const gauge = exp([1, 1, 1], 0, 'gauge');
    gauge.negativeSpans = [{ offset: 0, length: 1 }];
    gauge.negativeBuckets = [5];
    feedHistograms(st, 1, b, [10_000, 30_000], [gauge, exp([9, 9, 9], 0, 'gauge')]);
    const out = values(closeThrough(st, 60_000));
    expect(out).toEqual(new Map([
      ['x:1m_by_job_histogram_bucket{2.448e-01...2.783e-01}@60', 1],
      ['x:1m_by_job_histogram_bucket{4.642e+00...5.275e+00}@60', 3],
      ['x:1m_by_job_count_samples@60', 4],
    ]));
  });

  it('counts histogram samples and their series and gives the group\'s latest sample as `last`, histogram or float', () => {
    const st = rule({ by: ['job'], outputs: ['count_samples', 'count_series', 'last', 'sum_samples', 'max'] });
    feedHistograms(st, 0, a, [10_000, 40_000], [exp([1, 0, 0]), exp([1, 2, 0])]);
    feedFloats(st, 1, b, [20_000, 30_000], [5, 6]);
    // Next window: the float comes last; the one after: the histogram.
    feedFloats(st, 1, b, [90_000], [7]);
    feedHistograms(st, 0, a, [80_000, 150_000], [exp([1, 2, 1]), exp([3, 3, 3])]);
    const out = closeThrough(st, 180_000);
    expect(values(out)).toEqual(new Map<string, number | string>([
      ['x:1m_by_job_count_samples@60', 4], ['x:1m_by_job_count_series@60', 2], ['x:1m_by_job_last@60', exp([1, 2, 0]).toString()],
      ['x:1m_by_job_sum_samples@60', 11], ['x:1m_by_job_max@60', 6],
      ['x:1m_by_job_count_samples@120', 2], ['x:1m_by_job_count_series@120', 2], ['x:1m_by_job_last@120', 7],
      ['x:1m_by_job_sum_samples@120', 7], ['x:1m_by_job_max@120', 7],
      ['x:1m_by_job_count_samples@180', 1], ['x:1m_by_job_count_series@180', 1], ['x:1m_by_job_last@180', exp([3, 3, 3]).toString()],
    ]));
    expect(out.get('x:1m_by_job_last@60')!.histogram).toBeInstanceOf(FloatHistogram);
  });

  it('applies a series\' floats and histograms of one record in timestamp order', () => {
    const st = rule({ by: ['job'], outputs: ['count_samples', 'last'] });
    const ps = st.partition(0);
    ps.applyMixed(ps.entry(canonicalLabels(a), a), [10_000, 30_000, 50_000], [1, 2, 3], [], [20_000, 40_000], [exp([1, 0, 0]), exp([2, 0, 0])], st.closedThrough, st.counters);
    expect(st.counters).toMatchObject({ applied: 5, outOfOrder: 0 });
    expect(values(closeThrough(st, 60_000))).toEqual(new Map([['x:1m_by_job_count_samples@60', 5], ['x:1m_by_job_last@60', 3]]));
  });

  it('keeps the last histogram of each dedup interval and drops histograms out of order or late', () => {
    const st = rule({ by: ['job'], outputs: ['count_samples', 'histogram_bucket'], dedup_interval: '30s' });
    // Dedup intervals (0, 30] and (30, 60]: 10 s and 20 s collapse to 20 s; 40 s and 50 s to 50 s.
    feedHistograms(st, 0, a, [10_000, 20_000, 15_000, 40_000, 50_000], [exp([1, 0, 0]), exp([2, 0, 0]), exp([9, 9, 9]), exp([3, 0, 0]), exp([4, 0, 1])]);
    expect(st.counters).toMatchObject({ applied: 4, outOfOrder: 1 });
    expect(values(closeThrough(st, 60_000))).toEqual(new Map([
      ['x:1m_by_job_count_samples@60', 2],
      ['x:1m_by_job_histogram_bucket{8.799e-01...1.000e+00}@60', 2],
      ['x:1m_by_job_histogram_bucket{3.594e+00...4.084e+00}@60', 1],
    ]));
    feedHistograms(st, 0, a, [55_000], [exp([5, 0, 1])]);
    expect(st.counters.late).toBe(1);
  });

  it('continues from a checkpoint holding histogram state exactly as without one', () => {
    const specs = { by: ['job'], outputs: ['histogram_bucket', 'last', 'count_samples'], dedup_interval: '20s' };
    const hs = Array.from({ length: 12 }, (_, i) => exp([i, 2 * i, i % 5 === 4 ? 0 : i]));
    const ts = hs.map((_, i) => 7_000 + i * 9_000);
    const straight = rule(specs);
    feedHistograms(straight, 0, a, ts, hs);
    const expected = values(closeThrough(straight, 180_000));

    const first = rule(specs);
    // Cut where a deduplicated histogram is pending and a window is open with its latest histogram.
    feedHistograms(first, 0, a, ts.slice(0, 8), hs.slice(0, 8));
    const got = values(closeThrough(first, 60_000));
    const file = join(temporaryDirectory('agg-nh-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, serializeCheckpoint([first], new Map([[0, 8]]), 1));
    const saved = readCheckpoint(file)!;
    const resumed = restoreRuleState(first.rule, saved.rules.get(first.rule.id), saved.series);
    feedHistograms(resumed, 0, a, ts.slice(8), hs.slice(8));
    for (const [k, v] of values(closeThrough(resumed, 180_000))) got.set(k, v);
    expect(got).toEqual(expected);
    expect([...got.keys()].some((k) => k.includes('histogram_bucket'))).toBe(true);
  });

  it('keeps an open window\'s latest native histogram, its `last`, across a checkpoint', () => {
    const specs = { by: ['job'], outputs: ['last', 'count_samples'] };
    const straight = rule(specs);
    feedHistograms(straight, 0, a, [10_000, 20_000], [exp([1, 0, 0]), exp([2, 1, 0])]);
    const file = join(temporaryDirectory('agg-nh-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, serializeCheckpoint([straight], new Map([[0, 2]]), 1));
    const saved = readCheckpoint(file)!;
    const resumed = restoreRuleState(straight.rule, saved.rules.get(straight.rule.id), saved.series);
    const expected = values(closeThrough(straight, 60_000));
    expect(expected.get('x:1m_by_job_last@60')).toBe(exp([2, 1, 0]).toString());
    expect(values(closeThrough(resumed, 60_000))).toEqual(expected);
  });
});

describe('Aggregator on the bus, with native histograms', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const T0 = 1_700_000_040_000; // a multiple of one minute
  const promise = (t: number) => encodeProducerWatermark({ producer: 'p1', source: 'test', watermarkMs: t, lagMs: 0, idle: false });

  it('publishes `last` as a histogram sample and histogram_bucket counts, and dead-letters a late histogram as one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aggregator-nh-'));
    const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    cleanups.push(async () => { await bus.close(); await rm(dir, { recursive: true, force: true }); });
    await bus.ensureTopic('samples', 1);
    await bus.ensureTopic('dlq', 1);
    const agg = new Aggregator({
      bus, samplesTopic: 'samples', aggregatesTopic: 'aggregates', group: 'agg', checkpointFile: join(dir, 'agg', 'checkpoint.json'),
      rules: aggregatesConfigSchema.parse([{ match: 'rpc_seconds', interval: '1m', without: ['instance'], outputs: ['last', 'histogram_bucket'] }]),
      config: { idle_timeout_ms: 60_000, checkpoint_interval_ms: 50, late_samples: 'dead_letter' }, deadLetterTopic: 'dlq',
    });
    cleanups.push(() => agg.stop());
    await agg.start();
    const labels = { __name__: 'rpc_seconds', instance: 'a' };
    const series = (ts: number[], hs: HistogramValue[]) => ({ labels, timestamps: [], values: [], stale: [], histograms: { timestamps: ts, histograms: hs } });
    await bus.produce('samples', [
      { partition: 0, value: encodeSampleBatch({ series: [series([T0 + 10_000, T0 + 40_000], [exp([1, 0, 0]), exp([1, 3, 0])])] }) },
      { partition: 0, value: promise(T0 + 60_000) },
    ]);
    const got = new Map<string, { values: number[]; histograms: string[] }>();
    const reader = await bus.consume({ group: 'reader', topic: 'aggregates' }, async (batch) => {
      for (const r of batch.records) {
        const rec = decodeSamplesTopicRecord(r.value);
        if (rec.kind !== 'samples') continue;
        for (const s of rec.batch.series) {
          const key = `${s.labels.__name__}${s.labels.vmrange === undefined ? '' : `{${s.labels.vmrange}}`}`;
          got.set(key, { values: s.values, histograms: (s.histograms?.histograms ?? []).map((h) => (h instanceof Histogram ? h.toFloat() : h).toString()) });
        }
      }
    });
    cleanups.push(() => reader.stop());
    while (got.size < 2) await new Promise((r) => setTimeout(r, 10));
    expect(got.get('rpc_seconds:1m_without_instance_last')).toEqual({ values: [], histograms: [exp([1, 3, 0]).toString()] });
    expect(got.get('rpc_seconds:1m_without_instance_histogram_bucket{1.896e+00...2.154e+00}')).toEqual({ values: [3], histograms: [] });

    // The window (0, 60 s] is closed: a histogram for it is late.
    await bus.produce('samples', [{ partition: 0, value: encodeSampleBatch({ series: [series([T0 + 50_000], [exp([1, 4, 0])])] }) }]);
    let dead: ReturnType<typeof decodeDeadLetter> | undefined;
    const dlq = await bus.consume({ group: 'dlq-reader', topic: 'dlq' }, async (batch) => {
      for (const r of batch.records) dead = decodeDeadLetter(r.value);
    });
    cleanups.push(() => dlq.stop());
    while (dead === undefined) await new Promise((r) => setTimeout(r, 10));
    expect(dead.reason).toMatch(/late for aggregation rule/);
    const late = decodeSampleBatch(dead.originalValue).series[0]!;
    expect(late.timestamps).toEqual([]);
    expect(late.histograms?.timestamps).toEqual([T0 + 50_000]);
  });
});
