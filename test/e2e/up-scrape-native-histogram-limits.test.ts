import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_PROTOBUF_CONTENT_TYPE } from '../../schemas/exposition/index.js';
import { encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import { exponentialBound } from '../../schemas/native-histogram/index.js';
import { instantQuery, someSeries, startCli, waitFor, type RunningCli } from './cli-process.js';

const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

/**
 * Schema 12, one observation in each of buckets 15..19, with exemplars of its own (one without a
 * timestamp). At schema 8 (16 buckets of schema 12 in one) buckets 15 and 16 fall into bucket 1
 * and 17..19 into bucket 2; at schema 0 all of them into bucket 1, (1, 2].
 */
const FINE = encodeDelimited([{
  name: 'fine_seconds', help: 'A finer schema than Prometheus stores.', type: METRIC_TYPE.HISTOGRAM,
  metric: [{
    histogram: {
      sample_count: 5, sample_sum: 5.01, schema: 12, positive_span: [{ offset: 15, length: 5 }], positive_delta: [1, 0, 0, 0, 0],
      exemplars: [
        { label: [{ name: 'trace_id', value: 'b' }], value: 1.002, timestamp: ts(1_700_000_001_000) },
        { label: [{ name: 'trace_id', value: 'untimed' }], value: 1.003 },
        { label: [{ name: 'trace_id', value: 'a' }], value: 1.001, timestamp: ts(1_700_000_000_500) },
      ],
    },
  }],
}]);

/** Schema 0, one observation in each of buckets 0..3: within 2 buckets at schema -2. */
const WIDE = encodeDelimited([{
  name: 'wide_seconds', type: METRIC_TYPE.HISTOGRAM,
  metric: [{ histogram: { sample_count: 4, sample_sum: 6, schema: 0, positive_span: [{ offset: 0, length: 4 }], positive_delta: [1, 0, 0, 0] } }],
}]);

/** Two buckets too far apart to share one even at schema -4. */
const TOO_WIDE = encodeDelimited([{
  name: 'too_wide_seconds', type: METRIC_TYPE.HISTOGRAM,
  metric: [{ histogram: { sample_count: 2, sample_sum: 2, schema: 0, positive_span: [{ offset: -500, length: 1 }, { offset: 999, length: 1 }], positive_delta: [1, 0] } }],
}]);

/** A series of an instant query's answer. */
type Series = { metric: Record<string, string>; value?: [number, string]; histogram?: [number, { count: string; sum: string; buckets: Array<[number, string, string, string]> }] };

interface Targets {
  data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> };
}

/**
 * `tidemark up` scrapes a protobuf exporter (and a target that sends no Content-Type) with the
 * Prometheus 3 scrape settings for native histograms: schemas above 8 are reduced, the bucket
 * limit and the minimum bucket factor reduce resolution, exemplars of native histograms are
 * served by /api/v1/query_exemplars, and fallback_scrape_protocol reads an untyped answer.
 */
describe('tidemark up with the Prometheus 3 native-histogram scrape settings', () => {
  let dir: string;
  let exporter: Server;
  let addr: string;
  let up: RunningCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-scrape-nh-limits-'));
    const pages: Record<string, Uint8Array> = { '/fine': FINE, '/wide': WIDE, '/too-wide': TOO_WIDE };
    exporter = createServer((req, res) => {
      const page = pages[req.url ?? ''];
      if (page !== undefined) {
        res.writeHead(200, { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE });
        res.end(page);
        return;
      }
      // A non-compliant target: the text format without a Content-Type.
      res.writeHead(200);
      res.end('# TYPE untyped_jobs_total counter\nuntyped_jobs_total 3\n');
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    addr = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
    const job = (name: string, path: string, extra = '') => `  - job_name: ${name}\n    metrics_path: ${path}\n${extra}    static_configs: [{ targets: ['${addr}'] }]\n`;
    await writeFile(join(dir, 'tidemark.yml'), [
      'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  scrape_native_histograms: true\nscrape_configs:\n',
      job('fine', '/fine'),
      job('coarse', '/fine', '    native_histogram_min_bucket_factor: 2\n'),
      job('limited', '/wide', '    native_histogram_bucket_limit: 2\n'),
      job('too-wide', '/too-wide', '    native_histogram_bucket_limit: 1\n'),
      job('untyped', '/untyped'),
      job('untyped-fallback', '/untyped', '    fallback_scrape_protocol: PrometheusText0.0.4\n'),
    ].join(''));
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await new Promise((r) => exporter?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const query = (q: string) => instantQuery<Series>(up.url, q);
  const some = (q: string) => someSeries<Series>(up.url, q);
  const histogramOf = async (q: string) => (await some(q))[0].histogram![1];

  it('stores a native histogram of schema 12 at schema 8', async () => {
    const h = await histogramOf('fine_seconds{job="fine"}');
    expect([h.count, h.sum]).toEqual(['5', '5.01']);
    expect(h.buckets.map(([, lower, upper, count]) => [Number(lower), Number(upper), count])).toEqual([
      [exponentialBound(0, 8), exponentialBound(1, 8), '2'],
      [exponentialBound(1, 8), exponentialBound(2, 8), '3'],
    ]);
  });

  it('stores it at schema 0 under native_histogram_min_bucket_factor: 2', async () => {
    const h = await histogramOf('fine_seconds{job="coarse"}');
    expect(h.buckets).toEqual([[0, '1', '2', '5']]);
  });

  it('reduces a histogram over native_histogram_bucket_limit until it fits', async () => {
    const h = await histogramOf('wide_seconds{job="limited"}');
    expect(h.buckets).toEqual([[0, '0.0625', '1', '1'], [0, '1', '16', '3']]);
  });

  it('fails the scrape of a histogram no schema brings within the limit', async () => {
    const [upSeries] = await some('up{job="too-wide"}');
    expect(upSeries.value?.[1]).toBe('0');
    expect(await query('too_wide_seconds')).toEqual([]);
    const targets = (await (await fetch(`${up.url}/api/v1/targets?state=active`)).json()) as Targets;
    expect(targets.data.activeTargets.find((t) => t.labels.job === 'too-wide')?.lastError).toBe('histogram bucket limit exceeded');
  });

  it('serves the timestamped exemplars of a scraped native histogram from /api/v1/query_exemplars', async () => {
    const url = `${up.url}/api/v1/query_exemplars?query=${encodeURIComponent('fine_seconds{job="fine"}')}&start=1699999990&end=1700000100`;
    const data = await waitFor(async () => {
      const body = (await (await fetch(url)).json()) as { data: Array<{ seriesLabels: Record<string, string>; exemplars: unknown[] }> | null };
      return body.data !== null && body.data.length > 0 && body.data[0].exemplars.length >= 2 ? body.data : undefined;
    });
    expect(data).toEqual([{
      seriesLabels: { __name__: 'fine_seconds', instance: addr, job: 'fine' },
      exemplars: [
        { labels: { trace_id: 'a' }, value: '1.001', timestamp: 1700000000.5 },
        { labels: { trace_id: 'b' }, value: '1.002', timestamp: 1700000001 },
      ],
    }]);
  });

  it('fails a target without a Content-Type unless fallback_scrape_protocol says how to read it', async () => {
    const [fallback] = await some('untyped_jobs_total');
    expect(fallback.metric.job).toBe('untyped-fallback');
    expect(fallback.value?.[1]).toBe('3');
    const [strict] = await some('up{job="untyped"}');
    expect(strict.value?.[1]).toBe('0');
    const targets = (await (await fetch(`${up.url}/api/v1/targets?state=active`)).json()) as Targets;
    expect(targets.data.activeTargets.find((t) => t.labels.job === 'untyped')?.lastError)
      .toBe('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  });
});
