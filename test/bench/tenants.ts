import type { IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { PushEdge, SampleTally } from '../../connectors/http-edge/index.js';
import { RemoteWriteHandler, WriteRequestReader } from '../../connectors/remote-write/index.js';
import { encodeWriteRequest, pbLabels } from '../../connectors/remote-write/testdata/prompb.js';
import type { Bus, ProduceRecord, ProducedRecord } from '../../pipeline/bus/bus.js';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import { Tenancy, tenantsConfigSchema } from '../../ops/tenants/index.js';
import { scopeQuery } from '../../ops/tenants/selector-scoping.js';
import { startRedis } from '../harness/index.js';
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
    out.push(snappyBlockCompress(encodeWriteRequest({ timeseries })));
  }
  return out;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A remote_write receiver over `wrap(sink)`, each request run by `around` (the tenant's scope, or not). */
function receiver(wrap: (sink: SampleSink) => SampleSink, around: <T>(fn: () => T) => T): (bodies: Buffer[]) => Promise<number> {
  const timed = timedReceiver(wrap, around);
  /** Receiver CPU seconds for the bodies. */
  return async (list) => (await timed(list)).cpu;
}

/** As `receiver`, with the wall seconds too (where shared limits wait for Redis). */
function timedReceiver(wrap: (sink: SampleSink) => SampleSink, around: <T>(fn: () => T) => T): (bodies: Buffer[]) => Promise<{ cpu: number; wall: number }> {
  const edge = new PushEdge({ connector: 'remote_write', registry: new Registry() });
  const sink = wrap(new BusSampleSink({ bus: new AckingBus() as unknown as Bus, topic: 'samples', partitions: 8, source: 'bench' }));
  const handler = new RemoteWriteHandler({ edge, sink, reader: new WriteRequestReader('legacy', undefined, edge.seriesLimits) });
  const req = { headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' } } as unknown as IncomingMessage;
  const url = new URL('http://localhost/api/v1/write');
  return async (list) => {
    collect();
    const start = process.cpuUsage();
    const t0 = performance.now();
    for (const body of list) await around(() => handler.handle({ req, url, body, tally: new SampleTally(edge.metrics), written: new Map() }));
    const d = process.cpuUsage(start);
    return { cpu: (d.user + d.system) / 1e6, wall: (performance.now() - t0) / 1000 };
  };
}

/**
 * Tenants on with the limits shared in Redis (what `tidemark ingest --redis` does) against limits
 * in process, alternating in one run. Each pass is another tenant's, so its first request's series
 * are new to the tenant and go to Redis, as a first push's do; the later requests repeat them. The
 * CPU is the receiver's, Redis' own not counted.
 */
async function sharedLimitsRows(list: Buffer[]): Promise<BenchResult[]> {
  const redis = await startRedis();
  const config = tenantsConfigSchema.parse({ enabled: true, limits: { ingestion_rate: 1e9, max_active_series: 1e8 } });
  const local = new Tenancy(config, new Registry());
  const shared = new Tenancy(config, new Registry(), { redisUrl: redis.url, onError: (err) => console.error(`tenant limits in Redis: ${err.message}`) });
  try {
    let pass = 0;
    const asTenant = (t: Tenancy) => <T>(fn: () => T): T => t.scope.run(`team-${pass}`, fn);
    const inProcess = timedReceiver((s) => local.sink(s), asTenant(local));
    const inRedis = timedReceiver((s) => shared.sink(s), asTenant(shared));
    await inProcess(list);
    await inRedis(list);
    let bestLocal = { cpu: Number.POSITIVE_INFINITY, wall: Number.POSITIVE_INFINITY };
    let bestShared = { cpu: Number.POSITIVE_INFINITY, wall: Number.POSITIVE_INFINITY };
    for (let round = 0; round < ROUNDS; round++) {
      // A new tenant each pass: every series of its first request is new to it, as in a first push.
      pass++;
      const a = await inProcess(list);
      const b = await inRedis(list);
      bestLocal = { cpu: Math.min(bestLocal.cpu, a.cpu), wall: Math.min(bestLocal.wall, a.wall) };
      bestShared = { cpu: Math.min(bestShared.cpu, b.cpu), wall: Math.min(bestShared.wall, b.wall) };
    }
    const samples = REQUESTS * SERIES;
    const shape = `${REQUESTS} requests x ${SERIES} series x 1 sample (the first request's series new to the tenant), best of ${ROUNDS} alternating passes`;
    return [
      { name: `remote_write receive, tenant limits in process; ${shape}`, subject: 'tidemark', value: samples / bestLocal.cpu, unit: 'samples/CPU-s', note: `${((bestLocal.wall / REQUESTS) * 1000).toFixed(2)} ms wall per request` },
      {
        name: `remote_write receive, tenant limits shared in Redis (ingest --redis); ${shape}`,
        subject: 'tidemark',
        value: samples / bestShared.cpu,
        unit: 'samples/CPU-s',
        note: `${((bestShared.wall / REQUESTS) * 1000).toFixed(2)} ms wall per request (Redis on the same machine, its CPU not counted); ${(((bestShared.cpu - bestLocal.cpu) / bestLocal.cpu) * 100).toFixed(0)} % more receiver CPU than in process`,
      },
    ];
  } finally {
    await shared.close();
    await redis.stop();
  }
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
    rows.push(...(await sharedLimitsRows(list)));
    return rows;
  },
};
