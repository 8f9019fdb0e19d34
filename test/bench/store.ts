import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
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
import { cpuMs, freePort, victoriaMetricsWriteRate } from './peers/index.js';
import { TIDEMARK_CLI } from './system-under-test.js';

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
      (step === 0 ? warm : measured).push(snappyBlockCompress(encodeWriteRequest({ timeseries })));
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

/** A store child; `ready` resolves with the wall-clock seconds to its "ready" and the CPU-seconds it had used then. */
function spawnStore(args: object): { proc: ChildProcess; ready: Promise<{ secs: number; cpuSecs: number }> } {
  const start = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<{ secs: number; cpuSecs: number }>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve({ secs: (performance.now() - start) / 1000, cpuSecs: cpuMs(proc.pid!) / 1000 });
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

/** `tidemark up` of the built CLI on `data`, resolved once /-/ready answers 200. */
async function startUp(config: string, data: string): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, [TIDEMARK_CLI, 'up', '--listen', `127.0.0.1:${port}`, '--config', config, '--data', data], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`tidemark up exited with ${proc.exitCode}: ${err}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { proc, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether the store group applied the samples topic to its end (and, with `durable`, committed it). */
async function storeCaughtUp(url: string, durable: boolean): Promise<boolean> {
  const res = await fetch(`${url}/api/v1/status/bus`);
  const body = (await res.json()) as { data: { groups: { group: string; topic: string; lag: number; durableLag: number }[] } };
  const g = body.data.groups.find((x) => x.group === 'store' && x.topic.endsWith('samples'));
  return g !== undefined && g.lag === 0 && (!durable || g.durableLag === 0);
}

export const storeBenchmark: Benchmark = {
  area: 'store',
  async run() {
    const rows: BenchResult[] = [];
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-store-'));
    const mock = await startKafkaMock({ initialTopics: { 'bench.samples': PARTITIONS, 'bench.replay': PARTITIONS, 'bench.empty': PARTITIONS, 'bench.dlq': 1 } });
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
      // 3. Recovery: a store process ingests the data set, is SIGKILLed, and restarts; each kind of
      // log a shard can keep, alternating in rounds in the same run (store.wal: file; bus without a
      // head checkpoint; bus with one that covers the whole head when the kill comes).
      const rounds = Number(process.env.TIDEMARK_BENCH_STORE_RECOVERY_ROUNDS ?? 3);
      const variants = [
        { key: 'file', label: 'store.wal: file', config: { wal: 'file', head_checkpoint_interval_ms: 0 } },
        { key: 'bus', label: 'store.wal: bus, no head checkpoint (head_checkpoint_interval_ms 0)', config: { wal: 'bus', head_checkpoint_interval_ms: 0 } },
        { key: 'checkpoint', label: 'store.wal: bus, head checkpoint covering the head (head_checkpoint_interval_ms 1000)', config: { wal: 'bus', head_checkpoint_interval_ms: 1000 } },
      ] as const;
      const ready: Record<string, number[]> = { file: [], bus: [], checkpoint: [], fixed: [] };
      const readyCpu: Record<string, number[]> = { file: [], bus: [], checkpoint: [], fixed: [] };
      const opened: Record<string, number[]> = { file: [], checkpoint: [] };
      const openedCpu: Record<string, number[]> = { file: [], checkpoint: [] };
      const load: string[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const v of variants) {
          const group = `crash-${v.key}-${round}`;
          const args = { mode: 'kafka', dataDir: join(dir, group), topic: 'bench.replay', deadLetterTopic: 'bench.dlq', group, partitions: PARTITIONS, brokers: mock.brokers, config: { block_range_ms: 4 * 3600_000, flush_interval_ms: 1000, ...v.config } };
          const shardsDir = join(dir, group, 'store', 'shards');
          const first = spawnStore(args);
          await first.ready;
          // Without a checkpoint, nothing is committed before a block is cut with the bus as the log:
          // wait until every shard says it applied all. With one, the commits reach the end.
          await until(async () => (v.key === 'bus' ? applied(bus, shardsDir, 'bench.replay') : durable(bus, group, 'bench.replay')));
          await kill(first.proc);
          // 12.5 minutes of samples against 4 h blocks: none is cut, the head holds them all.
          if (v.key !== 'bus') {
            // What opening the shards costs alone: the write-ahead log replayed, or the checkpoint loaded.
            const r0 = performance.now();
            const c0 = process.cpuUsage();
            for (const d of await readdir(shardsDir)) {
              const tsdb = await Tsdb.open(join(shardsDir, d), { blockRangeMs: 4 * 3600_000, writeAheadLog: v.key === 'file' });
              if (tsdb.listBlocks().length > 0) throw new Error(`${d}: a block was cut, so the head is not the whole data set`);
              await tsdb.close();
            }
            opened[v.key].push((performance.now() - r0) / 1000);
            const c = process.cpuUsage(c0);
            openedCpu[v.key].push((c.user + c.system) / 1e6);
          }
          const second = spawnStore(args);
          const r = await second.ready;
          ready[v.key].push(r.secs);
          readyCpu[v.key].push(r.cpuSecs);
          load.push(os.loadavg()[0].toFixed(1));
          await kill(second.proc);
        }
        // The fixed part: a store with nothing to apply (an empty topic) restarted after SIGKILL.
        const group = `crash-empty-${round}`;
        const args = { mode: 'kafka', dataDir: join(dir, group), topic: 'bench.empty', deadLetterTopic: 'bench.dlq', group, partitions: PARTITIONS, brokers: mock.brokers, config: {} };
        const first = spawnStore(args);
        await first.ready;
        await kill(first.proc);
        const second = spawnStore(args);
        const r = await second.ready;
        ready.fixed.push(r.secs);
        readyCpu.fixed.push(r.cpuSecs);
        await kill(second.proc);
      }
      const m = total / 1e6;
      const secs = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
      const median = (xs: number[]): number => {
        const o = [...xs].sort((a, b) => a - b);
        const h = Math.floor(o.length / 2);
        return o.length % 2 === 1 ? o[h] : (o[h - 1] + o[h]) / 2;
      };
      const fixed = median(ready.fixed);
      rows.push({
        name: `store recovery: restart to ready after SIGKILL with nothing to apply (node+tsx start, Kafka connect, the mock's rebalance wait for the killed member: sessionTimeout 4 s), ${PARTITIONS} empty partitions`,
        subject: 'tidemark (3-broker librdkafka mock)',
        value: fixed,
        unit: 's',
        note: `rounds: ${secs(ready.fixed)} s (CPU ${secs(readyCpu.fixed)} s); the fixed part of every restart row below`,
      });
      for (const k of ['file', 'checkpoint'] as const) {
        rows.push({
          name: `store recovery: shard open alone (${k === 'file' ? 'WAL replay' : 'head checkpoint load'}) after SIGKILL, ${m.toFixed(2)}M samples in ${PARTITIONS} shards`,
          subject: 'tidemark',
          value: median(opened[k]) / m,
          unit: 's per 1M samples in the head',
          note: `rounds: ${secs(opened[k])} s (CPU ${secs(openedCpu[k])} s)`,
        });
      }
      for (const v of variants) {
        const r = median(ready[v.key]);
        rows.push({
          name: `store recovery: restart to ready after SIGKILL (process start, group rejoin, shards opened${v.key === 'bus' ? ', the partitions applied again up to where the killed process was' : ''}), ${v.label}`,
          subject: 'tidemark (3-broker librdkafka mock)',
          value: r / m,
          unit: 's per 1M samples in the head',
          goal: '<= 1',
          note: `${r.toFixed(1)} s for ${m.toFixed(2)}M samples (median of rounds ${secs(ready[v.key])} s, CPU ${secs(readyCpu[v.key])} s, alternating with the other rows; load average ${load.join(', ')}); CPU beyond the fixed part's: ${((median(readyCpu[v.key]) - median(readyCpu.fixed)) / m).toFixed(2)} s per 1M (no wall-clock difference is taken: the mock's rebalance wait in the fixed part moves by seconds between rounds)`,
        });
      }

      // 4. `tidemark up` (the built CLI) on the embedded bus, where no consumer group waits for the
      // killed member: 1M samples over remote_write, SIGKILL, restart until /-/ready; empty, and
      // without and with a head checkpoint, alternating.
      if (existsSync(TIDEMARK_CLI)) {
        const { warm, measured } = remoteWriteBodies();
        const bodies = [...warm, ...measured];
        const upReady: Record<string, number[]> = { empty: [], bus: [], checkpoint: [] };
        const upCpu: Record<string, number[]> = { empty: [], bus: [], checkpoint: [] };
        const upLoad: string[] = [];
        for (let round = 0; round < rounds; round++) {
          for (const key of ['empty', 'bus', 'checkpoint'] as const) {
            const d = join(dir, `up-${key}-${round}`);
            await mkdir(d);
            const config = join(d, 'tidemark.yml');
            // Hours-old samples: no age limit at the edge; no scrape of itself.
            await writeFile(config, `global:\n  scrape_interval: 1m\ningest: { remote_write: { limits: { max_age_ms: 0 } } }\nstore: { head_checkpoint_interval_ms: ${key === 'checkpoint' ? 1000 : 0} }\n`);
            const first = await startUp(config, join(d, 'data'));
            if (key !== 'empty') {
              for (const body of bodies) {
                const res = await fetch(`${first.url}/api/v1/write`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' } });
                if (!res.ok) throw new Error(`remote_write: ${res.status} ${await res.text()}`);
              }
              await until(async () => storeCaughtUp(first.url, key === 'checkpoint'));
              // The flush intent follows the applied records on the next flush tick (1 s).
              await new Promise((r) => setTimeout(r, 1500));
            }
            await kill(first.proc);
            const t0 = performance.now();
            const second = await startUp(config, join(d, 'data'));
            upReady[key].push((performance.now() - t0) / 1000);
            upCpu[key].push(cpuMs(second.proc.pid!) / 1000);
            upLoad.push(os.loadavg()[0].toFixed(1));
            await kill(second.proc);
          }
        }
        const upFixed = median(upReady.empty);
        const upSamples = (SERIES * STEPS) / 1e6;
        rows.push({
          name: 'tidemark up recovery: restart to /-/ready after SIGKILL with an empty data directory (node start, embedded bus open)',
          subject: 'tidemark up (embedded bus)',
          value: upFixed,
          unit: 's',
          note: `rounds: ${secs(upReady.empty)} s (CPU ${secs(upCpu.empty)} s)`,
        });
        for (const key of ['bus', 'checkpoint'] as const) {
          const r = median(upReady[key]);
          rows.push({
            name: `tidemark up recovery: restart to /-/ready after SIGKILL, ${upSamples.toFixed(2)}M samples in the head (remote_write), store.wal: bus, ${key === 'bus' ? 'no head checkpoint' : 'head checkpoint covering the head (head_checkpoint_interval_ms 1000)'}`,
            subject: 'tidemark up (embedded bus)',
            value: r / upSamples,
            unit: 's per 1M samples in the head',
            goal: '<= 1',
            note: `${r.toFixed(2)} s (median of rounds ${secs(upReady[key])} s, CPU ${secs(upCpu[key])} s, alternating; load average ${upLoad.join(', ')}); without the empty restart above: ${((r - upFixed) / upSamples).toFixed(2)} s per 1M`,
          });
        }
      }
    } finally {
      await bus.close();
      await mock.stop();
      await rm(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
