import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtoolCreateBlocks, startPrometheus, type PrometheusPeer } from '../bench/peers/prometheus-peer.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';
import { aggregationDataset, MINUTES, toOpenMetrics, toPrometheusText } from './aggregation-dataset.js';

/**
 * Streaming aggregation against the PromQL that defines each output, evaluated by a real
 * Prometheus 2.42 on the same input at every window end. Windows are (T-1m, T]: in Prometheus 2.42
 * a `[59s]` range at T holds exactly the samples of that window (10 s apart, on whole seconds).
 * Prometheus' increase() extrapolates, so the reference for `increase` is the sum of the
 * reset-aware differences between consecutive samples, which is what increase() sums before
 * extrapolating: `x - x offset 10s` where the counter grew, `x` where it was reset (`+ 0` drops the name, as the difference does).
 */
const CONFIG = `
bus:
  partitions: 3
  watermarks: {enabled: false}
aggregation:
  # The history is imported in one go; windows close once the import went idle.
  allowed_lateness_ms: 3600000
  idle_timeout_ms: 1000
  checkpoint_interval_ms: 1000
aggregates:
  - match: agg_requests_total
    interval: 1m
    by: [job]
    outputs: [total, increase, count_samples, count_series]
  - match: '{__name__="agg_temperature"}'
    interval: 1m
    without: [instance]
    outputs: [sum_samples, min, max, avg, stdvar]
    drop_input: true
`;

const INC = '((agg_requests_total - agg_requests_total offset 10s) >= 0 or (agg_requests_total < agg_requests_total offset 10s) + 0)';

/** Output name -> the PromQL that defines it. */
const REFERENCE: Record<string, string> = {
  'agg_requests_total:1m_by_job_increase': `sum by (job) (sum_over_time(${INC}[59s:10s]))`,
  'agg_requests_total:1m_by_job_count_samples': 'sum by (job) (count_over_time(agg_requests_total[59s]))',
  'agg_requests_total:1m_by_job_count_series': 'count by (job) (count_over_time(agg_requests_total[59s]))',
  'agg_temperature:1m_without_instance_sum_samples': 'sum without (instance) (sum_over_time(agg_temperature[59s]))',
  'agg_temperature:1m_without_instance_min': 'min without (instance) (min_over_time(agg_temperature[59s]))',
  'agg_temperature:1m_without_instance_max': 'max without (instance) (max_over_time(agg_temperature[59s]))',
  'agg_temperature:1m_without_instance_avg': 'sum without (instance) (sum_over_time(agg_temperature[59s])) / sum without (instance) (count_over_time(agg_temperature[59s]))',
  'agg_temperature:1m_without_instance_stdvar':
    // Pooled over the group's samples: E[x²] - E[x]², with E[x²] from each series' stdvar_over_time and avg_over_time.
    'sum without (instance) (count_over_time(agg_temperature[59s]) * (stdvar_over_time(agg_temperature[59s]) + avg_over_time(agg_temperature[59s]) ^ 2))'
    + ' / sum without (instance) (count_over_time(agg_temperature[59s]))'
    + ' - (sum without (instance) (sum_over_time(agg_temperature[59s])) / sum without (instance) (count_over_time(agg_temperature[59s]))) ^ 2',
};

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

async function queryRange(base: string, query: string, start: number, end: number): Promise<Map<string, Map<number, number>>> {
  const u = new URL('/api/v1/query_range', base);
  u.search = new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: '60' }).toString();
  const body = (await (await fetch(u)).json()) as { status: string; data: { result: Matrix }; error?: string };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
  const out = new Map<string, Map<number, number>>();
  for (const s of body.data.result) {
    const { __name__: _n, ...rest } = s.metric;
    out.set(JSON.stringify(Object.entries(rest).sort()), new Map(s.values.map(([t, v]) => [t * 1000, Number(v)])));
  }
  return out;
}

describe('streaming aggregation equals the PromQL that defines it', () => {
  let dir: string;
  let prometheus: PrometheusPeer;
  let up: RunningCli;
  const t0 = Math.floor((Date.now() - 4 * 3_600_000) / 3_600_000) * 3_600_000;
  const first = t0 + 60_000;
  const last = t0 + MINUTES * 60_000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aggregation-exactness-'));
    const data = aggregationDataset(t0);
    await writeFile(join(dir, 'data.om'), toOpenMetrics(data));
    await promtoolCreateBlocks(join(dir, 'data.om'), join(dir, 'prometheus'));
    prometheus = await startPrometheus(join(dir, 'prometheus'));
    await writeFile(join(dir, 'tidemark.yml'), CONFIG);
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    const res = await fetch(`${up.url}/api/v1/import/prometheus`, { method: 'POST', body: toPrometheusText(data) });
    expect(res.status).toBe(204);
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every output at every window end the value of its PromQL definition in Prometheus, counter resets and a stopped and a new series included', async () => {
    // Outputs of the last window are stored once the aggregator closed it (each output series on
    // its own partition of the aggregates topic: every one is waited for).
    await waitFor(async () => {
      for (const name of [...Object.keys(REFERENCE), 'agg_requests_total:1m_by_job_total']) {
        if ((await queryRange(up.url, name, last, last)).size !== 2) return undefined;
      }
      return true;
    }, 90_000);
    let compared = 0;
    for (const [name, promql] of Object.entries(REFERENCE)) {
      const want = await queryRange(prometheus.url, promql, first, last);
      const got = await queryRange(up.url, name, first, last);
      expect([...got.keys()].sort(), name).toEqual([...want.keys()].sort());
      for (const [series, points] of want) {
        const mine = got.get(series)!;
        expect([...mine.keys()], `${name}${series}`).toEqual([...points.keys()]);
        for (const [t, v] of points) {
          if (name.endsWith('stdvar')) expect(mine.get(t)!, `${name}${series}@${t}`).toBeCloseTo(v, 6);
          else expect(mine.get(t), `${name}${series}@${t}`).toBe(v);
          compared++;
        }
      }
    }
    expect(compared).toBe(8 * 2 * MINUTES);
  }, 180_000);

  it('does not store the input of a drop_input rule, and stores the others\'', async () => {
    const raw = async (q: string) => (await queryRange(up.url, q, first, last)).size;
    expect(await raw('agg_temperature')).toBe(0);
    expect(await raw('agg_requests_total')).toBe(7);
  }, 60_000);

  it('keeps a running total equal to the sum of the windows\' increases', async () => {
    const inc = await queryRange(prometheus.url, REFERENCE['agg_requests_total:1m_by_job_increase']!, first, last);
    const total = await queryRange(up.url, 'agg_requests_total:1m_by_job_total', first, last);
    for (const [series, points] of inc) {
      let sum = 0;
      const want: [number, number][] = [];
      for (const [t, v] of points) want.push([t, (sum += v)]);
      expect([...total.get(series)!], series).toEqual(want);
    }
  }, 60_000);

  it('reports its rules, series and checkpoint on /api/v1/status/aggregates and in /metrics', async () => {
    type Status = {
      data: { rules: { name: string; inputSeries: number; lateSamples: number; samples: number; closedThroughMs: number }[]; lastCheckpoint: { offsets: Record<string, number> } | null };
    };
    // Checkpoints follow every aggregation.checkpoint_interval_ms (1 s here).
    const body = await waitFor(async () => {
      const b = (await (await fetch(`${up.url}/api/v1/status/aggregates`)).json()) as Status;
      return b.data.lastCheckpoint === null ? undefined : b;
    }, 30_000);
    expect(body.data.rules.map((r) => r.samples)).toEqual([aggregationDataset(t0).length / 2, aggregationDataset(t0).length / 2]);
    expect(body.data.rules.every((r) => r.lateSamples === 0 && r.closedThroughMs >= last)).toBe(true);
    expect(Object.keys(body.data.lastCheckpoint!.offsets).sort()).toEqual(['0', '1', '2']);
    const metrics = await (await fetch(`${up.url}/metrics`)).text();
    expect(metrics).toMatch(/tidemark_aggregation_output_samples_total\{rule="0:agg_requests_total"\} [1-9]/);
    expect(metrics).toMatch(/tidemark_aggregation_records_total\{decoded_by="store"\} [1-9]/);
  }, 60_000);

  it('takes new rules on a reload and refuses an invalid file with the YAML path of the error', async () => {
    await writeFile(join(dir, 'tidemark.yml'), `${CONFIG}  - match: agg_requests_total
    interval: 5m
    outputs: [count_samples]
`);
    expect((await fetch(`${up.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    const names = async () => ((await (await fetch(`${up.url}/api/v1/status/aggregates`)).json()) as { data: { rules: { interval: string }[] } }).data.rules.map((r) => r.interval);
    expect(await names()).toEqual(['1m', '1m', '5m']);
    await writeFile(join(dir, 'tidemark.yml'), `${CONFIG}  - match: agg_requests_total
    interval: 5m
    outputs: [count_smaples]
`);
    const refused = await fetch(`${up.url}/-/reload`, { method: 'POST' });
    expect(refused.status).toBe(500);
    expect(await refused.text()).toMatch(/aggregates\[2\]\.outputs\[0\] \(line \d+, column \d+\): unknown output "count_smaples"/);
    expect(await names()).toEqual(['1m', '1m', '5m']);
  }, 60_000);
});
