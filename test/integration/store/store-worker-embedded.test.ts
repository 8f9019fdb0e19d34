import { existsSync, renameSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { OFFSET_FILE, StoreWorker } from '../../../pipeline/store/index.js';
import { inHeadOrder } from '../../../pipeline/tsdb/head-series-ranks.js';
import { decodeDeadLetter, encodeSampleBatch, encodeSampleBatchV1, encodeSampleBatchV2, SeriesPartitioner } from '../../../schemas/index.js';
import { Histogram } from '../../../schemas/native-histogram/index.js';
import { RecordCollector } from '../../harness/index.js';
import { allDurable, commitsFollowShards, newSink, produceSteps, readBack, waitUntil, type Dataset } from './store-test-data.js';

const TOPIC = 'samples';
const DLQ = 'deadletter';
const PARTITIONS = 3;

// Each write-ahead log a shard can keep (store.wal): the partition itself, or its own file.
describe.each(['bus', 'file'] as const)('StoreWorker on the embedded bus, store.wal: %s', (wal) => {
  let dir: string;
  let bus: EmbeddedBus;
  const workers: StoreWorker[] = [];

  const startWorker = async (registry = new Registry(), headCheckpointIntervalMs?: number): Promise<StoreWorker> => {
    const w = new StoreWorker({
      bus,
      topic: TOPIC,
      deadLetterTopic: DLQ,
      registry,
      config: { data_dir: join(dir, 'store'), flush_interval_ms: 50, wal, ...(headCheckpointIntervalMs === undefined ? {} : { head_checkpoint_interval_ms: headCheckpointIntervalMs }) },
    });
    workers.push(w);
    await w.start();
    await waitUntil(() => w.ready(), 'worker ready');
    return w;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    await bus.ensureTopic(TOPIC, PARTITIONS);
    await bus.ensureTopic(DLQ, 1);
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores exactly what producers put on the bus, readable through its Queryable', async () => {
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    await produceSteps(sink, 'm', 20, 0, 30, expected);
    const w = await startWorker();
    await produceSteps(sink, 'm', 20, 30, 60, expected);
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable');
    expect(w.partitions()).toEqual([0, 1, 2]);
    expect(await readBack(w, 'm')).toEqual(expected);
    // Committed offsets follow the durable ones; the applied ones reach the end.
    await waitUntil(() => commitsFollowShards(bus, 'store', TOPIC, [w]), 'commits');
    const lag = await bus.lag('store', TOPIC);
    const offsets = await bus.offsets(TOPIC);
    expect(lag.map((l) => l.applied)).toEqual(offsets.map((o) => o.high));
    // file: durable is the end. bus: the head holds every sample (none is old enough for a block),
    // so the durable point is the first record, and a restart applies the partition again.
    expect(lag.map((l) => l.committed)).toEqual(wal === 'file' ? offsets.map((o) => o.high) : offsets.map(() => 0));
  });

  it('stores native-histogram samples a producer put on the bus, queryable as histograms beside float samples', async () => {
    const w = await startWorker();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    const app = sink.appender();
    const at = (k: number) => new Histogram({ schema: 1, count: 2 * k, sum: k, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [k, 0] });
    for (let i = 0; i < 6; i++) {
      const labels = { __name__: 'rpc_seconds', i: String(i) };
      app.append(labels, 1000, i);
      for (let k = 1; k <= 3; k++) app.appendHistogram!(labels, 1000 + k * 15_000, at(k));
    }
    await app.commit();
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable');
    const querier = w.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const set = await querier.select([{ type: '=', name: '__name__', value: 'rpc_seconds' }], { start: Number.MIN_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER });
    await querier.close();
    expect(set.series.map((s) => s.labels.i).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    for (const s of set.series) {
      expect(Array.from(s.timestamps)).toEqual([1000, 16_000, 31_000, 46_000]);
      expect(s.values[0]).toBe(Number(s.labels.i));
      expect([1, 2, 3].map((k) => s.histograms?.[k]?.toString())).toEqual([1, 2, 3].map((k) => at(k).toFloat().toString()));
    }
  });

  it('stores records an older producer wrote with the v1 and v2 sample schemas beside v3 ones', async () => {
    const w = await startWorker();
    const labels = { __name__: 'old_writers', job: 'node' };
    const partition = new SeriesPartitioner(PARTITIONS).partitionOf(labels);
    const one = (t: number, v: number) => ({ series: [{ labels, timestamps: [t], values: [v], stale: [] }] });
    await bus.produce(TOPIC, [
      { partition, value: encodeSampleBatchV1(one(1000, 1)) },
      { partition, value: encodeSampleBatchV2(one(2000, 2), 'older') },
      { partition, value: encodeSampleBatch(one(3000, 3), 'current') },
    ]);
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable');
    expect([...(await readBack(w, 'old_writers')).values()]).toEqual([{ t: [1000, 2000, 3000], v: [1, 2, 3], stale: [] }]);
  });

  it('stores a record delivered twice once, counting the repeats as replayed', async () => {
    const registry = new Registry();
    const w = await startWorker(registry);
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    for (let n = 0; n < 5; n++) {
      await produceSteps(sink, 'm', 10, n, n + 1, expected);
      // A producer retry: the very same samples again, as new records.
      await produceSteps(sink, 'm', 10, n, n + 1);
    }
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable');
    expect(await readBack(w, 'm')).toEqual(expected);
    const replayed = (await registry.getSingleMetric('tidemark_store_samples_replayed_total')!.get()).values;
    expect(replayed.reduce((n, v) => n + v.value, 0)).toBe(50);
    const rejected = (await registry.getSingleMetric('tidemark_store_samples_rejected_total')!.get()).values;
    expect(rejected).toEqual([]);
  });

  if (wal === 'file') it('resumes after a restart from the durable offset without reading stored records again', async () => {
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    const first = await startWorker();
    await produceSteps(sink, 'm', 12, 0, 20, expected);
    await waitUntil(() => allDurable(bus, TOPIC, [first]), 'durable');
    await first.stop();
    for (let p = 0; p < PARTITIONS; p++) expect(existsSync(join(dir, 'store', 'shards', `${TOPIC}-${p}`, OFFSET_FILE))).toBe(true);

    await produceSteps(sink, 'm', 12, 20, 25, expected);
    const registry = new Registry();
    const second = await startWorker(registry);
    await waitUntil(() => allDurable(bus, TOPIC, [second]), 'durable');
    expect(await readBack(second, 'm')).toEqual(expected);
    const received = (await registry.getSingleMetric('tidemark_store_samples_received_total')!.get()).values;
    expect(received.reduce((n, v) => n + v.value, 0)).toBe(12 * 5);
  });

  if (wal === 'bus') it('without head checkpoints, after a restart applies again the records from the first one not in a block, storing no sample twice', async () => {
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    const first = await startWorker(new Registry(), 0);
    await produceSteps(sink, 'm', 12, 0, 20, expected);
    await waitUntil(() => allDurable(bus, TOPIC, [first]), 'durable');
    await waitUntil(() => commitsFollowShards(bus, 'store', TOPIC, [first]), 'commits');
    await first.stop();
    // Nothing is old enough for a block: every record is still needed from the bus.
    expect((await bus.committedOffsets('store', TOPIC)).map((c) => c.offset)).toEqual([0, 0, 0]);

    await produceSteps(sink, 'm', 12, 20, 25, expected);
    const registry = new Registry();
    const second = await startWorker(registry, 0);
    await waitUntil(() => allDurable(bus, TOPIC, [second]), 'durable');
    expect(await readBack(second, 'm')).toEqual(expected);
    // All 25 steps read again into the new head (the 20 the first run had applied held only in
    // memory); the read back above holds each sample once.
    const received = (await registry.getSingleMetric('tidemark_store_samples_received_total')!.get()).values;
    expect(received.reduce((n, v) => n + v.value, 0)).toBe(12 * 25);
  });

  if (wal === 'bus') it('after a clean stop, commits the head checkpoint it wrote and applies only the records after it on restart', async () => {
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    const first = await startWorker();
    await produceSteps(sink, 'm', 12, 0, 20, expected);
    await waitUntil(() => allDurable(bus, TOPIC, [first]), 'durable');
    await first.stop();
    // Nothing is old enough for a block, but the checkpoint written on stop covers every record.
    const ends = (await bus.offsets(TOPIC)).map((o) => o.high);
    expect((await bus.committedOffsets('store', TOPIC)).map((c) => c.offset)).toEqual(ends);

    await produceSteps(sink, 'm', 12, 20, 25, expected);
    const registry = new Registry();
    const second = await startWorker(registry);
    await waitUntil(() => allDurable(bus, TOPIC, [second]), 'durable');
    expect(await readBack(second, 'm')).toEqual(expected);
    // Only the 5 steps produced after the stop come from the bus; the 20 before, from the checkpoint.
    const received = (await registry.getSingleMetric('tidemark_store_samples_received_total')!.get()).values;
    expect(received.reduce((n, v) => n + v.value, 0)).toBe(12 * 5);
  });

  it("ranks its heads' series when asked after a restart, not before it reports ready", async () => {
    const sink = newSink(bus, TOPIC, PARTITIONS);
    const first = await startWorker();
    await produceSteps(sink, 'm', 60, 0, 5);
    await waitUntil(() => allDurable(bus, TOPIC, [first]), 'durable');
    await first.stop();
    const second = await startWorker();
    // One series of a head of many is ordered by its ranks only once the head has them (else null).
    const oneOf = (p: number) => {
      const head = second.shard(p)!.tsdb.head;
      expect(head.numSeries).toBeGreaterThan(8);
      return { head, one: head.select([{ name: '__name__', type: '=', value: 'm' }]).slice(0, 1) };
    };
    for (const p of second.partitions()) {
      const { head, one } = oneOf(p);
      expect(inHeadOrder(head, one, (s) => s)).toBeNull();
    }
    // As the store does a turn after its role has started: a shard a turn.
    second.rankHeadSeries();
    await waitUntil(() => second.partitions().every((p) => {
      const { head, one } = oneOf(p);
      return inHeadOrder(head, one, (s) => s) !== null;
    }), 'ranked');
    for (const p of second.partitions()) {
      const { head, one } = oneOf(p);
      expect(inHeadOrder(head, one, (s) => s)).toEqual(one);
    }
  });

  it('rebuilds a shard whose directory was lost by replaying its partition from the start', async () => {
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    const first = await startWorker();
    await produceSteps(sink, 'm', 12, 0, 20, expected);
    await waitUntil(() => allDurable(bus, TOPIC, [first]), 'durable');
    await first.stop();
    rmSync(join(dir, 'store', 'shards', `${TOPIC}-1`), { recursive: true });

    const second = await startWorker();
    await waitUntil(() => allDurable(bus, TOPIC, [second]), 'durable');
    expect(await readBack(second, 'm')).toEqual(expected);
  });

  it('sends an undecodable record to the dead-letter topic and goes on with the next ones', async () => {
    const registry = new Registry();
    const w = await startWorker(registry);
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    await produceSteps(sink, 'm', 6, 0, 3, expected);
    const [garbage] = await bus.produce(TOPIC, [{ partition: 1, value: Buffer.from('not an avro sample batch') }]);
    await produceSteps(sink, 'm', 6, 3, 6, expected);
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable');
    expect(await readBack(w, 'm')).toEqual(expected);

    const dlq = new RecordCollector();
    const c = await bus.consume({ group: 'dlq-reader', topic: DLQ }, dlq.handler);
    await dlq.waitFor((rs) => rs.length >= 1);
    await c.stop();
    expect(dlq.records).toHaveLength(1);
    const letter = decodeDeadLetter(dlq.records[0].value);
    expect(letter).toMatchObject({ topic: TOPIC, partition: 1, offset: garbage.offset, group: 'store' });
    expect(letter.originalValue.toString()).toBe('not an avro sample batch');
    const dead = (await registry.getSingleMetric('tidemark_store_dead_letters_total')!.get()).values;
    expect(dead).toEqual([expect.objectContaining({ labels: { partition: '1' }, value: 1 })]);
  });

  it('exports lag, series count and ingest figures per partition in its registry', async () => {
    const registry = new Registry();
    const w = await startWorker(registry);
    await produceSteps(newSink(bus, TOPIC, PARTITIONS), 'm', 30, 0, 4);
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable');
    w.updateGauges();
    const series = (await registry.getSingleMetric('tidemark_store_head_series')!.get()).values;
    expect(series.reduce((n, x) => n + x.value, 0)).toBe(30);
    const text = await registry.metrics();
    for (const p of ['0', '1', '2']) {
      expect(text).toContain(`tidemark_store_partition_lag{partition="${p}"} 0`);
      expect(text).toMatch(new RegExp(`tidemark_store_samples_appended_total\\{partition="${p}"\\} \\d+`));
    }
    expect(text).toContain('tidemark_store_shards 3');
    expect(text).toContain('tidemark_store_ingest_samples_per_second');
  });

  it('pauses its partitions while the heap is above the configured bound', async () => {
    const registry = new Registry();
    const w = new StoreWorker({
      bus,
      topic: TOPIC,
      deadLetterTopic: DLQ,
      registry,
      config: { data_dir: join(dir, 'store'), max_heap_bytes: 1, memory_check_interval_ms: 10 },
    });
    workers.push(w);
    await w.start();
    await waitUntil(async () => (await registry.getSingleMetric('tidemark_store_paused_for_memory')!.get()).values[0]?.value === 1, 'paused');
    await waitUntil(() => w.ready(), 'worker ready');
    await produceSteps(newSink(bus, TOPIC, PARTITIONS), 'm', 5, 0, 2);
    // Everything produced while paused stays unread: the flush tick finds nothing appended.
    await w.flushAll();
    expect(w.partitions().map((p) => w.shard(p)!.appendedOffset)).toEqual([-1, -1, -1]);
  });

  it('reports not ready while a shard cannot flush, and ready again once it can, losing nothing', async () => {
    const expected: Dataset = new Map();
    const sink = newSink(bus, TOPIC, PARTITIONS);
    const w = await startWorker();
    await produceSteps(sink, 'm', 20, 0, 10, expected);
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable');
    // The shard's directory vanishes from under it (as a disk going read-only would fail it).
    const shardDir = join(dir, 'store', 'shards', `${TOPIC}-0`);
    renameSync(shardDir, `${shardDir}.aside`);
    await produceSteps(sink, 'm', 20, 10, 20, expected);
    await waitUntil(() => !w.ready(), 'not ready while flushes fail');
    const errors = await w.metrics.errors.get();
    expect(errors.values.some((v) => v.labels['stage'] === 'flush' && v.value > 0)).toBe(true);
    renameSync(`${shardDir}.aside`, shardDir);
    await waitUntil(() => w.ready(), 'ready once a flush succeeds');
    await waitUntil(() => allDurable(bus, TOPIC, [w]), 'durable again');
    expect(await readBack(w, 'm')).toEqual(expected);
  });

  it('stops idempotently and without having started', async () => {
    const w = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: DLQ, config: { data_dir: join(dir, 'store') } });
    await w.stop();
    await w.stop();
    expect(w.ready()).toBe(false);
  });
});
