import type { IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import SnappyJS from 'snappyjs';
import { PushEdge, SampleTally } from '../../connectors/http-edge/index.js';
import { RemoteWriteHandler, WriteRequestReader } from '../../connectors/remote-write/index.js';
import { encodeWriteRequest, pbLabels } from '../../connectors/remote-write/testdata/prompb.js';
import type { Bus, ProduceRecord, ProducedRecord } from '../../pipeline/bus/bus.js';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import { Tenancy, tenantsConfigSchema } from '../../ops/tenants/index.js';
import { scopeQuery } from '../../ops/tenants/selector-scoping.js';
import type { Benchmark, BenchResult } from './bench-result.js';

const SERIES = 2_000;
const REQUESTS = 20;
const ROUNDS = 5;

/** A bus that acknowledges at once: only the receiver's own CPU is measured. */
class AckingBus {
  async produce(_topic: string, records: readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    return records.map((r) => ({ partition: r.partition, offset: 0 }));
  }
}

/** REQUESTS remote_write bodies of 2,000 node_exporter-like series, one sample each. */
function bodies(): Buffer[] {
  const out: Buffer[] = [];
  const t0 = Date.now() - REQUESTS * 15_000;
  for (let r = 0; r < REQUESTS; r++) {
    const timeseries = Array.from({ length: SERIES }, (_, n) => ({
      labels: pbLabels({ __name__: 'node_cpu_seconds_total', job: 'node', instance: `host-${Math.floor(n / 64)}:9100`, cpu: String(Math.floor(n / 8) % 8), mode: `m${n % 8}` }),
      samples: [{ value: n + r, timestamp: t0 + r * 15_000 }],
    }));
    out.push(Buffer.from(SnappyJS.compress(encodeWriteRequest({ timeseries }))));
  }
  return out;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A remote_write receiver over `wrap(sink)`, each request run by `around` (the tenant's scope, or not). */
function receiver(wrap: (sink: SampleSink) => SampleSink, around: <T>(fn: () => T) => T): (bodies: Buffer[]) => Promise<number> {
  const edge = new PushEdge({ connector: 'remote_write', registry: new Registry() });
  const sink = wrap(new BusSampleSink({ bus: new AckingBus() as unknown as Bus, topic: 'samples', partitions: 8, source: 'bench' }));
  const handler = new RemoteWriteHandler({ edge, sink, reader: new WriteRequestReader() });
  const req = { headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' } } as unknown as IncomingMessage;
  const url = new URL('http://localhost/api/v1/write');
  /** Receiver CPU seconds for the bodies. */
  return async (list) => {
    collect();
    const start = process.cpuUsage();
    for (const body of list) await around(() => handler.handle({ req, url, body, tally: new SampleTally(edge.metrics) }));
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1e6;
  };
}

export const tenantsBenchmark: Benchmark = {
  area: 'tenants',
  async run() {
    const list = bodies();
    const tenancy = new Tenancy(tenantsConfigSchema.parse({ enabled: true, limits: { ingestion_rate: 1e9, max_active_series: 1e7 } }), new Registry());
    const plain = receiver((s) => s, (fn) => fn());
    const tenant = receiver((s) => tenancy.sink(s), (fn) => tenancy.scope.run('team-a', fn));
    // Warm-up, then alternating passes (A/B in the same run), the best of each.
    await plain(list);
    await tenant(list);
    let bestPlain = Number.POSITIVE_INFINITY;
    let bestTenant = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      bestPlain = Math.min(bestPlain, await plain(list));
      bestTenant = Math.min(bestTenant, await tenant(list));
    }
    const samples = REQUESTS * SERIES;
    const shape = `${REQUESTS} requests x ${SERIES} series x 1 sample, bus acks at once, best of ${ROUNDS} alternating passes`;
    const rows: BenchResult[] = [
      { name: `remote_write receive, tenants off; ${shape}`, subject: 'tidemark', value: samples / bestPlain, unit: 'samples/CPU-s' },
      {
        name: `remote_write receive, tenants on (tenant label set, rate and active-series limits checked); ${shape}`,
        subject: 'tidemark',
        value: samples / bestTenant,
        unit: 'samples/CPU-s',
        note: `${(((bestTenant - bestPlain) / bestPlain) * 100).toFixed(0)} % more CPU than tenants off`,
      },
    ];
    const query = 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))';
    for (let i = 0; i < 1000; i++) scopeQuery(query, 'tenant_id', 'team-a');
    const start = process.cpuUsage();
    const n = 10_000;
    for (let i = 0; i < n; i++) scopeQuery(query, 'tenant_id', 'team-a');
    const d = process.cpuUsage(start);
    rows.push({ name: `confining a query to its tenant (parse, rewrite 2 selectors, print): ${query}`, subject: 'tidemark', value: (d.user + d.system) / n, unit: 'µs CPU/query' });
    return rows;
  },
};
