import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { Aggregator, aggregatesConfigSchema, PartialMerger } from '../../pipeline/aggregate/index.js';
import { canonicalLabels, decodeSamplesTopicRecord } from '../../schemas/index.js';
import type { Bus } from '../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import { StoreWorker } from '../../pipeline/store/index.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { NodeExporterDataset } from './node-exporter-dataset.js';

const PARTITIONS = 4;
const SERIES = 20_000;
const STEPS = 40; // 800k samples, 10 minutes of 15 s scrapes
/** The steady-state row's scrapes: its first STEPS are warm-up, the CPU of the rest is measured. */
const LONG_STEPS = 200;

/** aggregation.checkpoint_interval_ms by default, and the data set's scrape interval: what a user's checkpoints cost per scrape. */
const DEFAULT_CHECKPOINT_MS = 30_000;
const SCRAPE_MS = 15_000;
/** The running-checkpoint row: its aggregator's checkpoint interval, the scrapes each checkpoint follows (as at the default interval), how many. */
const CHECKPOINT_MS = 300;
const CHECKPOINT_SCRAPES = DEFAULT_CHECKPOINT_MS / SCRAPE_MS;
const RUNNING_CHECKPOINTS = 8;

/**
 * Runs of each side of the steady-state store comparison, alternated. Eight, not five: on a busy
 * machine the store alone took 1.19 to 2.48 CPU-s for the same work, and a major collection falls
 * into some spans with aggregation and not into others (see the row's note).
 */
const STEADY_ROUNDS = Number(process.env.TIDEMARK_BENCH_AGGREGATION_ROUNDS ?? 8);
/** TIDEMARK_BENCH_AGGREGATION_ONLY=steady runs the steady-state rows alone (a minute and a half of the six). */
const STEADY_ONLY = process.env.TIDEMARK_BENCH_AGGREGATION_ONLY === 'steady';

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** A side's runs, each and their spread: `a, b, c (spread x-y)`. */
const runs = (xs: readonly number[]): string => `${xs.map((c) => c.toFixed(2)).join(', ')} (spread ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;

/**
 * Without the embedded bus' log compaction: it compresses sealed segments in the background on
 * zlib's thread pool, whose CPU process.cpuUsage() counts, and the data set's topics (made just
 * before) kept it busy through the measured spans. The store alone over the
 * steady-state scrapes took 1.89, 1.96, 1.40, 0.63, 0.55 CPU-s in five runs on the same data with
 * it (compaction of the long topic ending after the third), 0.75, 0.73, 1.00, 0.62, 0.79 without
 * (busy machine). A store following the bus reads the records as written, before compaction.
 */
const BUS_CONFIG = { compaction: 'none' } as const;
/**
 * The steady-state rows' bus: a batch of one record (a scrape of a partition), as a store
 * following a live topic reads it. With batches of up to 8 MiB a reader's position passed the
 * warm-up scrapes only with a batch reaching well past them, so the span missed part of the
 * steady-state work: the aggregator alone read the whole topic in one batch (0.14 CPU-s for 3.2M
 * samples), the store alone took 0.64-1.10 CPU-s, 1.96-2.36 with a record per batch (busy machine).
 */
const STEADY_BUS_CONFIG = { ...BUS_CONFIG, fetch_max_bytes: 1024 } as const;

/** Ten rules over the node_exporter data set, every output kind among them, as `aggregates:` in tidemark.yml takes them. */
export const BENCH_RULE_CONFIG = [
  { match: 'node_cpu_seconds_total', interval: '1m', by: ['mode'], outputs: ['total', 'rate_sum'] },
  { match: 'node_cpu_seconds_total', interval: '1m', without: ['cpu'], outputs: ['increase', 'rate_avg'] },
  { match: '{__name__=~"node_network_.+_bytes_total"}', interval: '1m', by: ['device'], outputs: ['total', 'increase'] },
  { match: '{__name__=~"node_network_.+_packets_total"}', interval: '1m', without: ['instance'], outputs: ['rate_sum'] },
  { match: '{__name__=~"node_memory_.+"}', interval: '1m', without: ['instance'], outputs: ['min', 'max', 'avg'] },
  { match: 'node_filesystem_avail_bytes', interval: '1m', by: ['mountpoint'], outputs: ['sum_samples', 'count_series', 'last'] },
  { match: 'http_request_duration_seconds_bucket', interval: '1m', without: ['instance'], outputs: ['total'] },
  { match: 'node_load1', interval: '1m', by: ['job'], outputs: ['quantiles(0.5, 0.9, 0.99)', 'stddev'] },
  { match: 'node_hwmon_temp_celsius', interval: '1m', by: ['job'], outputs: ['histogram_bucket', 'stdvar'] },
  { match: '{job="node"}', interval: '5m', by: ['job'], outputs: ['count_samples', 'count_series'] },
];

export const BENCH_RULES = aggregatesConfigSchema.parse(BENCH_RULE_CONFIG);

/** Scrapes `from` to `to` (exclusive) of the data set to the topic (`ds` carries the values on). */
async function produce(bus: Bus, topic: string, ds = new NodeExporterDataset(SERIES), from = 0, to = STEPS): Promise<number> {
  const values = new Float64Array(SERIES);
  const sink = new BusSampleSink({ bus, topic, partitions: PARTITIONS, source: 'bench', maxSeriesPerRecord: 5_000 });
  let n = 0;
  for (let step = from; step < to; step++) {
    ds.step(values);
    const app = sink.appender();
    const t = ds.startMs + step * ds.intervalMs;
    for (let i = 0; i < SERIES; i++) app.append(ds.series[i].labels, t, values[i]);
    await app.commit();
    n += SERIES;
  }
  return n;
}

async function until(pred: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await pred())) await new Promise((r) => setTimeout(r, 20));
}

async function durable(bus: Bus, group: string, topic: string): Promise<boolean> {
  const [committed, offsets] = await Promise.all([bus.committedOffsets(group, topic), bus.offsets(topic)]);
  return offsets.every((o) => (committed.find((c) => c.partition === o.partition)?.offset ?? -1) >= o.high);
}

async function readAll(bus: Bus, topic: string, agg: Aggregator): Promise<boolean> {
  const offsets = await bus.offsets(topic);
  return offsets.every((o) => (agg.positions().get(o.partition) ?? -1) >= o.high);
}

/** Whether the aggregator has read every partition up to `highs` (partition -> offset). */
const readTo = (agg: Aggregator, highs: ReadonlyMap<number, number>) => [...highs].every(([p, high]) => (agg.positions().get(p) ?? -1) >= high);

/**
 * A hash of the samples in a topic of sample batches, in a sorted order (how outputs are batched
 * into records depends on timing): equal outputs, bit for bit, give equal hashes.
 */
async function samplesHash(bus: Bus, topic: string): Promise<string> {
  const offsets = await bus.offsets(topic);
  const want = offsets.reduce((n, o) => n + o.high - o.low, 0);
  const lines: string[] = [];
  const bits = Buffer.alloc(8);
  let read = 0;
  const consumer = await bus.consume({ group: `hash-${topic}`, topic, fromBeginning: true }, async (batch) => {
    for (const r of batch.records) {
      const rec = decodeSamplesTopicRecord(r.value);
      if (rec.kind !== 'samples') continue;
      for (const s of rec.batch.series) {
        const key = canonicalLabels(s.labels);
        for (let i = 0; i < s.timestamps.length; i++) {
          bits.writeDoubleLE(s.values[i]!);
          lines.push(`${key} ${s.timestamps[i]} ${bits.toString('hex')}`);
        }
        const h = s.histograms;
        if (h !== undefined) for (let i = 0; i < h.timestamps.length; i++) lines.push(`${key} ${h.timestamps[i]} ${JSON.stringify(h.histograms[i])}`);
      }
    }
    read += batch.records.length;
  });
  await until(() => read >= want);
  await consumer.stop();
  const hash = createHash('sha256');
  for (const line of lines.sort()) hash.update(line).update('\n');
  return hash.digest('hex').slice(0, 16);
}

const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

/**
 * Garbage of the phases before is not the next one's: without a collection first, the phase run
 * after the partials phase (the aggregator alone) paid for collecting its garbage, 646k -> 494-559k
 * input samples/CPU-s in same-run A/Bs with the code of before that phase was added, and 578-659k
 * against 573-580k with a collection first. The store alone, run first, paid for the producer's
 * garbage (five topics of the data set): 1.13-1.48 CPU-s, 0.79-0.92 with a collection first, so
 * the extra CPU of the aggregation beside it reads about twice what it did (+95 to +120 %).
 */
const collectGarbage = () => (globalThis as { gc?: () => void }).gc?.();

export const aggregationBenchmark: Benchmark = {
  area: 'aggregation',
  async run() {
    const rows: BenchResult[] = [];
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-aggregation-'));
    const quietLog = { info() {}, warn() {}, error() {} };
    const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: quietLog, config: BUS_CONFIG });
    const steadyBus = await EmbeddedBus.open({ dataDir: join(dir, 'steady-bus'), logger: quietLog, config: STEADY_BUS_CONFIG });
    const shape = `${SERIES / 1000}k node_exporter series x ${STEPS} scrapes, ${PARTITIONS} partitions, 10 rules`;
    const store = (topic: string, group: string, follower?: Aggregator, on: Bus = bus) =>
      new StoreWorker({ bus: on, topic, deadLetterTopic: 'dlq', registry: new Registry(), config: { data_dir: join(dir, group), group, wal: 'file' }, follower });
    const aggregator = (topic: string, group: string, leader?: () => StoreWorker | undefined, merger?: PartialMerger, on: Bus = bus, checkpointMs?: number) => new Aggregator({
      bus: on, samplesTopic: topic, aggregatesTopic: `${topic}.aggregates`, group, checkpointFile: join(dir, group, 'checkpoint.json'),
      rules: BENCH_RULES, registry: new Registry(), config: { idle_timeout_ms: 3_600_000, ...(checkpointMs === undefined ? {} : { checkpoint_interval_ms: checkpointMs }) },
      leader: leader === undefined ? undefined : { position: (p) => leader()?.position(p), settled: () => leader()?.settled() ?? true },
      // As `tidemark store` runs it: partial states to the partials topic, merged by the store holding partition 0.
      partials: merger === undefined ? undefined : { topic: `${topic}.partials`, onPublished: (published) => merger.handOver(published) },
      onPartitions: merger === undefined ? undefined : (held) => void (held.includes(0) ? merger.activate() : merger.deactivate()),
    });
    /**
     * Store CPU-s with an aggregator beside it: following the store (as `tidemark up` runs it),
     * reading on its own, or following it with partial states and a merger (as `tidemark store`).
     */
    const beside = async (topic: string, follow: boolean, partials = false) => {
      const held: { store?: StoreWorker } = {};
      const merger = partials ? new PartialMerger({
        bus, partialsTopic: `${topic}.partials`, aggregatesTopic: `${topic}.aggregates`, inputPartitions: PARTITIONS, group: `merge-${topic}`,
        checkpointFile: join(dir, `merge-${topic}`, 'merge.json'), checkpointIntervalMs: 30_000, rules: BENCH_RULES, logger: { info() {}, error() {} },
      }) : undefined;
      const a = aggregator(topic, `agg-${topic}`, follow ? () => held.store : undefined, merger);
      const s = (held.store = store(topic, `store-${topic}`, follow ? a : undefined));
      collectGarbage();
      const c = process.cpuUsage();
      // As in the roles: the store starts first, its records waiting for the aggregator to join.
      await s.start();
      await Promise.all([a.start(), merger?.start()]);
      // With partials, until the merger has published as many outputs as one aggregator did (or
      // a minute has passed: the row's note then shows fewer).
      const deadline = Date.now() + 60_000;
      await until(async () => (await durable(bus, `store-${topic}`, topic)) && (await readAll(bus, topic, a))
        && (merger === undefined || outputsOf(merger) >= expectedOutputs || Date.now() > deadline));
      const cpu = cpuSeconds(process.cpuUsage(c));
      const outputs = merger === undefined ? a.status().rules.reduce((n, r) => n + r.outputSamples, 0) : outputsOf(merger);
      const fromStore = (await a.metrics.records.get()).values.find((v) => v.labels.decoded_by === 'store')?.value ?? 0;
      await Promise.all([s.stop(), a.stop(), merger?.stop()]);
      return { cpu, outputs, fromStore };
    };
    const outputsOf = (m: PartialMerger) => [...m.status().rules.values()].reduce((n, r) => n + r.outputSamples, 0);
    let expectedOutputs = Number.POSITIVE_INFINITY;
    /** The rows over the data set's first scrapes (all but the steady-state and running-checkpoint ones). */
    const firstRuns = async () => {
      await bus.ensureTopic('dlq', 1);
      const topics = ['alone', 'both', 'own', 'agg', 'partials'];
      for (const t of topics) await bus.ensureTopic(t, PARTITIONS);
      let total = 0;
      for (const t of topics) total = await produce(bus, t);
      // The store alone, reading the data set from the bus until durable.
      const s1 = store('alone', 'store-alone');
      collectGarbage();
      let c0 = process.cpuUsage();
      await s1.start();
      await until(() => durable(bus, 'store-alone', 'alone'));
      const storeCpu = cpuSeconds(process.cpuUsage(c0));
      await s1.stop();

      // The store and the aggregator together in one process, as in `tidemark store`; then the
      // aggregator reading the topic on its own beside the store (decoding every record again).
      const both = await beside('both', true);
      const own = await beside('own', false);
      // The same windows close in both modes (the data's own watermarks): as many outputs.
      expectedOutputs = both.outputs;
      const partials = await beside('partials', true, true);

      // The aggregator alone.
      const a3 = aggregator('agg', 'agg-alone');
      collectGarbage();
      c0 = process.cpuUsage();
      await a3.start();
      await until(() => readAll(bus, 'agg', a3));
      const aggCpu = cpuSeconds(process.cpuUsage(c0));
      const aggregated = a3.status().rules.reduce((n, r) => n + r.samples, 0);
      const inputSeries = a3.status().rules.reduce((n, r) => n + r.inputSeries, 0);
      await a3.stop();
      const ck = a3.status().lastCheckpoint;
      const aggregatesHash = await samplesHash(bus, 'agg.aggregates');
      return { total, storeCpu, both, own, partials, aggCpu, aggregated, inputSeries, ck, aggregatesHash };
    };
    try {
      await steadyBus.ensureTopic('dlq', 1);
      await steadyBus.ensureTopic('long', PARTITIONS);
      const first = STEADY_ONLY ? undefined : await firstRuns();

      // The steady-state rows' topic, made after the rows above ran (its records would otherwise
      // be garbage they collect): its offsets after the warm-up scrapes, then the rest.
      const longData = new NodeExporterDataset(SERIES);
      await produce(steadyBus, 'long', longData, 0, STEPS);
      const warmedUp = new Map((await steadyBus.offsets('long')).map((o) => [o.partition, o.high]));
      const longSamples = await produce(steadyBus, 'long', longData, STEPS, LONG_STEPS);

      /**
       * Store CPU-s over the long topic's scrapes after the warm-up ones (from when the store has
       * appended them), alone or with an aggregator following its decoded records; each run a
       * store of its own (its own group and directory) from the topic's start.
       */
      const steadyStore = async (run: string, withAggregation: boolean) => {
        // Major (mark-compact) collections begun within the span, the full one before it not counted.
        const majors: number[] = [];
        const gcs = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(e.startTime);
        });
        gcs.observe({ entryTypes: ['gc'] });
        let fromMs = Number.POSITIVE_INFINITY;
        const held: { store?: StoreWorker } = {};
        const a = withAggregation ? aggregator('long', `agg-long-${run}`, () => held.store, undefined, steadyBus) : undefined;
        const s = (held.store = store('long', `store-long-${run}`, a, steadyBus));
        collectGarbage();
        await s.start();
        await a?.start();
        let from: NodeJS.CpuUsage | undefined;
        await until(async () => {
          if (from === undefined && [...warmedUp].every(([p, high]) => (s.position(p) ?? -1) >= high)) {
            // The warm-up's garbage is collected before the span, not at some point in it.
            collectGarbage();
            fromMs = performance.now();
            from = process.cpuUsage();
          }
          return from !== undefined && (await durable(steadyBus, `store-long-${run}`, 'long')) && (a === undefined || (await readAll(steadyBus, 'long', a)));
        });
        const cpu = cpuSeconds(process.cpuUsage(from));
        const toMs = performance.now();
        // The collections' entries are delivered after them: by the end of the stops, the span's are in.
        await Promise.all([s.stop(), a?.stop()]);
        gcs.disconnect();
        return { cpu, majors: majors.filter((t) => t >= fromMs && t <= toMs).length };
      };
      // Alternated: one pair's difference is within what the store alone varies.
      const steadyAlone: number[] = [];
      const steadyBoth: number[] = [];
      let majorsAlone = 0;
      let majorsBoth = 0;
      for (let i = 0; i < STEADY_ROUNDS; i++) {
        const alone = await steadyStore(`alone-${i}`, false);
        steadyAlone.push(alone.cpu);
        majorsAlone += alone.majors;
        const both = await steadyStore(`both-${i}`, true);
        steadyBoth.push(both.cpu);
        majorsBoth += both.majors;
      }

      // The aggregator alone again, on the long topic: CPU from the end of the warm-up scrapes on.
      const a4 = aggregator('long', 'agg-long', undefined, undefined, steadyBus);
      collectGarbage();
      await a4.start();
      let warmCpu: NodeJS.CpuUsage | undefined;
      await until(() => {
        if (warmCpu === undefined && readTo(a4, warmedUp)) {
          collectGarbage();
          warmCpu = process.cpuUsage();
        }
        return warmCpu !== undefined && readAll(steadyBus, 'long', a4);
      });
      const steadyCpu = cpuSeconds(process.cpuUsage(warmCpu));
      const longOutputs = a4.status().rules.reduce((n, r) => n + r.outputSamples, 0);
      await a4.stop();

      const steadyAloneRow: BenchResult = {
        name: `aggregation alone in steady state: scrapes ${STEPS + 1} to ${LONG_STEPS} of the same data set and rules, after ${STEPS} scrapes of warm-up`,
        subject: 'tidemark (embedded bus)',
        value: longSamples / steadyCpu,
        unit: 'input samples/CPU-s',
        note: `${steadyCpu.toFixed(2)} CPU-s for ${(longSamples / 1e6).toFixed(2)}M samples; ${longOutputs} output samples over all ${LONG_STEPS} scrapes. What a running aggregator costs once its series and code are warm (the rows above are mostly warm-up); from a full collection once the warm-up scrapes were read (seen within one 20 ms poll), read a record per batch as from a live topic`,
      };
      const steadyStoreRow: BenchResult = {
        name: `store CPU with aggregation beside it (following the store's decoded records) vs the store alone, in steady state: scrapes ${STEPS + 1} to ${LONG_STEPS} after ${STEPS} scrapes of warm-up, ${SERIES / 1000}k node_exporter series, ${PARTITIONS} partitions, 10 rules`,
        subject: 'tidemark (embedded bus)',
        value: ((mean(steadyBoth) - mean(steadyAlone)) / mean(steadyAlone)) * 100,
        unit: '% extra CPU',
        goal: '<= 20 %',
        note: `means of ${STEADY_ROUNDS} alternated runs (medians: ${(((median(steadyBoth) - median(steadyAlone)) / median(steadyAlone)) * 100).toFixed(1)} %; median of the pairs' own differences: ${(median(steadyBoth.map((b, i) => (b - steadyAlone[i]!) / steadyAlone[i]!)) * 100).toFixed(1)} %): store alone ${runs(steadyAlone)} CPU-s, with aggregation ${runs(steadyBoth)} CPU-s; major collections begun in the spans: ${majorsAlone} alone, ${majorsBoth} with aggregation (its state and outputs fill the old generation sooner: one falls into some of its spans, lasting 2 to 4 s, and not into others; a median of the spans left their cost out or counted it whole), for ${(longSamples / 1e6).toFixed(2)}M samples: what a running store pays, its series and code warm (the row above is mostly warm-up); from when the store had appended the warm-up scrapes (seen within one 20 ms poll, then a full collection) to when it had flushed and committed everything and the aggregator had read it; a record per batch as from a live topic, the bus without log compaction (its background CPU is no side's)`,
      };
      if (first === undefined) return [steadyAloneRow, steadyStoreRow];
      const { total, storeCpu, both, own, partials, aggCpu, aggregated, inputSeries, ck, aggregatesHash } = first;

      // A running aggregator's checkpoints, at a running one's pace: the scrapes of a topic of
      // their own come CHECKPOINT_SCRAPES at a time, each time read, then checkpointed (every
      // CHECKPOINT_MS) with the windows of a live topic open. An aggregator reading a whole topic
      // as fast as it could read its partitions unevenly, the slowest one held every window
      // open, and its checkpoints grew with them (17 to 23 MB where one after 40 scrapes read in
      // step held 4, before the windows were written as columns).
      await steadyBus.ensureTopic('checkpoints', PARTITIONS);
      const checkpointData = new NodeExporterDataset(SERIES);
      const a5 = aggregator('checkpoints', 'agg-checkpoints', undefined, undefined, steadyBus, CHECKPOINT_MS);
      const seen: { atMs: number; durationMs: number; cpuMs: number; bytes: number; offsets: Record<string, number> }[] = [];
      const look = () => {
        const c = a5.status().lastCheckpoint;
        if (c !== null && c.atMs !== seen[seen.length - 1]?.atMs) seen.push(c);
        return c;
      };
      await a5.start();
      /** The first checkpoint covering every scrape produced so far. */
      const checkpointed = async () => {
        const highs = new Map((await steadyBus.offsets('checkpoints')).map((o) => [o.partition, o.high]));
        let covering: (typeof seen)[number] | undefined;
        await until(() => {
          const c = look();
          if (c !== null && [...highs].every(([p, high]) => (c.offsets[String(p)] ?? -1) >= high)) covering = c;
          return covering !== undefined;
        });
        return covering!;
      };
      let step = 0;
      await produce(steadyBus, 'checkpoints', checkpointData, step, (step += STEPS));
      await checkpointed();
      const running: (typeof seen)[number][] = [];
      for (let i = 0; i < RUNNING_CHECKPOINTS; i++) {
        await produce(steadyBus, 'checkpoints', checkpointData, step, (step += CHECKPOINT_SCRAPES));
        running.push(await checkpointed());
      }
      await a5.stop();

      rows.push({
        name: `aggregation alone: decode, match, window state, close, publish, checkpoint, ${shape}`,
        subject: 'tidemark (embedded bus)',
        value: total / aggCpu,
        unit: 'input samples/CPU-s',
        note: `${aggCpu.toFixed(2)} CPU-s for ${(total / 1e6).toFixed(2)}M samples (${(aggregated / 1e6).toFixed(2)}M rule inputs); hash of the aggregates topic's samples ${aggregatesHash}`,
      });
      rows.push(steadyAloneRow);
      rows.push({
        name: `aggregation checkpoint after the data set (${inputSeries} rule input series): serialize and write`,
        subject: 'tidemark',
        value: ck?.durationMs ?? Number.NaN,
        unit: 'ms',
        note: ck === null ? 'no checkpoint' : `${(ck.bytes / 1e6).toFixed(1)} MB of JSON; the event loop waits meanwhile, every aggregation.checkpoint_interval_ms`,
      });
      const runningCpuMs = median(running.map((c) => c.cpuMs));
      const storePerScrapeMs = (median(steadyAlone) / (LONG_STEPS - STEPS)) * 1000;
      const perScrape = DEFAULT_CHECKPOINT_MS / SCRAPE_MS;
      rows.push({
        name: `aggregation checkpoint of a running aggregator (its series table kept from the checkpoint before), ${CHECKPOINT_SCRAPES} scrapes after the one before: serialize and write, CPU, ${SERIES / 1000}k node_exporter series, ${PARTITIONS} partitions, 10 rules`,
        subject: 'tidemark',
        value: runningCpuMs,
        unit: 'CPU-ms',
        note: `median of ${running.length} checkpoints (${running.map((c) => c.cpuMs.toFixed(0)).join(', ')} CPU-ms), each after ${CHECKPOINT_SCRAPES} more scrapes were read, past ${STEPS} of warm-up (the first checkpoint, building the series table: ${seen[0]!.cpuMs.toFixed(0)} CPU-ms); ${(median(running.map((c) => c.bytes)) / 1e6).toFixed(1)} MB of JSON; the event loop waited ${median(running.map((c) => c.durationMs)).toFixed(0)} ms (median; fsync included). In no CPU span of the rows here (none lasts a checkpoint interval): at the default interval (${DEFAULT_CHECKPOINT_MS / 1000} s) and this data set's ${SCRAPE_MS / 1000} s scrapes, one per ${perScrape} scrapes, ${(runningCpuMs / perScrape).toFixed(1)} CPU-ms per scrape, against the store's ${storePerScrapeMs.toFixed(1)} CPU-ms per scrape in the steady-state row below (whose own timers, such as its flush every second, are not in it either)`,
      });
      rows.push({
        name: `store CPU with aggregation beside it (following the store's decoded records) vs the store alone, ${shape}`,
        subject: 'tidemark (embedded bus)',
        value: ((both.cpu - storeCpu) / storeCpu) * 100,
        unit: '% extra CPU',
        goal: '<= 20 %',
        note: `store alone ${storeCpu.toFixed(2)} CPU-s, with aggregation ${both.cpu.toFixed(2)} CPU-s; ${both.fromStore} records taken from the store; ${both.outputs} output samples`,
      });
      rows.push(steadyStoreRow);
      rows.push({
        name: `store CPU with aggregation as tidemark store runs it (its partitions' partial states to the partials topic, merged in the same process) vs the store alone, ${shape}`,
        subject: 'tidemark (embedded bus)',
        value: ((partials.cpu - storeCpu) / storeCpu) * 100,
        unit: '% extra CPU',
        goal: '<= 20 %',
        note: `with aggregation ${partials.cpu.toFixed(2)} CPU-s; ${partials.fromStore} records taken from the store; ${partials.outputs} output samples`,
      });
      rows.push({
        name: `store CPU with an aggregator decoding the records again on its own consumer vs the store alone, ${shape}`,
        subject: 'tidemark (embedded bus)',
        value: ((own.cpu - storeCpu) / storeCpu) * 100,
        unit: '% extra CPU',
        note: `with aggregation ${own.cpu.toFixed(2)} CPU-s; ${own.outputs} output samples`,
      });
    } finally {
      await Promise.all([bus.close(), steadyBus.close()]);
      await rm(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
