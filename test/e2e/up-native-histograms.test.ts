import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest, type PbHistogram } from '../../connectors/remote-write/testdata/prompb.js';
import { snappyV2Request, V2_CONTENT_TYPE } from '../../connectors/remote-write/testdata/writev2.js';
import { freePort } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const STEP = 15_000;
const STEPS = 12;

/**
 * The k-th sample of a counter histogram (schema 0, buckets (0.5,1], (1,2], (2,4] and the zero
 * bucket): every step adds 1, 2 and 3 observations to the buckets and 1 to the zero bucket.
 */
function sample(k: number, t: number): PbHistogram {
  const buckets = [1 + k, 2 + 2 * k, 3 + 3 * k];
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

/**
 * An answer with every number printed to 13 significant digits: Prometheus 2.42 and Prometheus 3
 * (which Tidemark follows) order some float operations of histogram rates differently, and the
 * results then differ in the last bit (0.4666666666666667 against 0.4666666666666666).
 */
function toLastBitsOff(v: unknown): unknown {
  if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) return Number(Number(v).toPrecision(13));
  if (Array.isArray(v)) return v.map(toLastBitsOff);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toLastBitsOff(x)]));
  return v;
}

interface QueryAnswer {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string]; histogram?: [number, unknown] }> };
}

/**
 * Native histograms sent with remote_write 1.0 to `tidemark up` and to Prometheus 2.42's
 * remote-write receiver (native histograms on), then queried on both: the answers must agree.
 */
describe('tidemark up receiving native histograms, side by side with Prometheus 2.42', () => {
  let dir: string;
  let up: RunningCli;
  let prometheus: ServiceProcess;
  let promUrl: string;
  const end = Math.floor(Date.now() / STEP) * STEP - STEP;
  const start = end - (STEPS - 1) * STEP;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-nh-'));
    await writeFile(join(dir, 'tidemark.yml'), 'scrape_configs: []\n');
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    await mkdir(join(dir, 'prometheus'));
    const port = await freePort();
    [up, prometheus] = await Promise.all([
      startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]),
      spawnService({
        command: '/usr/bin/prometheus',
        args: [
          '--config.file', join(dir, 'prometheus.yml'),
          '--storage.tsdb.path', join(dir, 'prometheus'),
          '--web.listen-address', `127.0.0.1:${port}`,
          '--web.enable-remote-write-receiver',
          '--enable-feature=native-histograms',
        ],
        ready: /Server is ready to receive web requests/,
        guard: true,
        readyTimeoutMs: 60_000,
      }).then((s) => s.process),
    ]);
    promUrl = `http://127.0.0.1:${port}`;
    const body = snappyWriteRequest({
      timeseries: [{ labels: pbLabels({ __name__: 'rpc_duration_seconds', job: 'api' }), histograms: Array.from({ length: STEPS }, (_, k) => sample(k, start + k * STEP)) }],
    });
    for (const url of [up.url, promUrl]) {
      const res = await fetch(`${url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body,
      });
      expect(res.status, `${url}: ${await res.text()}`).toBe(204);
    }
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const query = async (url: string, q: string): Promise<QueryAnswer> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}&time=${end / 1000}`);
    return (await res.json()) as QueryAnswer;
  };

  /** Tidemark's answer once the store holds the last sample, and Prometheus' answer. */
  const both = async (q: string): Promise<[QueryAnswer, QueryAnswer]> => {
    await waitFor(async () => ((await query(up.url, 'histogram_count(rpc_duration_seconds)')).data.result[0]?.value?.[1] === '84' ? true : undefined));
    return [await query(up.url, q), await query(promUrl, q)];
  };

  it('answers the stored histogram in the histogram JSON Prometheus answers', async () => {
    const [tidemark, prom] = await both('rpc_duration_seconds');
    expect(tidemark.data.result).toHaveLength(1);
    expect(tidemark.data.result[0].histogram).toEqual([end / 1000, {
      count: '84',
      sum: '147.5',
      buckets: [[3, '-0.001', '0.001', '12'], [0, '0.5', '1', '12'], [0, '1', '2', '24'], [0, '2', '4', '36']],
    }]);
    expect(tidemark.data).toEqual(prom.data);
  });

  it('answers a range query over histograms (through the result cache) with the histograms JSON Prometheus answers', async () => {
    await both('rpc_duration_seconds');
    const range = `query=${encodeURIComponent('rate(rpc_duration_seconds[1m])')}&start=${(start + 4 * STEP) / 1000}&end=${end / 1000}&step=30`;
    const [tidemark, prom] = await Promise.all([up.url, promUrl].map(async (url) => (await (await fetch(`${url}/api/v1/query_range?${range}`)).json()) as { data: { result: Array<{ histograms?: unknown[] }> } }));
    expect(tidemark.data.result[0].histograms).toHaveLength(4);
    expect(toLastBitsOff(tidemark.data)).toEqual(toLastBitsOff(prom.data));
  });

  it('answers histogram_count, histogram_sum, histogram_fraction and rate as Prometheus does', async () => {
    for (const q of [
      'histogram_count(rpc_duration_seconds)',
      'histogram_sum(rpc_duration_seconds)',
      'histogram_count(rate(rpc_duration_seconds[1m]))',
      'histogram_sum(sum by (job) (rate(rpc_duration_seconds[2m])))',
      'histogram_fraction(0, 2, rate(rpc_duration_seconds[1m]))',
      'rate(rpc_duration_seconds[1m])',
    ]) {
      const [tidemark, prom] = await both(q);
      expect(tidemark.status, q).toBe('success');
      expect(tidemark.data.result.length, q).toBe(1);
      expect(toLastBitsOff(tidemark.data), q).toEqual(toLastBitsOff(prom.data));
    }
  });

  it('answers histogram_quantile with Prometheus 3\'s exponential interpolation, where 2.42 interpolated linearly', async () => {
    // Per second: 1/15 in the zero bucket and in (0.5,1], 2/15 in (1,2], 3/15 in (2,4]; 0.9 of
    // the 7/15 observations per second fall at or below 0.42, inside (2,4], (0.42-4/15)/(3/15) of the way in.
    const within = (0.9 * 7 / 15 - 4 / 15) / (3 / 15);
    const [tidemark, prom] = await both('histogram_quantile(0.9, rate(rpc_duration_seconds[1m]))');
    expect(Number(tidemark.data.result[0].value![1])).toBeCloseTo(2 * 2 ** within, 12);
    expect(Number(prom.data.result[0].value![1])).toBeCloseTo(2 + 2 * within, 12);
  });

  it('counts the histograms a remote_write 2.0 request wrote in its response headers', async () => {
    const res = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': V2_CONTENT_TYPE, 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '2.0.0' },
      body: snappyV2Request([{ labels: { __name__: 'rpc_v2_seconds', job: 'api' }, histograms: [sample(0, end), sample(1, end + STEP)] }]),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-prometheus-remote-write-histograms-written')).toBe('2');
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('0');
    const count = await waitFor(async () => (await query(up.url, 'histogram_count(rpc_v2_seconds)')).data.result[0]?.value?.[1]);
    expect(count).toBe('7');
  });
});
