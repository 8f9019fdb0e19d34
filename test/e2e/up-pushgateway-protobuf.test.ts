import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_PROTOBUF_CONTENT_TYPE } from '../../schemas/exposition/index.js';
import { decodeDelimited, encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import { freePort } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/** A registry as client_golang's push package sends it: delimited protobuf, a native+classic histogram, a native-only one, a counter. */
const BODY = encodeDelimited([
  {
    name: 'rpc_seconds', help: 'RPC latency.', type: METRIC_TYPE.HISTOGRAM,
    metric: [{
      label: [{ name: 'method', value: 'get' }],
      histogram: {
        sample_count: 12, sample_sum: 9.25, schema: 0, zero_threshold: 0.001, zero_count: 2,
        negative_span: [{ offset: 1, length: 1 }], negative_delta: [1],
        positive_span: [{ offset: 0, length: 2 }], positive_delta: [4, 1],
        bucket: [{ cumulative_count: 7, upper_bound: 1 }, { cumulative_count: 12, upper_bound: 2 }],
      },
    }],
  },
  { name: 'native_only_seconds', help: 'Native only.', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { sample_count: 3, sample_sum: 1.5, schema: 1, positive_span: [{ offset: 0, length: 1 }], positive_delta: [3] } }] },
  { name: 'jobs_total', help: 'Jobs.', type: METRIC_TYPE.COUNTER, metric: [{ counter: { value: 17 } }] },
  { name: 'size_bytes', help: 'Sizes.', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { sample_count: 6, sample_sum: 900, bucket: [{ cumulative_count: 2, upper_bound: 100 }, { cumulative_count: 5, upper_bound: 1000 }] } }] },
  { name: 'rq_seconds', help: 'Requests.', type: METRIC_TYPE.SUMMARY, metric: [{ summary: { sample_count: 4, sample_sum: 2, quantile: [{ quantile: 0.5, value: 0.4 }, { quantile: 0.99, value: 0.9 }] } }] },
]);

const PROTOBUF_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';

/** The lines of a /metrics page for the pushed families, push times left out. */
function pushedLines(text: string): string[] {
  return text.split('\n').filter((l) => /^(# (HELP|TYPE) )?(rpc_seconds|native_only_seconds|jobs_total|size_bytes|rq_seconds)(_bucket|_sum|_count)?[{ ]/.test(l));
}

interface Answer {
  data: { result: Array<{ metric: Record<string, string>; value?: [number, string]; histogram?: [number, unknown] }> };
}

/**
 * A protobuf push (what client_golang's push package sends) to `tidemark up` and to the real
 * Pushgateway 1.5: both accept it and expose the same text; Tidemark stores the native histograms.
 */
describe('tidemark up taking protobuf pushes, side by side with the real Pushgateway 1.5', () => {
  let dir: string;
  let up: RunningCli;
  let real: ServiceProcess;
  let realUrl: string;
  /** The Pushgateway API of `tidemark up`, under a route prefix so its GET /metrics is the pushed groups' page. */
  let ours: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-pgw-proto-'));
    const port = await freePort();
    realUrl = `http://127.0.0.1:${port}`;
    await writeFile(join(dir, 'tidemark.yml'), 'ingest:\n  pushgateway:\n    route_prefix: /pushgateway\n');
    [up, real] = await Promise.all([
      startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]),
      spawnService({
        command: '/usr/bin/prometheus-pushgateway',
        args: [`--web.listen-address=127.0.0.1:${port}`],
        ready: /msg="Listening on"/,
        guard: true,
      }).then((s) => s.process),
    ]);
    ours = `${up.url}/pushgateway`;
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await real?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const push = (base: string, body: Uint8Array, contentType = PROMETHEUS_PROTOBUF_CONTENT_TYPE) =>
    fetch(`${base}/metrics/job/batch`, { method: 'PUT', headers: { 'content-type': contentType }, body });

  it('accepts the push and exposes the same text page as the Pushgateway', async () => {
    const [mine, theirs] = await Promise.all([push(ours, BODY), push(realUrl, BODY)]);
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    const [a, b] = await Promise.all([ours, realUrl].map(async (u) => pushedLines(await (await fetch(`${u}/metrics`)).text())));
    expect(a).toContain('native_only_seconds_bucket{instance="",job="batch",le="+Inf"} 3');
    expect(a).toEqual(b);
  });

  it('serves the pushed families in protobuf, native histograms included, as the Pushgateway does', async () => {
    await Promise.all([push(ours, BODY), push(realUrl, BODY)]);
    const pushed = async (u: string) => {
      const res = await fetch(`${u}/metrics`, { headers: { accept: PROTOBUF_ACCEPT } });
      expect(res.headers.get('content-type')).toBe(PROMETHEUS_PROTOBUF_CONTENT_TYPE);
      return decodeDelimited(new Uint8Array(await res.arrayBuffer())).filter((f) => ['rpc_seconds', 'native_only_seconds', 'jobs_total', 'size_bytes', 'rq_seconds'].includes(f.name as string));
    };
    const [a, b] = await Promise.all([pushed(ours), pushed(realUrl)]);
    expect(a.map((f) => f.name)).toEqual(['jobs_total', 'native_only_seconds', 'rpc_seconds', 'rq_seconds', 'size_bytes']);
    expect(a).toEqual(b);
  });

  it('stores the pushed native histograms as native histograms', async () => {
    await push(ours, BODY);
    const answer = await waitFor(async () => {
      const res = await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent('{__name__=~"rpc_seconds|native_only_seconds"}')}`);
      const body = (await res.json()) as Answer;
      return body.data.result.length === 2 ? body : undefined;
    });
    const byName = Object.fromEntries(answer.data.result.map((r) => [r.metric.__name__, r]));
    expect(byName.rpc_seconds.metric).toEqual({ __name__: 'rpc_seconds', job: 'batch', method: 'get' });
    expect(byName.rpc_seconds.histogram?.[1]).toEqual({
      count: '12',
      sum: '9.25',
      buckets: [[1, '-2', '-1', '1'], [3, '-0.001', '0.001', '2'], [0, '0.5', '1', '4'], [0, '1', '2', '5']],
    });
    expect(byName.native_only_seconds.histogram?.[1]).toMatchObject({ count: '3', sum: '1.5' });
    const classic = (await (await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent('{__name__=~"rpc_seconds_.+"}')}`)).json()) as Answer;
    expect(classic.data.result).toEqual([]);
  });

  it('refuses an invalid native histogram with 400 naming the metric, where the Pushgateway does not check it', async () => {
    const bad = encodeDelimited([{
      name: 'bad_seconds', type: METRIC_TYPE.HISTOGRAM,
      metric: [{ histogram: { sample_count: 5, schema: 0, positive_span: [{ offset: 0, length: 1 }], positive_delta: [1] } }],
    }]);
    const res = await fetch(`${ours}/metrics/job/bad`, { method: 'PUT', headers: { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE }, body: bad });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/invalid histogram for metric bad_seconds: 1 observations found in buckets, but the Count field is 5/);
  });

  it('accepts a native histogram of schema 12 as the Pushgateway does, serves it back as pushed, and stores it at schema 8', async () => {
    // One observation in each of schema 12's buckets 15..19: buckets 1 (15, 16) and 2 (17..19) of schema 8.
    const fine = encodeDelimited([{
      name: 'fine_seconds', help: 'Finer than Prometheus stores.', type: METRIC_TYPE.HISTOGRAM,
      metric: [{ histogram: { sample_count: 5, sample_sum: 5.01, schema: 12, positive_span: [{ offset: 15, length: 5 }], positive_delta: [1, 0, 0, 0, 0] } }],
    }]);
    const answers = await Promise.all([ours, realUrl].map((u) => fetch(`${u}/metrics/job/fine`, { method: 'PUT', headers: { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE }, body: fine })));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const served = async (u: string) => {
      const res = await fetch(`${u}/metrics`, { headers: { accept: PROTOBUF_ACCEPT } });
      return decodeDelimited(new Uint8Array(await res.arrayBuffer())).filter((f) => f.name === 'fine_seconds');
    };
    const [a, b] = await Promise.all([served(ours), served(realUrl)]);
    expect(a).toMatchObject([{ metric: [{ histogram: { schema: 12 } }] }]);
    expect(a).toEqual(b);
    const answer = await waitFor(async () => {
      const res = await fetch(`${up.url}/api/v1/query?query=fine_seconds`);
      const body = (await res.json()) as Answer;
      return body.data.result.length === 1 ? body : undefined;
    });
    expect(answer.data.result[0].histogram?.[1]).toEqual({
      count: '5',
      sum: '5.01',
      buckets: [[0, '1', '1.0027112750502025', '2'], [0, '1.0027112750502025', '1.0054299011128027', '3']],
    });
  });

  it('answers a protobuf body that does not say encoding=delimited with 415', async () => {
    const res = await push(ours, BODY, 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily');
    expect(res.status).toBe(415);
  });
});
