import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../bus/embedded/index.js';
import { Engine } from '../../promql/index.js';
import { decodeSamplesTopicRecord, encodeSampleBatch, type SeriesSamples } from '../../../schemas/index.js';
import { FloatHistogram, Histogram } from '../../../schemas/native-histogram/index.js';
import { decodeAlertEvent, type AlertEvent } from './alert-event.js';
import { engineQueryFunc } from './query-func.js';
import { RulesEvaluator } from './rules-evaluator.js';

const RULES = `
groups:
- name: latency
  interval: 10s
  rules:
  - record: job:rpc_seconds:rate30s
    expr: sum by (job) (rate(rpc_seconds[30s]))
  - record: job:rpc_seconds:count_rate30s
    expr: histogram_count(job:rpc_seconds:rate30s)
  - alert: Busy
    expr: histogram_count(job:rpc_seconds:rate30s) > 1
    annotations: {summary: 'value {{ $value }}'}
  - alert: HasHistogram
    expr: job:rpc_seconds:rate30s
`;

const T0 = 1_700_000_000_000;

/**
 * A counter histogram sampled every 5 s for 2 minutes: every step adds 1, 2 and 3 observations to
 * the buckets (0.5,1], (1,2], (2,4] and 1 to the zero bucket, so it grows by 1.4 observations a second.
 */
function rpcSeries(): SeriesSamples {
  const timestamps: number[] = [];
  const histograms: Histogram[] = [];
  for (let k = 0; k <= 24; k++) {
    const b = [1 + k, 2 + 2 * k, 3 + 3 * k];
    timestamps.push(T0 + k * 5000);
    histograms.push(new Histogram({
      schema: 0, zeroThreshold: 0.001, zeroCount: 1 + k, count: 7 + 7 * k, sum: 10 + 12.5 * k,
      positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [b[0], b[1] - b[0], b[2] - b[1]],
    }));
  }
  return { labels: { __name__: 'rpc_seconds', job: 'api', instance: 'a' }, timestamps: [], values: [], stale: [], histograms: { timestamps, histograms } };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function read<T>(bus: EmbeddedBus, topic: string, decode: (v: Buffer) => T[], enough: (got: T[]) => boolean): Promise<T[]> {
  const got: T[] = [];
  const c = await bus.consume({ group: `read-${Math.random()}`, topic, fromBeginning: true }, async (b) => { for (const r of b.records) got.push(...decode(r.value)); });
  // Bounded by the test's timeout only: on a loaded machine the output can take seconds.
  while (!enough(got)) await new Promise((r) => setTimeout(r, 10));
  await c.stop();
  return got;
}

describe('RulesEvaluator over native histograms', () => {
  it('records histogram-valued expressions as histogram samples and fires alerts on histogram expressions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rules-nh-'));
    const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    cleanups.push(async () => { await bus.close(); await rm(dir, { recursive: true, force: true }); });
    await bus.ensureTopic('samples', 1);
    await writeFile(join(dir, 'rules.yml'), RULES);
    const evaluator = new RulesEvaluator({
      bus, samplesTopic: 'samples', aggregatesTopic: 'aggregates', alertsTopic: 'alerts', topicPartitions: 1,
      query: engineQueryFunc(new Engine()), allowedLatenessMs: 0, idleTimeoutMs: 60_000,
    });
    await evaluator.applyConfig({ ruleFiles: [join(dir, 'rules.yml')], evaluationIntervalMs: 60_000 });
    await evaluator.start();
    cleanups.push(() => evaluator.stop());
    await bus.produce('samples', [{ partition: 0, value: encodeSampleBatch({ series: [rpcSeries()] }) }]);

    type Out = { name: string; t: number; v?: number; h?: string; kind: string };
    const outputs = await read<Out>(bus, 'aggregates', (v) => {
      const rec = decodeSamplesTopicRecord(v);
      if (rec.kind !== 'samples') return [];
      return rec.batch.series.flatMap((s) => [
        ...s.timestamps.map((t, i) => ({ name: s.labels.__name__!, t, v: s.values[i], kind: 'float' })),
        ...(s.histograms?.timestamps ?? []).map((t, i) => {
          const h = s.histograms!.histograms[i]!;
          return { name: s.labels.__name__!, t, h: h.toString(), kind: h instanceof FloatHistogram ? 'float histogram' : 'integer histogram' };
        }),
      ]);
    }, (got) => got.some((o) => o.name === 'job:rpc_seconds:rate30s' && o.t === T0 + 100_000));

    const at100 = outputs.filter((o) => o.t === T0 + 100_000);
    expect(at100.find((o) => o.name === 'job:rpc_seconds:rate30s')).toEqual({
      name: 'job:rpc_seconds:rate30s', t: T0 + 100_000, kind: 'float histogram',
      h: '{count:1.4000000000000001, sum:2.5, [-0.001,0.001]:0.2, (0.5,1]:0.2, (1,2]:0.4, (2,4]:0.6}',
    });
    expect(at100.find((o) => o.name === 'job:rpc_seconds:count_rate30s')?.v).toBeCloseTo(1.4, 12);

    const events = await read<AlertEvent>(bus, 'alerts', (v) => [decodeAlertEvent(v)], (got) => got.filter((e) => e.state === 'firing').length >= 2);
    const firing = events.filter((e) => e.state === 'firing');
    expect(firing.map((e) => e.labels.alertname).sort()).toEqual(['Busy', 'HasHistogram']);
    // $value is the histogram_count of the rate at the first instant over 1 (rate extrapolates near the first sample).
    const busy = firing.find((e) => e.labels.alertname === 'Busy')!.annotations.summary!;
    expect(busy).toMatch(/^value [0-9.]+$/);
    expect(Number(busy.slice('value '.length))).toBeGreaterThan(1);
    // An alert on a histogram-valued expression has the value 0, as Prometheus gives it.
    expect(firing.find((e) => e.labels.alertname === 'HasHistogram')?.value).toBe(0);
  });
});
