import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_PROTOBUF_CONTENT_TYPE } from '../../schemas/exposition/index.js';
import { encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import type { Labels } from '../../schemas/labels.js';
import type { HistogramValue } from '../../schemas/sample.js';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import { resolveScrapeConfig, scrapeConfigSchema, type ScrapeConfigInput, type ScrapeGlobalConfig } from './config.js';
import { acceptHeader } from './http-scraper.js';
import { compileRelabelRules } from './relabel.js';
import { ScrapeLoop } from './scrape-loop.js';
import { ScrapeManager } from './scrape-manager.js';
import { populateTargetLabels } from './target-labels.js';
import { Target } from './target.js';

interface Got { labels: Labels; v?: number; h?: HistogramValue }

class RecordingSink implements SampleSink {
  last: Got[] = [];
  appender(): Appender {
    const buf: Got[] = [];
    return {
      append: (labels, _t, v) => void buf.push({ labels, v }),
      appendHistogram: (labels, _t, h) => void buf.push({ labels, h }),
      commit: async () => void (this.last = buf),
      rollback: () => {},
    };
  }
  value(name: string): number | undefined {
    return this.last.find((g) => g.labels.__name__ === name)?.v;
  }
}

const TEXT = '# TYPE jobs_total counter\njobs_total 3\n';
/** A native histogram with buckets at indexes 0..3 of schema 2, one observation each. */
const NATIVE = encodeDelimited([{
  name: 'lat_seconds', type: METRIC_TYPE.HISTOGRAM,
  metric: [{ histogram: { sample_count: 4, sample_sum: 2, schema: 2, positive_span: [{ offset: 0, length: 4 }], positive_delta: [1, 0, 0, 0] } }],
}]);
const CLASSIC = '# TYPE lat_seconds histogram\nlat_seconds_bucket{le="0.5"} 1\nlat_seconds_bucket{le="+Inf"} 3\nlat_seconds_sum 2\nlat_seconds_count 3\n';
/** Buckets 1e6 indexes apart: no schema down to -4 brings them within one bucket. */
const WIDE = encodeDelimited([{
  name: 'wide_seconds', type: METRIC_TYPE.HISTOGRAM,
  metric: [{ histogram: { sample_count: 2, sample_sum: 2, schema: 0, positive_span: [{ offset: -500, length: 1 }, { offset: 999, length: 1 }], positive_delta: [1, 0] } }],
}]);

/** Polls until `probe` gives something (no fixed sleeps). */
async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Prometheus 3 scrape_config keys against a real HTTP exporter whose answers differ by path. */
describe('Prometheus 3 scrape_config keys', () => {
  let server: Server;
  let address: string;
  const encodings: string[] = [];
  const customHeaders: Array<string | string[] | undefined> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      encodings.push(String(req.headers['accept-encoding']));
      customHeaders.push(req.headersDistinct['x-scope'] ?? undefined);
      switch (req.url) {
        case '/blank':
          res.writeHead(200);
          res.end(TEXT);
          return;
        case '/json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(TEXT);
          return;
        case '/native':
          res.writeHead(200, { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE });
          res.end(NATIVE);
          return;
        case '/classic':
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(CLASSIC);
          return;
        case '/wide':
          res.writeHead(200, { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE });
          res.end(WIDE);
          return;
        default:
          if (req.headers['accept-encoding'] === 'gzip') {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip' });
            res.end(gzipSync(TEXT));
          } else {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
            res.end(TEXT);
          }
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function loopFor(c: Partial<ScrapeConfigInput>, global: ScrapeGlobalConfig = {}) {
    const cfg = resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'job', ...c }), global);
    const p = populateTargetLabels({ __address__: address }, cfg, []);
    const sink = new RecordingSink();
    const target = new Target(p.labels!, p.discovered, 'job', {});
    const loop = new ScrapeLoop(target, cfg, compileRelabelRules([]), { sink, agent: new Agent(), now: () => 1_000_000 });
    return { loop, sink, target };
  }

  it('fails a scrape whose answer has no Content-Type when no fallback_scrape_protocol is set, as Prometheus 3', async () => {
    const { loop, sink, target } = loopFor({ metrics_path: '/blank' });
    const outcome = await loop.scrapeAndReport();
    expect(outcome.error?.message).toBe('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
    expect(target.lastError).toBe(outcome.error?.message);
    expect(sink.value('up')).toBe(0);
    expect(sink.value('jobs_total')).toBeUndefined();
  });

  it('reads an answer without a Content-Type, or with an unsupported one, in the fallback_scrape_protocol', async () => {
    for (const path of ['/blank', '/json']) {
      const { loop, sink } = loopFor({ metrics_path: path, fallback_scrape_protocol: 'PrometheusText0.0.4' });
      expect((await loop.scrapeAndReport()).error).toBeUndefined();
      expect(sink.value('jobs_total')).toBe(3);
      expect(sink.value('up')).toBe(1);
    }
  });

  it('asks for a gzipped body by default and for identity with enable_compression: false', async () => {
    const gz = loopFor({});
    expect((await gz.loop.scrapeAndReport()).error).toBeUndefined();
    expect(encodings.at(-1)).toBe('gzip');
    expect(gz.sink.value('jobs_total')).toBe(3);
    const plain = loopFor({ enable_compression: false });
    expect((await plain.loop.scrapeAndReport()).error).toBeUndefined();
    expect(encodings.at(-1)).toBe('identity');
    expect(plain.sink.value('jobs_total')).toBe(3);
  });

  it('writes scrape_timeout_seconds, scrape_sample_limit and scrape_body_size_bytes with extra_scrape_metrics', async () => {
    const { loop, sink } = loopFor({ extra_scrape_metrics: true, scrape_timeout: '2s', sample_limit: 50 });
    expect((await loop.scrapeAndReport()).error).toBeUndefined();
    expect([sink.value('scrape_timeout_seconds'), sink.value('scrape_sample_limit'), sink.value('scrape_body_size_bytes')]).toEqual([2, 50, Buffer.byteLength(TEXT)]);
    // Inherited from global; -1 bytes when the body is over body_size_limit.
    const over = loopFor({ body_size_limit: 10 }, { extra_scrape_metrics: true });
    expect((await over.loop.scrapeAndReport()).error?.message).toBe('body size limit exceeded');
    expect(over.sink.value('scrape_body_size_bytes')).toBe(-1);
    expect(over.sink.value('up')).toBe(0);
    const without = loopFor({});
    await without.loop.scrapeAndReport();
    expect(without.sink.last.map((g) => g.labels.__name__)).not.toContain('scrape_timeout_seconds');
  });

  it('sends the http_headers values, secrets and file contents with every scrape', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-headers-'));
    try {
      await writeFile(join(dir, 'scope'), 'from-file\n');
      const { loop } = loopFor({ http_headers: { 'X-Scope': { values: ['a'], secrets: ['s3cret'], files: [join(dir, 'scope')] } } });
      expect((await loop.scrapeAndReport()).error).toBeUndefined();
      expect(customHeaders.at(-1)).toEqual(['a', 's3cret', 'from-file']);
      await writeFile(join(dir, 'scope'), 'rotated');
      await loop.scrapeAndReport();
      expect(customHeaders.at(-1)).toEqual(['a', 's3cret', 'rotated']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('appends each failed scrape to scrape_failure_log_file as a JSON line, resolved against the config directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-failure-log-'));
    const manager = new ScrapeManager({ sink: new RecordingSink(), baseDir: dir });
    try {
      manager.applyConfig({
        global: { scrape_interval: 1000, scrape_timeout: 1000, scrape_failure_log_file: 'failures.log' },
        scrape_configs: [
          scrapeConfigSchema.parse({ job_name: 'untyped', metrics_path: '/blank', static_configs: [{ targets: [address] }] }),
          scrapeConfigSchema.parse({ job_name: 'fine', static_configs: [{ targets: [address] }] }),
        ],
      });
      manager.start();
      const lines = await until(async () => {
        const text = await readFile(join(dir, 'failures.log'), 'utf8').catch(() => '');
        return text === '' ? undefined : text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
      });
      expect(lines[0]).toMatchObject({
        level: 'ERROR',
        msg: 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
        scrape_pool: 'untyped',
        target: `http://${address}/blank`,
      });
      expect(Number.isNaN(Date.parse(lines[0].time))).toBe(false);
      // The job that scrapes fine writes nothing there.
      await until(async () => (manager.activeTargets().find((t) => t.scrapePool === 'fine')?.health === 'up' ? true : undefined));
      expect((await readFile(join(dir, 'failures.log'), 'utf8')).includes('"scrape_pool":"fine"')).toBe(false);
    } finally {
      await manager.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores a native histogram over native_histogram_bucket_limit at the coarser schema that fits', async () => {
    const { loop, sink } = loopFor({ metrics_path: '/native', scrape_native_histograms: true, native_histogram_bucket_limit: 2 });
    expect((await loop.scrapeAndReport()).error).toBeUndefined();
    const h = sink.last.find((g) => g.h !== undefined)!.h!;
    expect(h.schema).toBe(0);
    expect(h.toString()).toBe('{count:4, sum:2, (0.5,1]:1, (1,2]:3}');
  });

  it('fails the scrape when no schema brings a native histogram within native_histogram_bucket_limit', async () => {
    const { loop, sink } = loopFor({ metrics_path: '/wide', scrape_native_histograms: true, native_histogram_bucket_limit: 1 });
    expect((await loop.scrapeAndReport()).error?.message).toBe('histogram bucket limit exceeded');
    expect(sink.value('up')).toBe(0);
    expect(sink.value('scrape_samples_scraped')).toBe(1);
    expect(sink.last.some((g) => g.h !== undefined)).toBe(false);
  });

  it('stores a classic histogram as a native histogram with custom buckets with convert_classic_histograms_to_nhcb, from the job or from global', async () => {
    for (const [job, global] of [[{ convert_classic_histograms_to_nhcb: true }, {}], [{}, { convert_classic_histograms_to_nhcb: true }]] as const) {
      const { loop, sink } = loopFor({ metrics_path: '/classic', ...job }, global);
      expect((await loop.scrapeAndReport()).error).toBeUndefined();
      const h = sink.last.find((g) => g.labels.__name__ === 'lat_seconds')?.h;
      expect(h?.toString()).toBe('{count:3, sum:2, [-Inf,0.5]:1, (0.5,+Inf]:2}');
      expect(sink.last.some((g) => g.labels.__name__ === 'lat_seconds_bucket')).toBe(false);
      expect(sink.value('scrape_samples_scraped')).toBe(1);
    }
    const { loop, sink } = loopFor({ metrics_path: '/classic', convert_classic_histograms_to_nhcb: false }, { convert_classic_histograms_to_nhcb: true });
    await loop.scrapeAndReport();
    expect(sink.last.some((g) => g.h !== undefined)).toBe(false);
    expect(sink.value('scrape_samples_scraped')).toBe(4);
  });

  it('stores native histograms at the schema native_histogram_min_bucket_factor allows', async () => {
    const { loop, sink } = loopFor({ metrics_path: '/native', scrape_native_histograms: true, native_histogram_min_bucket_factor: 1.5 });
    expect((await loop.scrapeAndReport()).error).toBeUndefined();
    // A factor of 1.5 allows schema 0 (factor 2), not schema 1 (factor 1.41).
    expect(sink.last.find((g) => g.h !== undefined)!.h!.schema).toBe(0);
  });
});

describe('Prometheus 3 scrape_config keys in the configuration', () => {
  it('refuses an unknown fallback_scrape_protocol naming the supported ones', () => {
    const bad = scrapeConfigSchema.safeParse({ job_name: 'j', fallback_scrape_protocol: 'PrometheusText2' });
    expect(bad.error?.issues.map((i) => i.message)).toEqual(['unknown fallback_scrape_protocol "PrometheusText2", supported: [PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0 OpenMetricsText0.0.1 OpenMetricsText1.0.0]']);
  });

  it('refuses http_headers that the scrape sets itself, as Prometheus does', () => {
    const bad = scrapeConfigSchema.safeParse({ job_name: 'j', http_headers: { 'user-agent': { values: ['x'] }, 'X-Ok': { values: ['y'] } } });
    expect(bad.error?.issues.map((i) => i.message)).toEqual(['setting header "User-Agent" is not allowed']);
  });

  it('refuses a negative or fractional native_histogram_bucket_limit', () => {
    expect(scrapeConfigSchema.safeParse({ job_name: 'j', native_histogram_bucket_limit: -1 }).success).toBe(false);
    expect(scrapeConfigSchema.safeParse({ job_name: 'j', native_histogram_bucket_limit: 1.5 }).success).toBe(false);
  });

  it('takes utf8 name validation by default, as Prometheus 3 does, and legacy from the job or global', () => {
    const parse = (c: Partial<ScrapeConfigInput>, g: ScrapeGlobalConfig = {}) => resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'j', ...c }), g);
    expect(parse({}).metric_name_validation_scheme).toBe('utf8');
    expect(parse({ metric_name_validation_scheme: 'legacy' }).metric_name_validation_scheme).toBe('legacy');
    expect(parse({ metric_name_validation_scheme: '' }, { metric_name_validation_scheme: 'legacy' }).metric_name_validation_scheme).toBe('legacy');
    expect(parse({ metric_name_validation_scheme: 'utf8' }, { metric_name_validation_scheme: 'legacy' }).metric_name_validation_scheme).toBe('utf8');
    expect(scrapeConfigSchema.safeParse({ job_name: 'j', metric_name_validation_scheme: 'latin1' }).error?.issues.map((i) => i.message))
      .toEqual(["unknown scrape config name validation method specified, must be either '', 'legacy' or 'utf8', got latin1"]);
  });

  it('asks targets for UTF-8 names as they are under utf8 validation and underscores under legacy, unless an escaping is configured; refuses allow-utf-8 with legacy validation as Prometheus does', () => {
    const parse = (c: Partial<ScrapeConfigInput>, g: ScrapeGlobalConfig = {}) => resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'j', ...c }), g);
    expect(parse({}).metric_name_escaping_scheme).toBe('allow-utf-8');
    expect(parse({ metric_name_validation_scheme: 'legacy' }).metric_name_escaping_scheme).toBe('underscores');
    expect(parse({}, { metric_name_escaping_scheme: 'dots' }).metric_name_escaping_scheme).toBe('dots');
    expect(parse({ metric_name_escaping_scheme: 'values' }, { metric_name_escaping_scheme: 'dots' }).metric_name_escaping_scheme).toBe('values');
    expect(acceptHeader(['PrometheusText1.0.0', 'PrometheusText0.0.4'], 'values')).toBe('text/plain;version=1.0.0;escaping=values;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4');
    expect(() => parse({ metric_name_validation_scheme: 'legacy', metric_name_escaping_scheme: 'allow-utf-8' })).toThrow('utf8 metric names requested but validation scheme is not set to UTF8');
    expect(() => parse({ metric_name_escaping_scheme: 'allow-utf-8' }, { metric_name_validation_scheme: 'legacy' })).toThrow('utf8 metric names requested but validation scheme is not set to UTF8');
    expect(scrapeConfigSchema.safeParse({ job_name: 'j', metric_name_escaping_scheme: 'Dots' }).error?.issues.map((i) => i.message))
      .toEqual(["unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got \"Dots\""]);
  });


  it('takes keep_dropped_targets from the job, then global, 0 (all) by default', () => {
    const resolve = (c: Partial<ScrapeConfigInput>, g: ScrapeGlobalConfig = {}) => resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'j', ...c }), g);
    expect(resolve({}).keep_dropped_targets).toBe(0);
    expect(resolve({}, { keep_dropped_targets: 5 }).keep_dropped_targets).toBe(5);
    expect(resolve({ keep_dropped_targets: 2 }, { keep_dropped_targets: 5 }).keep_dropped_targets).toBe(2);
  });
});
