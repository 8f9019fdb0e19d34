import type { IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import { snappyBlockCompress, snappyBlockUncompress } from '../../schemas/snappy-block.js';
import { PushEdge, SampleTally } from '../../connectors/http-edge/index.js';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import { RemoteWriteHandler, WriteRequestReader } from '../../connectors/remote-write/index.js';
import { encodeWriteRequest, pbLabels, WriteRequestType } from '../../connectors/remote-write/testdata/prompb.js';
import type { Bus, ProduceRecord, ProducedRecord } from '../../pipeline/bus/bus.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { victoriaMetricsWriteRate } from './peers/index.js';

const SERIES_PER_REQUEST = 2_000;
const SHARDS = 10; // 20,000 distinct series, each sent once per "scrape interval"
const ROUNDS = 6;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];

/**
 * Requests shaped like a Prometheus remote_write queue: 2,000 node_exporter-like series each,
 * re-sent every interval. With `reshuffle`, every round spreads the series over the requests in
 * another order, as a real sender's shards batch whatever is queued (so no two requests repeat).
 */
function requests(reshuffle = false, rounds = ROUNDS): Buffer[] {
  const out: Buffer[] = [];
  const t0 = Date.now() - rounds * 15_000;
  const total = SERIES_PER_REQUEST * SHARDS;
  const order = Array.from({ length: total }, (_, n) => n);
  let seed = 12345;
  for (let round = 0; round < rounds; round++) {
    if (reshuffle) {
      for (let i = total - 1; i > 0; i--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const j = seed % (i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    for (let shard = 0; shard < SHARDS; shard++) {
      const timeseries = [];
      for (let i = 0; i < SERIES_PER_REQUEST; i++) {
        const n = order[shard * SERIES_PER_REQUEST + i];
        timeseries.push({
          labels: pbLabels({
            __name__: 'node_cpu_seconds_total',
            job: 'node',
            instance: `host-${Math.floor(n / 64)}:9100`,
            cpu: String(Math.floor(n / 8) % 8),
            mode: MODES[n % 8],
            cluster: 'eu-1',
          }),
          samples: [{ value: n * 0.25 + round * 15, timestamp: t0 + round * 15_000 }],
        });
      }
      out.push(snappyBlockCompress(encodeWriteRequest({ timeseries })));
    }
  }
  return out;
}

/** A bus that acknowledges at once: isolates the receiver's own CPU (decode, validate, group, Avro-encode). */
class AckingBus {
  records = 0;
  async produce(_topic: string, records: readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    this.records += records.length;
    return records.map((r) => ({ partition: r.partition, offset: 0 }));
  }
}

/** A full collection before a measurement, so garbage left by earlier benchmarks is not charged to it (`--expose-gc`). */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** Samples per CPU-second over the `measured` passes, after one warm-up pass over `warm`. */
async function tidemark(warm: Buffer[], measured: Buffer[][]): Promise<number> {
  const registry = new Registry();
  const edge = new PushEdge({ connector: 'remote_write', registry });
  const sink = new BusSampleSink({ bus: new AckingBus() as unknown as Bus, topic: 'samples', partitions: 8, source: 'bench' });
  const handler = new RemoteWriteHandler({ edge, sink, reader: new WriteRequestReader('legacy', undefined, edge.seriesLimits) });
  const req = { headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' } } as unknown as IncomingMessage;
  const url = new URL('http://localhost/api/v1/write');
  const run = async (bodies: Buffer[]) => {
    for (const body of bodies) await handler.handle({ req, url, body, tally: new SampleTally(edge.metrics), written: new Map() });
  };
  await run(warm); // warm-up: JIT and the label caches, as on a receiver that has been running
  collect();
  const start = process.cpuUsage();
  let requests = 0;
  for (const bodies of measured) {
    await run(bodies);
    requests += bodies.length;
  }
  return (requests * SERIES_PER_REQUEST) / cpuSeconds(start);
}

/** The best of three passes after a warm-up: one pass is short, and other processes on the machine make single passes noisy. */
function decodeOnly(bodies: Buffer[], decode: (raw: Buffer) => unknown): number {
  for (const b of bodies) decode(snappyBlockUncompress(b));
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 3; pass++) {
    collect();
    const start = process.cpuUsage();
    for (const b of bodies) decode(snappyBlockUncompress(b));
    best = Math.min(best, cpuSeconds(start));
  }
  return (bodies.length * SERIES_PER_REQUEST) / best;
}


export const remoteWriteBenchmark: Benchmark = {
  area: 'remote-write',
  async run() {
    const bodies = requests();
    const shape = `${bodies.length} requests x ${SERIES_PER_REQUEST} series x 1 sample`;
    const rows: BenchResult[] = [];
    const passes = 3;
    rows.push({
      name: `remote_write receive (snappy, decode, validate, BusSampleSink encode; bus acks at once), ${shape}`,
      subject: 'tidemark',
      value: await tidemark(bodies, Array.from({ length: passes }, () => bodies)),
      unit: 'samples/CPU-s',
      goal: '>= VictoriaMetrics',
    });
    rows.push({
      name: `remote_write receive as above, the series spread over the requests in a new order every round`,
      subject: 'tidemark',
      value: await (async () => {
        const all = requests(true, ROUNDS * (passes + 1));
        const pass = (i: number) => all.slice(i * bodies.length, (i + 1) * bodies.length);
        return tidemark(pass(0), Array.from({ length: passes }, (_, i) => pass(i + 1)));
      })(),
      unit: 'samples/CPU-s',
      note: 'no request repeats an earlier one, so caches of whole batches never hit',
    });
    const vm = await victoriaMetricsWriteRate(bodies, Array.from({ length: passes }, () => bodies).flat(), bodies.length * passes * SERIES_PER_REQUEST);
    rows.push({
      name: `remote_write /api/v1/write (its whole ingest, storage included), ${shape}`,
      subject: 'victoria-metrics',
      value: typeof vm === 'number' ? vm : Number.NaN,
      unit: 'samples/CPU-s',
      note: typeof vm === 'number' ? '/proc/<pid>/stat utime+stime' : vm,
    });
    const reader = new WriteRequestReader();
    rows.push({
      name: `remote_write snappy + WriteRequest decode only, ${shape}`,
      subject: 'tidemark (hand-written reader)',
      value: decodeOnly(bodies, (raw) => reader.read(raw)),
      unit: 'samples/CPU-s',
    });
    rows.push({
      name: `remote_write snappy + WriteRequest decode only, ${shape}`,
      subject: 'protobufjs 8.8.1',
      value: decodeOnly(bodies, (raw) => WriteRequestType.decode(raw)),
      unit: 'samples/CPU-s',
    });
    return rows;
  },
};
