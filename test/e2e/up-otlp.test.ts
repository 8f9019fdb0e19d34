import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/** The OpenTelemetry SDK exporting OTLP/HTTP protobuf straight into `tidemark up`. */
describe('tidemark up receiving OTLP metrics', () => {
  let dir: string;
  let up: RunningCli;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-otlp-'));
    up = await startCli(['up', '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    await up?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('answers PromQL over the translated series, with target_info and metadata', async () => {
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'billing', 'service.instance.id': 'pod-3', 'k8s.namespace.name': 'money' }),
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${up.url}/otlp/v1/metrics` }), exportIntervalMillis: 3_600_000 })],
    });
    provider.getMeter('e2e').createCounter('invoices.sent', { description: 'Invoices sent.', unit: '{invoice}' }).add(5, { region: 'eu' });
    await provider.shutdown();

    const query = async (q: string) => {
      const body = (await (await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return body.data.result;
    };
    const result = await waitFor(async () => {
      const r = await query('invoices_sent_total * on (job, instance) group_left (k8s_namespace_name) target_info');
      return r.length > 0 ? r : undefined;
    });
    expect(result).toEqual([{ metric: { instance: 'pod-3', job: 'billing', k8s_namespace_name: 'money', region: 'eu' }, value: [expect.any(Number), '5'] }]);
    const metadata = await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/metadata?metric=invoices_sent_total`)).json()) as { data: Record<string, unknown[]> };
      return body.data.invoices_sent_total;
    });
    expect(metadata).toEqual([{ type: 'counter', help: 'Invoices sent.', unit: '' }]);
  });
});
