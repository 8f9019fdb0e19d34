import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_PROTOBUF_CONTENT_TYPE } from '../../schemas/exposition/index.js';
import { encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import { instantQuery, startCli, waitFor, type RunningCli } from './cli-process.js';

/** Cumulative counts per upper bound of one classic histogram per code, and its sum. */
const HISTOGRAMS = [
  { code: '200', buckets: [[0.05, 3], [0.1, 10], [0.25, 31], [0.5, 52], [1, 70], [2.5, 77], [Infinity, 80]], sum: 31.4 },
  { code: '500', buckets: [[0.05, 0], [0.1, 1], [0.25, 1], [0.5, 2], [1, 5], [2.5, 9], [Infinity, 9]], sum: 12.25 },
] as const;

/** A bucket bound as the query API writes it. */
const bound = (s: string) => (s === '-Inf' ? -Infinity : s === '+Inf' ? Infinity : Number(s));
const le = (b: number) => (b === Infinity ? '+Inf' : String(b));

function textPage(openMetrics: boolean): string {
  const lines = ['# HELP rpc_seconds RPC latency.', '# TYPE rpc_seconds histogram'];
  for (const h of HISTOGRAMS) {
    for (const [bound, count] of h.buckets) lines.push(`rpc_seconds_bucket{code="${h.code}",le="${le(bound)}"} ${count}`);
    lines.push(`rpc_seconds_sum{code="${h.code}"} ${h.sum}`, `rpc_seconds_count{code="${h.code}"} ${h.buckets[h.buckets.length - 1][1]}`);
  }
  lines.push(`# TYPE ${openMetrics ? 'jobs' : 'jobs_total'} counter`, 'jobs_total 4');
  if (openMetrics) lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

const PROTO = encodeDelimited([
  {
    name: 'rpc_seconds', help: 'RPC latency.', type: METRIC_TYPE.HISTOGRAM,
    metric: HISTOGRAMS.map((h) => ({
      label: [{ name: 'code', value: h.code }],
      histogram: {
        sample_count: h.buckets[h.buckets.length - 1][1], sample_sum: h.sum,
        bucket: h.buckets.filter(([b]) => b !== Infinity).map(([upper_bound, cumulative_count]) => ({ upper_bound, cumulative_count })),
      },
    })),
  },
  { name: 'jobs_total', type: METRIC_TYPE.COUNTER, metric: [{ counter: { value: 4 } }] },
]);

/** A series of an instant query's answer. */
type Series = { metric: Record<string, string>; value?: [number, string]; histogram?: [number, { count: string; sum: string; buckets: Array<[number, string, string, string]> }] };

/**
 * `tidemark up` scrapes one classic histogram, exposed as text, OpenMetrics and protobuf, with and
 * without convert_classic_histograms_to_nhcb: the converted native histograms with custom buckets
 * answer histogram_quantile, histogram_count and histogram_sum as the classic series do.
 */
describe('tidemark up with convert_classic_histograms_to_nhcb', () => {
  let dir: string;
  let exporter: Server;
  let up: RunningCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-scrape-nhcb-'));
    exporter = createServer((req, res) => {
      if (req.url === '/proto') {
        res.writeHead(200, { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE });
        res.end(PROTO);
      } else if (req.url === '/openmetrics') {
        res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
        res.end(textPage(true));
      } else {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(textPage(false));
      }
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const addr = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
    const job = (name: string, path: string, extra = '') => `  - job_name: ${name}\n    metrics_path: ${path}\n${extra}    static_configs: [{ targets: ['${addr}'] }]\n`;
    const convert = '    convert_classic_histograms_to_nhcb: true\n';
    await writeFile(join(dir, 'tidemark.yml'), [
      'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n',
      job('classic', '/text'),
      job('nhcb-text', '/text', convert),
      job('nhcb-openmetrics', '/openmetrics', convert),
      job('nhcb-protobuf', '/proto', `${convert}    scrape_protocols: [PrometheusProto]\n`),
      job('nhcb-both', '/text', `${convert}    always_scrape_classic_histograms: true\n`),
    ].join(''));
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await new Promise((r) => exporter?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const query = (q: string) => instantQuery<Series>(up.url, q);
  /** The answer once it has `n` series, by code. */
  const byCode = async (q: string, n = 2): Promise<Record<string, number>> => {
    let last: unknown;
    const r = await waitFor(async () => {
      const got = await query(q);
      last = got;
      return got.length >= n ? got : undefined;
    }, 30_000).catch((err: Error) => {
      throw new Error(`${q}: ${err.message}; last answer ${JSON.stringify(last)}`, { cause: err });
    });
    return Object.fromEntries(r.map((s) => [s.metric.code, Number(s.value![1])]));
  };
  /** The value of a one-series answer. */
  const single = async (q: string): Promise<number> => Object.values(await byCode(q, 1))[0];

  it('stores one native histogram with custom buckets per classic histogram, and no classic series, for text, OpenMetrics and protobuf pages', async () => {
    for (const job of ['nhcb-text', 'nhcb-openmetrics', 'nhcb-protobuf']) {
      const series = await waitFor(async () => {
        const r = await query(`rpc_seconds{job="${job}"}`);
        return r.length === 2 ? r : undefined;
      });
      const ok = series.find((s) => s.metric.code === '200')!.histogram![1];
      expect([ok.count, ok.sum]).toEqual(['80', '31.4']);
      expect(ok.buckets.map(([, lower, upper, count]) => [bound(lower), bound(upper), Number(count)])).toEqual([
        [-Infinity, 0.05, 3], [0.05, 0.1, 7], [0.1, 0.25, 21], [0.25, 0.5, 21], [0.5, 1, 18], [1, 2.5, 7], [2.5, Infinity, 3],
      ]);
      expect(await query(`{__name__=~"rpc_seconds_(bucket|count|sum)", job="${job}"}`)).toEqual([]);
      expect(await single(`jobs_total{job="${job}"}`)).toBe(4);
    }
  });

  it('answers histogram_quantile over the converted histograms as over the classic series', async () => {
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      const classic = await byCode(`histogram_quantile(${q}, rpc_seconds_bucket{job="classic"})`);
      expect(Object.keys(classic).sort()).toEqual(['200', '500']);
      for (const job of ['nhcb-text', 'nhcb-openmetrics', 'nhcb-protobuf']) {
        const converted = await byCode(`histogram_quantile(${q}, rpc_seconds{job="${job}"})`);
        for (const code of ['200', '500']) expect(converted[code]).toBeCloseTo(classic[code], 12);
      }
    }
  });

  it('answers histogram_count and histogram_sum as the _count and _sum series', async () => {
    const count = await byCode('rpc_seconds_count{job="classic"}');
    const sum = await byCode('rpc_seconds_sum{job="classic"}');
    expect(await byCode('histogram_count(rpc_seconds{job="nhcb-text"})')).toEqual(count);
    expect(await byCode('histogram_sum(rpc_seconds{job="nhcb-protobuf"})')).toEqual(sum);
  });

  it('keeps the classic series beside the native histograms with always_scrape_classic_histograms', async () => {
    expect(Object.keys(await byCode('histogram_count(rpc_seconds{job="nhcb-both"})')).sort()).toEqual(['200', '500']);
    const buckets = await waitFor(async () => {
      const r = await query('rpc_seconds_bucket{job="nhcb-both"}');
      return r.length === 14 ? r : undefined;
    });
    expect(buckets).toHaveLength(14);
    // 2 histograms and jobs_total; with the classic series, 9 series per histogram more.
    expect(await single('scrape_samples_scraped{job="nhcb-text"}')).toBe(3);
    expect(await single('scrape_samples_scraped{job="nhcb-both"}')).toBe(21);
  });
});
