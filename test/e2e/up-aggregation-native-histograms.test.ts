import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest, type PbHistogram } from '../../connectors/remote-write/testdata/prompb.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const STEP = 15_000;
const MINUTES = 5;

/**
 * The k-th sample of instance `i`'s counter histogram (schema 0: the zero bucket, (0.5,1], (1,2]
 * and (2,4]): every step adds i, 1, 2 and 3 observations to them.
 */
function sample(i: number, k: number, t: number): PbHistogram {
  const buckets = [1 + k, 2 + 2 * k, 3 + 3 * k];
  const zero = i * k;
  return {
    countInt: zero + buckets[0]! + buckets[1]! + buckets[2]!,
    sum: 10 + 12.5 * k,
    schema: 0,
    zeroThreshold: 0.001,
    zeroCountInt: zero,
    positiveSpans: [{ offset: 0, length: 3 }],
    positiveDeltas: [buckets[0]!, buckets[1]! - buckets[0]!, buckets[2]! - buckets[1]!],
    timestamp: t,
  };
}

const CONFIG = `
scrape_configs: []
bus:
  # One partition: the write is one record, applied whole before the windows it fills close.
  partitions: 1
  watermarks: {enabled: false}
aggregation:
  # The input is written in one go; windows close once it went idle.
  allowed_lateness_ms: 0
  idle_timeout_ms: 1000
  checkpoint_interval_ms: 1000
aggregates:
  - match: rpc_duration_seconds
    interval: 1m
    by: [instance]
    outputs: [count_samples, count_series, last, histogram_bucket]
`;

type Result = { metric: Record<string, string>; value?: [number, string]; histogram?: [number, unknown] }[];

/**
 * Native histograms written with remote_write 1.0 to `tidemark up`, aggregated by a rule: each
 * output at each window end against the PromQL over the raw histograms that defines it.
 */
describe('tidemark up aggregating native histograms', () => {
  let dir: string;
  let up: RunningCli;
  // Windows (T - 1m, T] for the last MINUTES whole minutes; samples 15 s apart from the first one's start.
  const last = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const first = last - (MINUTES - 1) * 60_000;
  const steps = (MINUTES * 60_000) / STEP;
  const t = (k: number) => first - 60_000 + (k + 1) * STEP;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-agg-nh-'));
    await writeFile(join(dir, 'tidemark.yml'), CONFIG);
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    const body = snappyWriteRequest({
      timeseries: [1, 2].map((i) => ({
        labels: pbLabels({ __name__: 'rpc_duration_seconds', job: 'api', instance: `i${i}` }),
        histograms: Array.from({ length: steps }, (_, k) => sample(i, k, t(k))),
      })),
    });
    const res = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body,
    });
    expect(res.status, await res.text()).toBe(204);
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  const query = async (q: string, at: number): Promise<Result> => {
    const body = (await (await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${at / 1000}`)).json()) as { status: string; error?: string; data: { result: Result } };
    if (body.status !== 'success') throw new Error(`${q}: ${body.error}`);
    return body.data.result;
  };
  const byInstance = (r: Result) => new Map(r.map((s) => [s.metric.instance, s]));
  const outputsStored = () => waitFor(async () => ((await query('rpc_duration_seconds:1m_by_instance_count_samples', last)).length === 2 ? true : undefined), 90_000);

  it('counts the histogram samples and series of each window as count_over_time over the raw histograms does', async () => {
    await outputsStored();
    for (let w = first; w <= last; w += 60_000) {
      const samples = byInstance(await query('rpc_duration_seconds:1m_by_instance_count_samples', w));
      const want = byInstance(await query('count_over_time(rpc_duration_seconds[1m])', w));
      expect(samples.size).toBe(2);
      for (const [instance, s] of want) expect(samples.get(instance)?.value, `${instance}@${w}`).toEqual(s.value);
      const series = byInstance(await query('rpc_duration_seconds:1m_by_instance_count_series', w));
      for (const instance of want.keys()) expect(series.get(instance)?.value?.[1], `${instance}@${w}`).toBe('1');
    }
  }, 120_000);

  it('stores `last` as the window\'s last histogram, as last_over_time answers it', async () => {
    await outputsStored();
    for (let w = first; w <= last; w += 60_000) {
      const got = byInstance(await query('rpc_duration_seconds:1m_by_instance_last', w));
      const want = byInstance(await query('last_over_time(rpc_duration_seconds[1m])', w));
      expect(got.size).toBe(2);
      for (const [instance, s] of want) {
        expect(got.get(instance)?.histogram, `${instance}@${w}`).toEqual(s.histogram);
        expect(s.histogram).toBeDefined();
      }
    }
  }, 120_000);

  it('counts each window\'s observations in vmrange buckets: per native bucket, the growth of its count over the window', async () => {
    await outputsStored();
    // A series' first sample has no predecessor: the first window counts the observations from it on.
    const perStep = (i: number) => ({ '0...1.000e-09': i, '8.799e-01...1.000e+00': 1, '1.896e+00...2.154e+00': 2, '3.594e+00...4.084e+00': 3 });
    let compared = 0;
    for (let w = first; w <= last; w += 60_000) {
      const stepsIn = w === first ? 60_000 / STEP - 1 : 60_000 / STEP;
      const got = await query('rpc_duration_seconds:1m_by_instance_histogram_bucket', w);
      for (const i of [1, 2]) {
        const mine = Object.fromEntries(got.filter((s) => s.metric.instance === `i${i}`).map((s) => [s.metric.vmrange, Number(s.value![1])]));
        const want = Object.fromEntries(Object.entries(perStep(i)).map(([r, n]) => [r, n * stepsIn]));
        expect(mine, `i${i}@${w}`).toEqual(want);
        // The same total as the growth of the histogram's count that PromQL reads.
        const growth = await query(`histogram_count(last_over_time(rpc_duration_seconds{instance="i${i}"}[1m])) - histogram_count(last_over_time(rpc_duration_seconds{instance="i${i}"}[1m] offset 1m))`, w);
        if (w > first) expect(Object.values(mine).reduce((x, y) => x + y, 0)).toBe(Number(growth[0]!.value![1]));
        compared++;
      }
    }
    expect(compared).toBe(2 * MINUTES);
  }, 120_000);
});
