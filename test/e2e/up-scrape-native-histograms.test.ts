import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_PROTOBUF_CONTENT_TYPE } from '../../schemas/exposition/index.js';
import { encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import { freePort } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/**
 * The page of the exporter, as client_golang exposes it: a histogram with native buckets (schema 0,
 * a zero bucket, a negative and two positive buckets) and classic ones, a classic-only histogram,
 * a summary, a counter and a gauge.
 */
const FAMILIES = [
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
  {
    name: 'size_bytes', help: 'Sizes.', type: METRIC_TYPE.HISTOGRAM,
    metric: [{ histogram: { sample_count: 6, sample_sum: 900, bucket: [{ cumulative_count: 2, upper_bound: 100 }, { cumulative_count: 5, upper_bound: 1000 }] } }],
  },
  { name: 'rq_seconds', help: 'Requests.', type: METRIC_TYPE.SUMMARY, metric: [{ summary: { sample_count: 4, sample_sum: 2, quantile: [{ quantile: 0.5, value: 0.4 }, { quantile: 0.99, value: 0.9 }] } }] },
  { name: 'jobs_total', help: 'Jobs.', type: METRIC_TYPE.COUNTER, metric: [{ label: [{ name: 'queue', value: 'a' }], counter: { value: 17 } }] },
  { name: 'temperature_celsius', help: 'Temperature.', type: METRIC_TYPE.GAUGE, metric: [{ gauge: { value: -3.5 } }] },
];

interface Answer {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string]; histogram?: [number, unknown] }> };
}

/**
 * `tidemark up` (scrape_native_histograms) and Prometheus 2.42 (--enable-feature=native-histograms)
 * scrape the same protobuf exporter, and each scrapes Prometheus' own /metrics: the query answers
 * agree.
 */
describe('tidemark up scraping the protobuf exposition, side by side with Prometheus 2.42', () => {
  let dir: string;
  let exporter: Server;
  let exporterAddr: string;
  const accepts: string[] = [];
  let prom: ServiceProcess;
  let promAddr: string;
  let up: RunningCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-scrape-nh-'));
    const body = encodeDelimited(FAMILIES);
    exporter = createServer((req, res) => {
      const accept = req.headers.accept ?? '';
      accepts.push(accept);
      // client_golang answers protobuf only to a client that prefers it; this page has no text form.
      if (!accept.startsWith('application/vnd.google.protobuf')) {
        res.writeHead(406).end();
        return;
      }
      res.writeHead(200, { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE });
      res.end(body);
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    exporterAddr = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
    const port = await freePort();
    promAddr = `127.0.0.1:${port}`;
    const jobs = `scrape_configs:\n  - job_name: exporter\n    static_configs: [{ targets: ['${exporterAddr}'] }]\n  - job_name: prometheus\n    static_configs: [{ targets: ['${promAddr}'] }]\n`;
    await writeFile(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n${jobs}`);
    await writeFile(join(dir, 'tidemark.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  scrape_native_histograms: true\n${jobs}`);
    [prom, up] = await Promise.all([
      spawnService({
        command: '/usr/bin/prometheus',
        args: [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'prom')}`,
          `--web.listen-address=${promAddr}`,
          '--enable-feature=native-histograms',
        ],
        ready: /Server is ready to receive web requests/,
        guard: true,
        readyTimeoutMs: 60_000,
      }).then((s) => s.process),
      startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]),
    ]);
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await prom?.stop();
    await new Promise((r) => exporter?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const query = async (base: string, q: string, time: number): Promise<Answer> => {
    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${time}`);
    return (await res.json()) as Answer;
  };

  /** Both answers at one instant, once both servers have scraped what the query reads. */
  const both = async (q: string): Promise<[Answer, Answer]> => {
    const time = await waitFor(async () => {
      const t = Date.now() / 1000;
      const [a, b] = await Promise.all([query(up.url, q, t), query(`http://${promAddr}`, q, t)]);
      return a.data.result.length > 0 && b.data.result.length > 0 ? t : undefined;
    });
    return Promise.all([query(up.url, q, time), query(`http://${promAddr}`, q, time)]);
  };

  const sorted = (a: Answer) => [...a.data.result].sort((x, y) => JSON.stringify(x.metric).localeCompare(JSON.stringify(y.metric)));

  it('asks the exporter for protobuf first and stores its native histogram as Prometheus does', async () => {
    const [tidemark, prometheus] = await both('rpc_seconds');
    expect(accepts.some((a) => a.startsWith('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,'))).toBe(true);
    expect(tidemark.data.result).toHaveLength(1);
    expect(tidemark.data.result[0].metric).toEqual({ __name__: 'rpc_seconds', instance: exporterAddr, job: 'exporter', method: 'get' });
    expect(tidemark.data.result[0].histogram?.[1]).toEqual({
      count: '12',
      sum: '9.25',
      buckets: [[1, '-2', '-1', '1'], [3, '-0.001', '0.001', '2'], [0, '0.5', '1', '4'], [0, '1', '2', '5']],
    });
    expect(tidemark.data).toEqual(prometheus.data);
  });

  it('stores no classic series of a native histogram, as Prometheus 2.42 without scrape_classic_histograms', async () => {
    await both('rpc_seconds');
    const [tidemark, prometheus] = await Promise.all([up.url, `http://${promAddr}`].map((b) => query(b, '{__name__=~"rpc_seconds_.+"}', Date.now() / 1000)));
    expect(tidemark.data.result).toEqual([]);
    expect(prometheus.data.result).toEqual([]);
  });

  it('stores classic histograms, summaries, counters and gauges of the protobuf page with the labels and values Prometheus stores', async () => {
    const [tidemark, prometheus] = await both('{job="exporter", __name__=~"size_bytes.*|rq_seconds.*|jobs_total|temperature_celsius"}');
    expect(tidemark.data.result).toHaveLength(11);
    expect(sorted(tidemark).map((r) => [r.metric, r.value?.[1]])).toEqual(sorted(prometheus).map((r) => [r.metric, r.value?.[1]]));
    expect(sorted(tidemark).filter((r) => r.metric.__name__ === 'size_bytes_bucket').map((r) => r.metric.le)).toEqual(['+Inf', '100.0', '1000.0']);
  });

  it('scrapes Prometheus\' own /metrics in protobuf into the series Prometheus keeps of itself', async () => {
    for (const q of ['go_gc_duration_seconds', 'prometheus_http_request_duration_seconds_bucket{handler="/metrics"}']) {
      const [tidemark, prometheus] = await both(q);
      const labelSets = (a: Answer) => sorted(a).map((r) => r.metric);
      expect(labelSets(tidemark).length, q).toBeGreaterThan(1);
      expect(labelSets(tidemark), q).toEqual(labelSets(prometheus));
    }
    const [tidemarkUp] = await both('up{job="prometheus"}');
    expect(tidemarkUp.data.result[0].value?.[1]).toBe('1');
  });
});
