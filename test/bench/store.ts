import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import SnappyJS from 'snappyjs';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import { encodeWriteRequest, pbLabels } from '../../connectors/remote-write/testdata/prompb.js';
import type { Bus } from '../../pipeline/bus/bus.js';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { Shard, StoreMetrics, StoreWorker } from '../../pipeline/store/index.js';
import { decodeSamplesTopicRecord, LabelSectionMemo } from '../../schemas/index.js';
import { Tsdb } from '../../pipeline/tsdb/index.js';
import { mockKafkaBusSettings } from '../harness/kafkajs-mock-workarounds.js';
import { startKafkaMock } from '../harness/services.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { NodeExporterDataset } from './node-exporter-dataset.js';
import { victoriaMetricsWriteRate } from './peers/index.js';

const PARTITIONS = 8;
const SERIES = 20_000;
const STEPS = 50; // 1M samples; about 1.5 MB per partition, under the mock's 5 MiB retention
const child = join(import.meta.dirname, '..', 'integration', 'store', 'store-crash-child.ts');

/** Produces STEPS scrapes of the data set (one appender per scrape, as a scrape loop does). */
async function produceDataset(bus: Bus, topic: string, firstStep = 0): Promise<number> {
  const ds = new NodeExporterDataset(SERIES);
  const values = new Float64Array(SERIES);
  const sink = new BusSampleSink({ bus, topic, partitions: PARTITIONS, source: 'bench', maxSeriesPerRecord: 5_000 });
  let n = 0;
  for (let step = 0; step < firstStep + STEPS; step++) {
    ds.step(values);
    if (step < firstStep) continue;
    const app = sink.appender();
    const t = ds.startMs + step * ds.intervalMs;
    for (let i = 0; i < SERIES; i++) app.append(ds.series[i].labels, t, values[i]);
    await app.commit();
    n += SERIES;
  }
  return n;
}

/** The data set as remote_write requests of 2,000 series: the first scrape apart (warm-up), then the rest. */
function remoteWriteBodies(): { warm: Buffer[]; measured: Buffer[] } {
  const ds = new NodeExporterDataset(SERIES);
  const values = new Float64Array(SERIES);
  const warm: Buffer[] = [];
  const measured: Buffer[] = [];
  for (let step = 0; step < STEPS; step++) {
    ds.step(values);
    const t = ds.startMs + step * ds.intervalMs;
    for (let from = 0; from < SERIES; from += 2_000) {
      const timeseries = [];
      for (let i = from; i < Math.min(SERIES, from + 2_000); i++) timeseries.push({ labels: pbLabels(ds.series[i].labels), samples: [{ value: values[i], timestamp: t }] });
      (step === 0 ? warm : measured).push(Buffer.from(SnappyJS.compress(encodeWriteRequest({ timeseries }))));
    }
  }
  return { warm, measured };
}

/**
 * The records a BusSampleSink writes for the data set, per partition, held in memory: scrape by
 * scrape (`scrape`), or series after series with 500 samples each in units of 100,000 samples, as
 * an import sends them (`runs`, 2,000 series).
 */
async function capturedRecords(shape: 'scrape' | 'runs'): Promise<{ records: Buffer[][]; samples: number }> {
  const records: Buffer[][] = Array.from({ length: PARTITIONS }, () => []);
  // The sink only produces: a bus that keeps the records is all it needs here.
  const capture = {
    produce: async (_topic: string, rs: readonly { partition: number; value: Buffer }[]) => {
      for (const r of rs) records[r.partition].push(r.value);
      return rs.map((r) => ({ partition: r.partition, offset: records[r.partition].length - 1 }));
    },
  } as unknown as Bus;
  if (shape === 'scrape') return { records, samples: await produceDataset(capture, 'bench.apply') };
  const sink = new BusSampleSink({ bus: capture, topic: 'bench.apply', partitions: PARTITIONS, source: 'bench', maxSeriesPerRecord: 5_000 });
  const series = 2_000;
  const steps = 500;
  const ds = new NodeExporterDataset(series);
  const values = Array.from({ length: steps }, () => {
    const v = new Float64Array(series);
    ds.step(v);
    return v;
  });
  let app = sink.appender();
  let n = 0;
  for (let i = 0; i < series; i++) {
    for (let step = 0; step < steps; step++) {
      app.append(ds.series[i].labels, ds.startMs + step * ds.intervalMs, values[step][i]);
      if (++n % 100_000 === 0) {
        await app.commit();
        app = sink.appender();
      }
    }
  }
  await app.commit();
  return { records, samples: n };
}

/**
 * CPU-seconds one store process spends applying `records` to fresh shards (one per partition, a
 * write-ahead log each): decode, series lookup, head append, WAL write and an fdatasync every
 * 500,000 samples of a shard and at the end, as a StoreWorker applies them, without the bus.
 */
async function applyCpuSeconds(dir: string, records: readonly Buffer[][]): Promise<number> {
  const metrics = new StoreMetrics(new Registry());
  const sections = new LabelSectionMemo();
  const shards: Shard[] = [];
  for (let p = 0; p < PARTITIONS; p++) shards.push(await Shard.open({ topic: 'bench.apply', partition: p, dir: join(dir, String(p)), metrics, tsdb: { blockRangeMs: 4 * 3600_000 } }));
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  for (let p = 0; p < PARTITIONS; p++) {
    const shard = shards[p];
    for (let offset = 0; offset < records[p].length; offset++) {
      const d = decodeSamplesTopicRecord(records[p][offset], sections);
      if (d.kind === 'samples') shard.append(offset, d.batch);
      shard.appendedOffset = offset + 1;
      if (shard.unflushed >= 500_000) await shard.flush();
    }
    await shard.flush();
  }
  const c = process.cpuUsage(c0);
  for (const s of shards) await s.close();
  return (c.user + c.system) / 1e6;
}

async function durable(bus: Bus, group: string, topic: string): Promise<boolean> {
  const [committed, offsets] = await Promise.all([bus.committedOffsets(group, topic), bus.offsets(topic)]);
  return offsets.every((o) => (committed.find((c) => c.partition === o.partition)?.offset ?? -1) >= o.high);
}

/** Every shard of `shardsDir` recorded (in its flush intent) that it applied its partition up to the end. */
async function applied(bus: Bus, shardsDir: string, topic: string): Promise<boolean> {
  const offsets = await bus.offsets(topic);
  return offsets.every((o) => {
    try {
      const doc = JSON.parse(readFileSync(join(shardsDir, `${topic}-${o.partition}`, 'flush-intent.json'), 'utf8')) as { offset: number };
      return doc.offset >= o.high;
    } catch {
      return false;
    }
  });
}

async function until(pred: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await pred())) await new Promise((r) => setTimeout(r, 20));
}

function spawnStore(args: object): { proc: ChildProcess; ready: Promise<number> } {
  const start = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve((performance.now() - start) / 1000);
    });
    proc.on('exit', (code) => reject(new Error(`store child exited with ${code}`)));
  });
  ready.catch(() => undefined);
  return { proc, ready };
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await gone;
}

export const storeBenchmark: Benchmark = {
  area: 'store',
  async run() {
    const rows: BenchResult[] = [];
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-store-'));
    const mock = await startKafkaMock({ initialTopics: { 'bench.samples': PARTITIONS, 'bench.replay': PARTITIONS, 'bench.dlq': 1 } });
    const bus = new KafkaBus(mockKafkaBusSettings(mock.brokers, { partitionsConsumedConcurrently: PARTITIONS }));
    const shape = `${SERIES / 1000}k node_exporter series x ${STEPS} scrapes, ${PARTITIONS} partitions`;
    try {
      // TIDEMARK_BENCH_STORE_ONLY=recovery runs part 3 alone (it reads the data set part 2 reads).
      const recoveryOnly = process.env.TIDEMARK_BENCH_STORE_ONLY === 'recovery';
      // TIDEMARK_BENCH_STORE_ONLY=apply runs part 0 alone.
      const applyOnly = process.env.TIDEMARK_BENCH_STORE_ONLY === 'apply';
      if (!recoveryOnly) {
        // 0. Applying records alone: the per-sample cost of a shard, no bus and no producer.
        for (const form of ['scrape', 'runs'] as const) {
          const { records, samples } = await capturedRecords(form);
          const secs: number[] = [];
          for (let i = 0; i < 3; i++) secs.push(await applyCpuSeconds(join(dir, `apply-${form}-${i}`), records));
          const best = Math.min(...secs);
          rows.push({
            name: `store apply alone (decode, series lookup, head append, WAL write and fdatasync; records in memory, no bus), ${form === 'scrape' ? `${shape}, scrape by scrape` : `2k node_exporter series x 500 samples, series after series as an import sends them, ${PARTITIONS} partitions`}`,
            subject: 'tidemark',
            value: samples / best,
            unit: 'samples/CPU-s',
            note: `${((best / samples) * 1e6).toFixed(2)} µs per sample; best of 3 runs (${secs.map((x) => x.toFixed(2)).join(', ')} CPU-s for ${(samples / 1e6).toFixed(1)}M samples)`,
          });
        }
      }
      if (applyOnly) return rows;
      let total = recoveryOnly ? await produceDataset(bus, 'bench.replay') : 0;
      if (!recoveryOnly) {
        // 1. Producer and store running together: first produce until every sample is durable.
        // Parts 1 and 2 keep store.wal file (WAL fsync, the commits reach the end); part 3 has both.
        const worker = new StoreWorker({ bus, topic: 'bench.samples', deadLetterTopic: 'bench.dlq', registry: new Registry(), config: { data_dir: join(dir, 'live'), group: 'live', wal: 'file' } });
        await worker.start();
        await until(() => worker.ready());
        const t0 = performance.now();
        const e2eCpu = process.cpuUsage();
        total = await produceDataset(bus, 'bench.samples');
        const produced = performance.now();
        await until(() => durable(bus, 'live', 'bench.samples'));
        const secs = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(e2eCpu);
        const cpuSecs = (cpu.user + cpu.system) / 1e6;
        await worker.stop();
        rows.push({
          name: `store end to end: produce (BusSampleSink) -> Kafka adapter -> StoreWorker -> durable, ${shape}`,
          subject: 'tidemark (3-broker librdkafka mock, one process)',
          value: total / secs,
          unit: 'samples/s',
          note: `producing alone took ${((produced - t0) / 1000).toFixed(1)} s of ${secs.toFixed(1)} s`,
        });
        rows.push({
          name: `store end to end as above, per CPU-second of the Tidemark process (producer and store; the mock broker apart), ${shape}`,
          subject: 'tidemark',
          value: total / cpuSecs,
          unit: 'samples/CPU-s',
          goal: '>= VictoriaMetrics remote_write per CPU-second',
          note: `${cpuSecs.toFixed(1)} CPU-s for ${(total / 1e6).toFixed(1)}M samples: Avro encode, produce, fetch, decode, append, WAL fsync, commit`,
        });
        const { warm, measured } = remoteWriteBodies();
        const vm = await victoriaMetricsWriteRate(warm, measured, (STEPS - 1) * SERIES);
        rows.push({
          name: `remote_write /api/v1/write (its whole ingest, storage included), the same ${shape} in requests of 2000 series`,
          subject: 'victoria-metrics',
          value: typeof vm === 'number' ? vm : Number.NaN,
          unit: 'samples/CPU-s',
          note: typeof vm === 'number' ? 'first scrape as warm-up; /proc/<pid>/stat utime+stime over the other scrapes' : vm,
        });

        // 2. The store alone: the data is on the bus, a fresh worker reads it from the start.
        await produceDataset(bus, 'bench.replay');
        const fresh = new StoreWorker({ bus, topic: 'bench.replay', deadLetterTopic: 'bench.dlq', registry: new Registry(), config: { data_dir: join(dir, 'fresh'), group: 'fresh', wal: 'file' } });
        await fresh.start();
        await until(() => fresh.ready());
        const c0 = process.cpuUsage();
        const t1 = performance.now();
        await until(() => durable(bus, 'fresh', 'bench.replay'));
        const storeSecs = (performance.now() - t1) / 1000;
        const c1 = process.cpuUsage(c0);
        await fresh.stop();
        rows.push({
          name: `store ingest from the Kafka adapter (fetch, decode, append, WAL fsync, commit), ${shape}`,
          subject: 'tidemark (3-broker librdkafka mock)',
          value: total / storeSecs,
          unit: 'samples/s',
          note: `${(total / ((c1.user + c1.system) / 1e6)).toFixed(0)} samples per CPU-second of the store process (the mock runs apart)`,
        });

      }
      // 3. Recovery: a store process ingests the data set, is SIGKILLed, and restarts; with each
      // write-ahead log in the same run (store.wal: file, then bus).
      for (const wal of ['file', 'bus'] as const) {
        const group = `crash-${wal}`;
        const args = { mode: 'kafka', dataDir: join(dir, group), topic: 'bench.replay', deadLetterTopic: 'bench.dlq', group, partitions: PARTITIONS, brokers: mock.brokers, config: { block_range_ms: 4 * 3600_000, flush_interval_ms: 1000, wal } };
        const shardsDir = join(dir, group, 'store', 'shards');
        const first = spawnStore(args);
        await first.ready;
        // With the bus as the log nothing is committed before a block is cut: wait until every shard says it applied all.
        await until(async () => (wal === 'file' ? durable(bus, group, 'bench.replay') : applied(bus, shardsDir, 'bench.replay')));
        await kill(first.proc);
        // 12.5 minutes of samples against 4 h blocks: none is cut, the head holds (and a restart replays) them all.
        const replayed = total;
        if (wal === 'file') {
          // The write-ahead-log replay a restart performs, timed alone.
          const r0 = performance.now();
          for (const d of await readdir(shardsDir)) {
            const tsdb = await Tsdb.open(join(shardsDir, d), { blockRangeMs: 4 * 3600_000 });
            if (tsdb.listBlocks().length > 0) throw new Error(`${d}: a block was cut, so the replay is not the whole data set`);
            await tsdb.close();
          }
          const replaySecs = (performance.now() - r0) / 1000;
          rows.push({
            name: `store recovery: shard open (WAL replay) after SIGKILL, ${(replayed / 1e6).toFixed(2)}M samples in ${PARTITIONS} shards`,
            subject: 'tidemark',
            value: replaySecs / (replayed / 1e6),
            unit: 's per 1M samples replayed',
          });
        }
        const second = spawnStore(args);
        const readySecs = await second.ready;
        await kill(second.proc);
        rows.push({
          name: `store recovery: restart to ready after SIGKILL (process start, group rejoin, shards opened${wal === 'bus' ? ', the partitions applied again up to where the killed process was' : ''}), store.wal: ${wal}`,
          subject: 'tidemark (3-broker librdkafka mock)',
          value: readySecs / (replayed / 1e6),
          unit: 's per 1M samples replayed',
          goal: '<= 1',
          note: `${readySecs.toFixed(1)} s for ${(replayed / 1e6).toFixed(2)}M samples${wal === 'bus' ? ' applied again from the bus (no block cut yet: all of them)' : ''}; includes node+tsx start-up and the mock's rebalance wait for the killed member (sessionTimeout 4 s)`,
        });
      }
    } finally {
      await bus.close();
      await mock.stop();
      await rm(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
