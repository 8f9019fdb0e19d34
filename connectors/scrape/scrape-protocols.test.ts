import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { populateTargetLabels } from './target-labels.js';
import { Target } from './target.js';

interface Got { labels: Labels; t: number; v?: number; h?: HistogramValue; stale: boolean }

/** Records committed float and histogram samples. */
class RecordingSink implements SampleSink {
  committed: Got[][] = [];
  appender(): Appender {
    const buf: Got[] = [];
    return {
      append: (labels, t, v, o) => void buf.push({ labels, t, v, stale: o?.stale === true }),
      appendHistogram: (labels, t, h) => void buf.push({ labels, t, h, stale: false }),
      commit: async () => void this.committed.push(buf),
      rollback: () => {},
    };
  }
  get last(): Got[] {
    return this.committed[this.committed.length - 1];
  }
}

const HISTOGRAM = {
  name: 'rpc_seconds', help: 'RPC latency.', type: METRIC_TYPE.HISTOGRAM,
  metric: [{
    histogram: {
      sample_count: 10, sample_sum: 7.5, schema: 0, zero_threshold: 0.001, zero_count: 1,
      positive_span: [{ offset: 0, length: 2 }], positive_delta: [4, 1], bucket: [{ cumulative_count: 5, upper_bound: 1 }],
    },
  }],
};
const TEXT = '# TYPE rpc_seconds histogram\nrpc_seconds_bucket{le="1"} 5\nrpc_seconds_bucket{le="+Inf"} 10\nrpc_seconds_sum 7.5\nrpc_seconds_count 10\n';

/**
 * An exporter that negotiates as client_golang does: protobuf when the Accept header asks for it
 * before the text format, the text format otherwise. It records the Accept headers it got.
 */
describe('scrape protocol negotiation against a real HTTP exporter', () => {
  let server: Server;
  let address: string;
  const accepts: string[] = [];
  let withHistogram = true;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const accept = req.headers.accept ?? '';
      accepts.push(accept);
      if (accept.startsWith('application/vnd.google.protobuf')) {
        res.writeHead(200, { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE });
        res.end(encodeDelimited(withHistogram ? [HISTOGRAM, { name: 'g', type: METRIC_TYPE.GAUGE, metric: [{ gauge: { value: 1 } }] }] : [{ name: 'g', type: METRIC_TYPE.GAUGE, metric: [{ gauge: { value: 1 } }] }]));
      } else {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(TEXT);
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
    let now = 1_000_000;
    const loop = new ScrapeLoop(new Target(p.labels!, p.discovered, 'job', {}), cfg, compileRelabelRules([]), { sink, agent: new Agent(), now: () => now });
    return { loop, sink, tick: () => (now += 15_000) };
  }

  it('asks for the text formats by default and stores a histogram as its classic series', async () => {
    const { loop, sink } = loopFor({});
    expect((await loop.scrapeAndReport()).error).toBeUndefined();
    expect(accepts.at(-1)).not.toContain('protobuf');
    expect(sink.last.filter((g) => g.h !== undefined)).toEqual([]);
    expect(sink.last.filter((g) => g.labels.__name__ === 'rpc_seconds_count').map((g) => g.v)).toEqual([10]);
  });

  it('asks for protobuf first with scrape_native_histograms and stores the native histogram', async () => {
    const { loop, sink } = loopFor({ scrape_native_histograms: true });
    expect((await loop.scrapeAndReport()).error).toBeUndefined();
    expect(accepts.at(-1)).toBe(acceptHeader(['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']));
    const hs = sink.last.filter((g) => g.h !== undefined);
    expect(hs.map((g) => [g.labels, g.h!.toString()])).toEqual([
      [{ __name__: 'rpc_seconds', instance: address, job: 'job' }, '{count:10, sum:7.5, [-0.001,0.001]:1, (0.5,1]:4, (1,2]:5}'],
    ]);
    expect(sink.last.filter((g) => g.labels.__name__ === 'rpc_seconds_count')).toEqual([]);
    expect(sink.last.find((g) => g.labels.__name__ === 'scrape_samples_scraped')?.v).toBe(2);
  });

  it('inherits scrape_native_histograms from global and marks a histogram series stale when it goes away', async () => {
    const { loop, sink, tick } = loopFor({}, { scrape_native_histograms: true });
    await loop.scrapeAndReport();
    expect(sink.last.filter((g) => g.h !== undefined)).toHaveLength(1);
    withHistogram = false;
    try {
      tick();
      await loop.scrapeAndReport();
    } finally {
      withHistogram = true;
    }
    expect(sink.last.filter((g) => g.labels.__name__ === 'rpc_seconds')).toEqual([
      { labels: { __name__: 'rpc_seconds', instance: address, job: 'job' }, t: 1_015_000, v: Number.NaN, stale: true },
    ]);
  });

  it('asks in the order scrape_protocols gives, protobuf included, even with native histograms off', async () => {
    const { loop, sink } = loopFor({ scrape_protocols: ['PrometheusProto', 'PrometheusText0.0.4'] });
    await loop.scrapeAndReport();
    expect(accepts.at(-1)).toBe('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4');
    expect(sink.last.filter((g) => g.h !== undefined)).toEqual([]);
    expect(sink.last.filter((g) => g.labels.__name__ === 'rpc_seconds_bucket').map((g) => g.labels.le)).toEqual(['1.0', '+Inf']);
  });
});

describe('scrape protocol settings', () => {
  it('refuses an unknown protocol and a duplicated one with the messages Prometheus gives', () => {
    const bad = scrapeConfigSchema.safeParse({ job_name: 'j', scrape_protocols: ['PrometheusProto', 'Proto2'] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.message)).toContain('unknown scrape protocol Proto2, supported: [PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0 OpenMetricsText0.0.1 OpenMetricsText1.0.0]');
    const dup = scrapeConfigSchema.safeParse({ job_name: 'j', scrape_protocols: ['PrometheusProto', 'PrometheusProto'] });
    expect(dup.error?.issues.map((i) => i.message)).toEqual(['duplicated protocol in scrape_protocols, got [PrometheusProto PrometheusProto]']);
  });

  it('takes protocols from the job, then global, then the default for the native-histogram setting', () => {
    const resolve = (c: Partial<ScrapeConfigInput>, g: ScrapeGlobalConfig = {}) => resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'j', ...c }), g);
    expect(resolve({}).scrape_protocols).toEqual(['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']);
    expect(resolve({ scrape_native_histograms: true }).scrape_protocols[0]).toBe('PrometheusProto');
    expect(resolve({}, { scrape_protocols: ['PrometheusText0.0.4'], scrape_native_histograms: true }).scrape_protocols).toEqual(['PrometheusText0.0.4']);
    expect(resolve({ scrape_protocols: ['OpenMetricsText1.0.0'] }, { scrape_protocols: ['PrometheusText0.0.4'] }).scrape_protocols).toEqual(['OpenMetricsText1.0.0']);
    expect(resolve({ scrape_native_histograms: false }, { scrape_native_histograms: true }).scrape_native_histograms).toBe(false);
  });

  it('builds the Accept header with descending weights, asking for UTF-8 names as they are on the 1.0.0 text formats by default', () => {
    expect(acceptHeader(['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'])).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,'
      + 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
  });
});
