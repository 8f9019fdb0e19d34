import { OTLPMetricExporter as JsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingSink } from '../http-edge/testdata/recording-sink.js';
import { serveRoutes } from '../http-edge/testdata/serve-routes.js';
import { otlpConfigSchema } from './config.js';
import { createOtlpConnector } from './factory.js';
import { promLabelName, promMetricName } from './translate.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function receiver(config: Parameters<typeof otlpConfigSchema.parse>[0] = {}) {
  const sink = new RecordingSink();
  const registry = new Registry();
  const conn = createOtlpConnector({ sink, registry }, otlpConfigSchema.parse(config));
  const srv = await serveRoutes(conn.routes);
  closers.push(() => srv.close());
  const metric = async (name: string, labels: Record<string, string>) => {
    const m = await registry.getSingleMetric(name)?.get();
    return m?.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0) ?? 0;
  };
  return { sink, url: srv.url, metric };
}

/** Records a counter, an up-down counter, a gauge and a histogram with the real OpenTelemetry SDK and exports them once. */
async function exportWithSdk(exporter: PushMetricExporter): Promise<void> {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'i-1', 'host.name': 'box-7', 'deployment.environment': 'prod' }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
  const meter = provider.getMeter('test');
  meter.createCounter('http.server.requests', { description: 'Requests served.' }).add(3, { 'http.method': 'GET', '0code': 'x' });
  meter.createUpDownCounter('queue.depth', { unit: '{item}' }).add(-2);
  meter.createObservableGauge('cpu.utilization', { unit: '1' }).addCallback((r) => r.observe(0.25));
  meter.createHistogram('http.server.duration', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } }).record(42);
  // Shutting down exports what was recorded, once.
  await provider.shutdown();
}

function byName(sink: RecordingSink): Map<string, { labels: Record<string, string>; v: number }[]> {
  const out = new Map<string, { labels: Record<string, string>; v: number }[]>();
  for (const s of sink.committed) {
    const { __name__: name, ...rest } = s.labels;
    out.set(name, [...(out.get(name) ?? []), { labels: rest, v: s.v }]);
  }
  return out;
}

describe('OTLP/HTTP metrics receiver', () => {
  it.each([
    ['JSON', (url: string) => new JsonExporter({ url: `${url}/otlp/v1/metrics` })],
    ['protobuf', (url: string) => new ProtoExporter({ url: `${url}/api/v1/otlp/v1/metrics` })],
  ])('maps what the OpenTelemetry SDK exports over %s as Prometheus 3 does', async (_format, exporter) => {
    const r = await receiver();
    await exportWithSdk(exporter(r.url));
    const got = byName(r.sink);
    const id = { job: 'shop/checkout', instance: 'i-1' };
    expect(got.get('http_server_requests_total')).toEqual([{ labels: { ...id, http_method: 'GET', key_0code: 'x' }, v: 3 }]);
    expect(got.get('queue_depth')).toEqual([{ labels: id, v: -2 }]);
    expect(got.get('cpu_utilization_ratio')).toEqual([{ labels: id, v: 0.25 }]);
    expect(got.get('http_server_duration_milliseconds_bucket')).toEqual([
      { labels: { ...id, le: '10' }, v: 0 },
      { labels: { ...id, le: '100' }, v: 1 },
      { labels: { ...id, le: '+Inf' }, v: 1 },
    ]);
    expect(got.get('http_server_duration_milliseconds_sum')).toEqual([{ labels: id, v: 42 }]);
    expect(got.get('http_server_duration_milliseconds_count')).toEqual([{ labels: id, v: 1 }]);
    expect(got.get('target_info')).toEqual([{ labels: { ...id, host_name: 'box-7', deployment_environment: 'prod' }, v: 1 }]);
    const now = Date.now();
    for (const s of r.sink.committed) expect(Math.abs(s.t - now)).toBeLessThan(600_000);
  });

  it('passes the start time of cumulative counters, histograms\' series on as their start timestamp, and none for gauges', async () => {
    const before = Date.now();
    const r = await receiver();
    await exportWithSdk(new JsonExporter({ url: `${r.url}/otlp/v1/metrics` }));
    const st = (name: string) => r.sink.committed.filter((s) => s.labels.__name__ === name).map((s) => s.st);
    const started = (name: string) => {
      const got = r.sink.committed.filter((s) => s.labels.__name__ === name);
      expect(got.length).toBeGreaterThan(0);
      for (const s of got) {
        expect(s.st).toBeGreaterThanOrEqual(before - 1);
        expect(s.st).toBeLessThanOrEqual(s.t);
      }
    };
    started('http_server_requests_total');
    started('http_server_duration_milliseconds_count');
    started('http_server_duration_milliseconds_bucket');
    expect(st('queue_depth')).toEqual([undefined]);
    expect(st('cpu_utilization_ratio')).toEqual([undefined]);
  });

  it('drops delta temporality sums as Prometheus 3 does, counting them as rejected, and keeps the rest', async () => {
    const r = await receiver();
    await exportWithSdk(new JsonExporter({ url: `${r.url}/otlp/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA }));
    const got = byName(r.sink);
    expect(got.has('http_server_requests_total')).toBe(false);
    expect(got.has('http_server_duration_milliseconds_count')).toBe(false);
    expect(got.get('cpu_utilization_ratio')).toEqual([{ labels: { job: 'shop/checkout', instance: 'i-1' }, v: 0.25 }]);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { connector: 'otlp', reason: 'delta_temporality' })).toBeGreaterThan(0);
  });

  it('refuses points older than max_age_ms or further ahead than max_future_ms of the receiving clock with 400 naming the first, and stores the others', async () => {
    const r = await receiver({ limits: { max_age_ms: 86_400_000, max_future_ms: 600_000 } });
    const now = Date.now();
    const point = (name: string, t: number) => ({ name, gauge: { dataPoints: [{ timeUnixNano: String(BigInt(t) * 1_000_000n), asDouble: 1 }] } });
    const body = {
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeMetrics: [{ metrics: [point('recent', now - 3_600_000), point('old', now - 2 * 86_400_000), point('ahead', now + 3_600_000), point('current', now)] }],
      }],
    };
    const res = await fetch(`${r.url}/otlp/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/2 of 4 samples rejected \(the others were stored\); first: .*old.*more than 86400000 ms behind the receiving clock/);
    expect(r.sink.committed.map((s) => [s.labels.__name__, s.t])).toEqual([['recent', now - 3_600_000], ['current', now]]);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { connector: 'otlp', reason: 'too_old' })).toBe(1);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { connector: 'otlp', reason: 'too_far_in_future' })).toBe(1);
  });

  it('refuses another Content-Type with 415 and a body that is no request with 400', async () => {
    const r = await receiver();
    expect((await fetch(`${r.url}/otlp/v1/metrics`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect((await fetch(`${r.url}/otlp/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics": 5' })).status).toBe(400);
  });
});

describe('OTLP name translation', () => {
  it.each([
    [{ name: 'http.server.duration', unit: 's', histogram: {} }, 'http_server_duration_seconds'],
    [{ name: 'requests', unit: '{request}', sum: { isMonotonic: true } }, 'requests_total'],
    [{ name: 'requests_total', sum: { isMonotonic: true } }, 'requests_total'],
    [{ name: 'throughput', unit: 'By/s', gauge: {} }, 'throughput_bytes_per_second'],
    [{ name: 'memory.usage.bytes', unit: 'By', gauge: {} }, 'memory_usage_bytes'],
    [{ name: '2xx.count', gauge: {} }, '_2xx_count'],
  ])('names %o %s', (metric, want) => {
    expect(promMetricName(metric)).toBe(want);
  });

  it('normalizes attribute keys into label names', () => {
    expect(['service.version', '_private', '__reserved', '9lives', 'ok_name'].map(promLabelName)).toEqual(['service_version', 'key_private', '__reserved', 'key_9lives', 'ok_name']);
  });
});
