import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest, type PbHistogram, type PbTimeSeries } from '../../connectors/remote-write/testdata/prompb.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const M = 60_000;
const H = 3600_000;
const D = 24 * H;
const DAYS = 4;

/** A counter histogram's k-th sample: schema 0, three buckets and the zero bucket growing each minute. */
function histogram(k: number, t: number): PbHistogram {
  const buckets = [1 + k, 2 + 2 * k, 3 + (k % 7) + 3 * k];
  const zero = 1 + k;
  return {
    countInt: zero + buckets[0] + buckets[1] + buckets[2],
    sum: 10 + 12.5 * k,
    schema: 0,
    zeroThreshold: 0.001,
    zeroCountInt: zero,
    positiveSpans: [{ offset: 0, length: 3 }],
    positiveDeltas: [buckets[0], buckets[1] - buckets[0], buckets[2] - buckets[1]],
    timestamp: t,
  };
}

interface Answer {
  status: string;
  infos?: string[];
  warnings?: string[];
  data: { result: { metric: Record<string, string>; values?: [number, string][]; histograms?: [number, unknown][] }[] };
}

/**
 * Four days at 1 m, remote-written in time order to a `tidemark up` whose 5 m tier takes what is
 * older than a day: a histogram counter, a series of floats that turns into histograms on the
 * second day (so one tier day holds it and the next leaves it out), and a float counter the tier
 * keeps. Range functions at 5 m steps are planned on the tier (`auto`): the histogram series must
 * be answered as with `max_source_resolution=raw`.
 */
describe('tidemark up with downsampled tiers, over native-histogram series', () => {
  let dir: string;
  let up: RunningCli;
  const end = Math.floor(Date.now() / D) * D;
  const start = end - DAYS * D;
  const switchAt = start + D + 7 * H + 3 * M;
  const qStart = start + D;
  const qEnd = end - H;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-downsampling-nh-'));
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, [
      'bus:', '  partitions: 1',
      'store:', '  compact_interval_ms: 1000', '  retention_ms: 0',
      '  downsampling:', '    - {resolution: 5m, after: 1d, retention: 90d}',
      '',
    ].join('\n'));
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data'), '--web.enable-admin-api']);
    let total = 0;
    for (let a = start; a < end; a += 2 * H) {
      const h: PbHistogram[] = [];
      const mixedFloats: { value: number; timestamp: number }[] = [];
      const mixedHistograms: PbHistogram[] = [];
      const floats: { value: number; timestamp: number }[] = [];
      for (let t = a; t < a + 2 * H; t += M) {
        const k = (t - start) / M;
        h.push(histogram(k, t));
        if (t < switchAt) mixedFloats.push({ value: 3 * k + (k % 5), timestamp: t });
        else mixedHistograms.push(histogram(k, t));
        floats.push({ value: 2 * k + (k % 3), timestamp: t });
        total += 3;
      }
      const timeseries: PbTimeSeries[] = [
        { labels: pbLabels({ __name__: 'rpc_duration_seconds', job: 'api' }), histograms: h },
        { labels: pbLabels({ __name__: 'rpc_mixed', job: 'api' }), samples: mixedFloats, histograms: mixedHistograms },
        { labels: pbLabels({ __name__: 'http_requests_total', job: 'api' }), samples: floats },
      ];
      const res = await fetch(`${up.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body: snappyWriteRequest({ timeseries }),
      });
      expect(res.status, await res.text()).toBe(204);
    }
    // Every sample stored, then the 5 m tier built from the blocks (once the head is cut).
    const q = new URLSearchParams({ query: 'sum(count_over_time({job="api"}[5d]))', time: String(end / 1000), max_source_resolution: 'raw' });
    expect(await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/query?${q}`)).json()) as { data: { result: { value: [number, string] }[] } };
      return Number(body.data.result[0]?.value[1] ?? 0) === total ? true : undefined;
    }, 120_000)).toBe(true);
    expect(await waitFor(async () => {
      const res = await fetch(`${up.url}/api/v1/admin/tsdb/rebuild_downsampled`, { method: 'POST' });
      const days = ((await res.json()) as { data: { days: number } }).data.days;
      return days >= DAYS - 2 ? days : undefined;
    }, 120_000)).toBeGreaterThanOrEqual(DAYS - 2);
  }, 300_000);

  afterAll(async () => {
    expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  const range = async (query: string, maxSourceResolution: string): Promise<{ header: string | null; body: Answer }> => {
    const q = new URLSearchParams({ query, start: String(qStart / 1000), end: String(qEnd / 1000), step: '300', max_source_resolution: maxSourceResolution });
    const res = await fetch(`${up.url}/api/v1/query_range?${q}`);
    const body = (await res.json()) as Answer;
    expect(body.status, JSON.stringify(body)).toBe('success');
    return { header: res.headers.get('x-tidemark-source-resolution'), body };
  };

  it('holds tier blocks of the days older than a day', () => {
    const shard = join(dir, 'data', 'store', 'shards', 'tidemark.samples-0', 'downsample', '5m');
    expect(readdirSync(shard).filter((f) => !f.endsWith('.tmp')).length).toBeGreaterThanOrEqual(DAYS - 2);
  });

  for (const query of [
    'rate(rpc_duration_seconds[5m])',
    'increase(rpc_duration_seconds[15m])',
    'sum_over_time(rpc_duration_seconds[5m])',
    'count_over_time(rpc_duration_seconds[10m])',
    'rate(rpc_mixed[5m])',
    'count_over_time(rpc_mixed[5m])',
    'sum(rate(rpc_duration_seconds[5m]))',
    'avg_over_time(rpc_duration_seconds[5m])',
  ]) {
    it(`answers ${query} at 5 m steps from the tier plan exactly as from raw samples`, async () => {
      const raw = await range(query, 'raw');
      const auto = await range(query, 'auto');
      expect(raw.header).toBe('raw');
      expect(auto.header).toBe('5m');
      const points = raw.body.data.result.reduce((n, s) => n + (s.values?.length ?? 0) + (s.histograms?.length ?? 0), 0);
      expect(points).toBeGreaterThanOrEqual(800);
      expect(auto.body.data.result).toEqual(raw.body.data.result);
      expect(auto.body.infos ?? []).toEqual(raw.body.infos ?? []);
      expect(auto.body.warnings ?? []).toEqual(raw.body.warnings ?? []);
    });
  }

  it('answers the float counter beside them from the tier as from raw samples', async () => {
    const raw = await range('rate(http_requests_total[5m])', 'raw');
    const auto = await range('rate(http_requests_total[5m])', 'auto');
    expect(auto.header).toBe('5m');
    expect(raw.body.data.result[0].values!.length).toBeGreaterThanOrEqual(800);
    const near = (r: Answer) => r.data.result.map((s) => s.values!.map(([t, v]) => [t, Number(Number(v).toPrecision(12))]));
    expect(near(auto.body)).toEqual(near(raw.body));
  });
});
