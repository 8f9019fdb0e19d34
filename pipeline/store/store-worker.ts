import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { BatchHandler, Bus, ConsumedBatch, Consumer } from '../bus/bus.js';
import { withDeadLetter, type DecodedRecord } from '../bus/dead-letter.js';
import type { DecodedRecordFollower, DecodedRecordLeader } from '../bus/record-follower.js';
import { decodeSamplesTopicRecord, encodeSeriesDeletion, LabelSectionMemo, type Labels, type SamplesTopicRecord } from '../../schemas/index.js';
import type { LabelMatcher, Querier, Queryable, Tsdb } from '../tsdb/index.js';
import { shardTsdbOptions, storeConfigSchema, type StoreConfig } from './config.js';
import { DeletionNotAppliedError, ShardNotOpenError } from './errors.js';
import type { AppliedOffsetsWaiter, ChangeSource, ChangesAnswer, ChangesRequest, LaggingPartition, WaitAppliedAnswer, WaitAppliedRequest } from '../store-protocol/index.js';
import type { MaybeColumnar } from '../../schemas/float-columns.js';
import type { SampleBatch } from '../../schemas/sample.js';
import { AppliedOffsetWaits } from './applied-offset-waits.js';
import { ShardChangeLog } from './change-log.js';
import { MemoryGuard } from './memory-guard.js';
import { StoreMetrics } from './metrics.js';
import { Shard } from './shard.js';
import { ShardsQueryable } from './shards-queryable.js';

/** Minimal structured logger (pino's `Logger` satisfies it). */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What code injects into a store worker. */
export interface StoreWorkerSettings {
  readonly bus: Bus;
  /** The samples topic. */
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** User configuration (the `store` section); defaults fill what is missing. */
  readonly config?: Partial<StoreConfig>;
  readonly registry?: Registry;
  readonly logger?: StoreLogger;
  /** Told whenever the set of open shards changes (the shard registry announcement). */
  readonly onShardsChanged?: (partitions: number[]) => void;
  /** Told when the worker's consumer failed for good (it could not rejoin its group): the worker then holds no shard. */
  readonly onFailed?: (err: Error) => void;
  /** Series not to store (aggregation rules with `drop_input`); asked per record, so a reload applies at once. */
  readonly dropInput?: () => ((labels: Labels) => boolean) | undefined;
  /** Takes the records this worker decodes (the aggregator of this process), so they are decoded once. */
  readonly follower?: DecodedRecordFollower<SamplesTopicRecord>;
}

const silent: StoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The `tidemark store` role: a member of the store consumer group on the samples topic. Each
 * owned partition is a shard (`<data_dir>/shards/<topic>-<partition>/`). On assignment the shard
 * opens and the partition is sought to the shard's durable offset (or the start of retention);
 * records are appended as they come; every `flush_interval_ms` (or `flush_samples`) each shard is
 * flushed, its offset file written, and only then the bus committed. Undecodable records go to
 * the dead-letter topic. Reads go through `querier()` over all open shards.
 */
export class StoreWorker implements Queryable, AppliedOffsetsWaiter, ChangeSource, DecodedRecordLeader {
  readonly name = 'store';
  readonly config: StoreConfig;
  readonly metrics: StoreMetrics;
  private readonly shards = new Map<number, Shard>();
  /** Partitions assigned whose shard failed to open; retried on every tick. */
  private readonly failed = new Set<number>();
  /** Partitions whose last flush failed; the worker is not ready until they flush again. */
  private readonly flushFailing = new Set<number>();
  private consumer: Consumer | null = null;
  private consumerReady: Promise<Consumer>;
  private resolveConsumer!: (c: Consumer) => void;
  private joined = false;
  private consumerFailed = false;
  private started: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private compactTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> = Promise.resolve();
  private readonly memory: MemoryGuard;
  private readonly log: StoreLogger;
  private readonly handler: BatchHandler;
  private readonly queryable = new ShardsQueryable(() => this.openTsdbs());
  private readonly appliedWaits = new AppliedOffsetWaits();
  /** Per open shard, what each applied record touched (the result cache's validation). */
  private readonly changeLogs = new Map<number, ShardChangeLog>();
  /** Consumption paused by an operator (`pauseConsumption`): neither memory nor shard recovery resumes it. */
  private consumptionPaused = false;
  /** Label sections of recent records: a record repeating one is decoded without its labels, and shards take its refs by position. */
  private readonly labelSections = new LabelSectionMemo();

  constructor(private readonly settings: StoreWorkerSettings) {
    this.config = storeConfigSchema.parse(settings.config ?? {});
    this.metrics = new StoreMetrics(settings.registry ?? new Registry());
    this.log = settings.logger ?? silent;
    this.consumerReady = new Promise((r) => (this.resolveConsumer = r));
    this.memory = new MemoryGuard(this.config.max_heap_bytes, this.config.memory_check_interval_ms, (pressed, heapUsed) =>
      this.onMemoryPressure(pressed, heapUsed),
    );
    const decodedHandler = withDeadLetter<SamplesTopicRecord>(
      {
        bus: settings.bus,
        deadLetterTopic: settings.deadLetterTopic,
        group: this.config.group,
        decode: (bytes) => decodeSamplesTopicRecord(bytes, this.labelSections),
        onDeadLetter: (record, reason) => {
          this.metrics.deadLetters.inc({ partition: String(record.partition) });
          this.log.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason }, 'undecodable record sent to the dead-letter topic');
        },
      },
      async (batch, decoded) => this.appendDecoded(batch, decoded),
    );
    this.handler = (batch) => this.onBatch(batch, decodedHandler);
  }

  /** Joins the group and starts the flush, compaction and memory timers. */
  start(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    const c = await this.settings.bus.consume(
      {
        group: this.config.group,
        topic: this.settings.topic,
        fromBeginning: true,
        onAssigned: (ps) => this.onAssigned(ps),
        onRevoked: (ps) => this.onRevoked(ps),
        onFailed: (err) => {
          this.consumerFailed = true;
          this.settings.follower?.leaderChanged();
          this.settings.onFailed?.(err);
        },
      },
      this.handler,
    );
    this.consumer = c;
    this.resolveConsumer(c);
    // A consumer that never joins either fails for good (onFailed) or was stopped: nothing to log here.
    void c.ready.then(
      () => {
        this.joined = true;
        this.settings.follower?.leaderChanged();
      },
      () => undefined,
    );
    this.tickTimer = setInterval(() => {
      // A timer's failure must not end the process: it is counted and logged, and the next tick retries.
      this.tick().catch((err: unknown) => {
        this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'tick' });
        this.log.error({ err }, 'store tick failed; retried at the next one');
      });
    }, this.config.flush_interval_ms);
    this.tickTimer.unref();
    if (this.config.compact_interval_ms > 0) {
      this.compactTimer = setInterval(() => void this.compactAll(), this.config.compact_interval_ms);
      this.compactTimer.unref();
    }
    this.memory.start();
  }

  /**
   * True once the consumer joined its group and every assigned shard is open (with `wal: bus`:
   * and has applied again what it had applied before it was opened), and while no shard's last
   * flush failed (a full or read-only disk: the bus still holds the samples, but nothing becomes
   * durable here until it is fixed).
   */
  ready(): boolean {
    if (!this.joined || this.stopping || this.consumerFailed || this.consumer === null) return false;
    return this.failed.size === 0 && this.flushFailing.size === 0 && this.consumer.assignment().every((p) => this.shards.get(p)?.recovered === true);
  }

  /**
   * Ranks the head series of every shard that has caught up, one shard a turn of the event loop
   * (Shard.rankHeadSeries); a shard still catching up is ranked by its first large select.
   */
  rankHeadSeries(): void {
    const shards = [...this.shards.values()];
    const next = (i: number): void => {
      if (i >= shards.length || this.stopping !== null) return;
      shards[i].rankHeadSeries();
      setImmediate(() => next(i + 1));
    };
    next(0);
  }

  /** Partitions whose shards are open here. */
  partitions(): number[] {
    return [...this.shards.keys()].sort((a, b) => a - b);
  }

  shard(partition: number): Shard | undefined {
    return this.shards.get(partition);
  }

  /** The next offset of `partition` this worker will apply (-1: from the earliest), undefined when it does not read it. */
  position(partition: number): number | undefined {
    if (this.stopping !== null || this.consumerFailed || this.failed.has(partition)) return undefined;
    return this.shards.get(partition)?.appendedOffset;
  }

  /** Whether `position` is settled: the worker joined its group (or stopped, or failed). */
  settled(): boolean {
    return this.joined || this.stopping !== null || this.consumerFailed;
  }

  querier(mint: number, maxt: number): Querier {
    return this.queryable.querier(mint, maxt);
  }

  private *openTsdbs(): Iterable<Tsdb> {
    for (const s of this.shards.values()) yield s.tsdb;
  }

  private shardDir(partition: number): string {
    return shardDirectory(this.config.data_dir, this.settings.topic, partition);
  }

  private async onAssigned(partitions: number[]): Promise<void> {
    const consumer = await this.consumerReady;
    for (const p of partitions) await this.openShard(consumer, p);
    this.shardsChanged();
    this.settings.follower?.leaderChanged();
  }

  private async openShard(consumer: Consumer, partition: number): Promise<void> {
    if (this.shards.has(partition)) return;
    try {
      // change_log_max_names bounds the topic's logs together: each shard's log keeps its share.
      const partitions = await this.settings.bus.partitionCount(this.settings.topic);
      const shard = await Shard.open({
        topic: this.settings.topic,
        partition,
        dir: this.shardDir(partition),
        metrics: this.metrics,
        wal: this.config.wal,
        headCheckpointIntervalMs: this.config.head_checkpoint_interval_ms,
        tsdb: { ...shardTsdbOptions(this.config), onDamagedTierBlock: (err) => this.log.warn({ err, partition }, 'damaged downsampled block deleted; it is built again from the raw blocks') },
      });
      this.shards.set(partition, shard);
      this.changeLogs.set(partition, new ShardChangeLog(Math.max(0, shard.appendedOffset), Math.floor(this.config.change_log_max_names / Math.max(1, partitions))));
      if (this.memory.underPressure || this.consumptionPaused) consumer.pause([partition]);
      await consumer.seek(partition, shard.startPosition());
      if (this.failed.delete(partition) && !this.memory.underPressure && !this.consumptionPaused) consumer.resume([partition]);
      this.log.info({ partition, durableOffset: shard.durableOffset }, 'shard opened');
    } catch (err) {
      const shard = this.shards.get(partition);
      this.shards.delete(partition);
      await shard?.close().catch(() => undefined);
      if (!this.failed.has(partition)) consumer.pause([partition]);
      this.failed.add(partition);
      this.settings.follower?.leaderChanged();
      this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'open_shard' });
      this.log.error({ err, partition }, 'could not open shard; partition paused, retrying');
    }
  }

  private async onRevoked(partitions: number[]): Promise<void> {
    this.settings.follower?.leaderChanged();
    for (const p of partitions) {
      this.failed.delete(p);
      this.flushFailing.delete(p);
      const shard = this.shards.get(p);
      if (shard === undefined) continue;
      this.shards.delete(p);
      this.changeLogs.delete(p);
      try {
        await shard.close();
      } catch (err) {
        this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'close_shard' });
        this.log.error({ err, partition: p }, 'closing shard failed');
      }
      this.metrics.forget(p);
    }
    this.shardsChanged();
  }

  private shardsChanged(): void {
    this.appliedWaits.advanced();
    this.metrics.shards.set(this.shards.size);
    this.settings.onShardsChanged?.(this.partitions());
  }

  private async onBatch(batch: ConsumedBatch, decodedHandler: BatchHandler): Promise<void> {
    const shard = this.shards.get(batch.partition);
    if (shard === undefined) throw new ShardNotOpenError(batch.topic, batch.partition);
    shard.noteBatch(batch.highWatermark, (o, applied) => batch.commit(o, applied));
    const expected = shard.appendedOffset;
    const first = batch.records[0]?.offset ?? expected;
    if (expected >= 0 && first > expected && shard.gapSeekedAt !== expected) {
      // A batch past the shard's position (a fetch started before our seek): go back once.
      shard.gapSeekedAt = expected;
      this.log.warn({ partition: batch.partition, expected, got: first }, 'offset gap; seeking back to the shard position');
      await this.consumer?.seek(batch.partition, { offset: expected });
      return;
    }
    // Records this process appended already (redelivered after a rebalance) are skipped.
    const records = first >= expected ? batch.records : batch.records.filter((r) => r.offset >= expected);
    if (records.length === 0) return;
    await decodedHandler(records === batch.records ? batch : { ...batch, records });
  }

  private async appendDecoded(batch: ConsumedBatch, decoded: readonly DecodedRecord<SamplesTopicRecord>[]): Promise<void> {
    const shard = this.shards.get(batch.partition);
    if (shard === undefined) throw new ShardNotOpenError(batch.topic, batch.partition);
    for (const d of decoded) {
      const v = d.value;
      if (v.kind === 'samples') {
        const drop = this.settings.dropInput?.();
        const batch = drop === undefined ? v.batch : { series: v.batch.series.filter((x) => !drop(x.labels)) };
        shard.append(d.record.offset, batch);
        this.logBatch(shard.partition, d.record.offset, batch);
      } else if (v.kind === 'deletion') {
        // Applied where it stands in the partition: a rebuild from the bus deletes the same samples.
        for (const selector of v.deletion.selectors) await shard.tsdb.deleteSeries(selector, v.deletion.startMs, v.deletion.endMs);
        // Selectors that name their metric touch that name only; any other, every name.
        const names = v.deletion.selectors.map((sel) => sel.find((m) => m.name === '__name__' && m.type === '=')?.value);
        this.changeLogs.get(shard.partition)?.record(d.record.offset, v.deletion.startMs, v.deletion.endMs, names.every((n) => n !== undefined) ? new Set(names) : null);
        this.log.info({ partition: shard.partition, offset: d.record.offset, selectors: v.deletion.selectors.length }, 'series deletion applied');
      } // a producer watermark holds nothing to store
    }
    await this.settings.follower?.follow(batch, decoded);
    // Dead-lettered records are handled too: the position moves past the whole batch.
    shard.appendedOffset = batch.records[batch.records.length - 1].offset + 1;
    this.appliedWaits.advanced();
    if (shard.unflushed >= this.config.flush_samples) await this.flushShard(shard);
  }

  private async flushShard(shard: Shard): Promise<void> {
    try {
      await shard.flush();
      this.flushFailing.delete(shard.partition);
    } catch (err) {
      this.flushFailing.add(shard.partition);
      this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'flush' });
      this.log.error({ err, partition: shard.partition }, 'shard flush failed');
    }
  }

  /** Flushes every shard now: durable, offset files written, bus committed. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.shards.values()].map((s) => this.flushShard(s)));
  }

  /** Sets the per-partition gauges from the shards' state (done on every flush tick). */
  updateGauges(): void {
    for (const s of this.shards.values()) s.updateGauges();
  }

  private async tick(): Promise<void> {
    await this.flushAll();
    this.updateGauges();
    const recovering = [...this.shards.values()].filter((s) => !s.recovered);
    if (recovering.length > 0) {
      // A partition that ends before where a shard had got to (its log lost records) holds nothing more to apply again.
      const ends = new Map((await this.settings.bus.offsets(this.settings.topic)).map((o) => [o.partition, o.high]));
      for (const s of recovering) s.noteLogEnd(ends.get(s.partition) ?? Number.POSITIVE_INFINITY);
    }
    if (this.failed.size > 0 && this.consumer !== null) {
      for (const p of [...this.failed]) await this.openShard(this.consumer, p);
      if (this.failed.size === 0) this.shardsChanged();
    }
  }

  /** Deletes and builds again every shard's downsampled tiers, after any compaction under way; returns days written. */
  async rebuildDownsampled(): Promise<number> {
    let days = 0;
    this.compacting = this.compacting.then(async () => {
      for (const s of [...this.shards.values()]) days += await s.tsdb.rebuildDownsampled();
    });
    await this.compacting;
    return days;
  }

  private logBatch(partition: number, offset: number, batch: SampleBatch & MaybeColumnar): void {
    const log = this.changeLogs.get(partition);
    if (log === undefined) return;
    let minT = Number.POSITIVE_INFINITY;
    let maxT = Number.NEGATIVE_INFINITY;
    const names = new Set<string>();
    const cols = batch.floatColumns;
    if (cols !== undefined) {
      const { labels, offsets, timestamps } = cols;
      for (let k = 0; k < labels.length; k++) {
        const to = offsets[k + 1];
        if (offsets[k] === to) continue;
        names.add(labels[k].__name__ ?? '');
        for (let i = offsets[k]; i < to; i++) {
          const t = timestamps[i];
          if (t < minT) minT = t;
          if (t > maxT) maxT = t;
        }
      }
      log.record(offset, minT, maxT, names);
      return;
    }
    for (const s of batch.series) {
      const ts = s.timestamps;
      if (ts.length === 0) continue;
      names.add(s.labels.__name__ ?? '');
      for (let i = 0; i < ts.length; i++) {
        const t = ts[i];
        if (t < minT) minT = t;
        if (t > maxT) maxT = t;
      }
    }
    log.record(offset, minT, maxT, names);
  }

  /**
   * The result cache's validation: per check, whether on a partition held here a record applied
   * at or after the check's offsets touched one of its selections (by metric name and time), or
   * that cannot be told (the change log no longer reaches back, or the shard is behind the
   * offsets); and the positions of the shards now.
   */
  async changes(req: ChangesRequest): Promise<ChangesAnswer> {
    const topic = this.settings.topic;
    const applied = [...this.shards.values()].map((s) => ({ topic, partition: s.partition, offset: Math.max(0, s.appendedOffset) }));
    // Per check the oldest selected time a change touched: Infinity for none, -Infinity when it cannot be told.
    const earliest = req.checks.map((check) => {
      let from = Infinity;
      for (const since of check.since) {
        if (since.topic !== topic) continue;
        const shard = this.shards.get(since.partition);
        const log = this.changeLogs.get(since.partition);
        if (shard === undefined || log === undefined) continue; // another store answers for it
        if (Math.max(0, shard.appendedOffset) < since.offset) return -Infinity;
        for (const sel of check.selections) from = Math.min(from, log.earliestChange(since.offset, sel));
        if (from === -Infinity) return from;
      }
      return from;
    });
    return { applied, changed: earliest.map((t) => t !== Infinity), changedFrom: earliest.map((t) => (Number.isFinite(t) ? t : null)) };
  }

  /** Compacts blocks and applies retention on every shard, one at a time. */
  compactAll(): Promise<void> {
    this.compacting = this.compacting.then(async () => {
      for (const s of [...this.shards.values()]) {
        if (this.shards.get(s.partition) !== s) continue;
        try {
          const before = s.tsdb.listBlocks();
          const deleted = s.tsdb.stats().blocksDeletedByRetention;
          await s.tsdb.compact();
          if (s.tsdb.stats().blocksDeletedByRetention > deleted) {
            // Retention removed data up to the newest block that went (merged ones included, to be safe).
            const kept = new Set(s.tsdb.listBlocks());
            const upTo = Math.max(...before.filter((b) => !kept.has(b)).map((b) => b.maxTime));
            this.changeLogs.get(s.partition)?.record(Math.max(0, s.appendedOffset), Number.MIN_SAFE_INTEGER, upTo, null);
          }
        } catch (err) {
          this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'compact' });
          this.log.error({ err, partition: s.partition }, 'compaction failed');
        }
      }
    });
    return this.compacting;
  }

  private onMemoryPressure(pressed: boolean, heapUsed: number): void {
    const held = this.consumer?.assignment() ?? [];
    this.metrics.pausedForMemory.set(pressed ? 1 : 0);
    if (pressed) {
      this.log.warn({ heapUsed, bound: this.config.max_heap_bytes, partitions: held }, 'heap above bound: pausing partitions');
      this.consumer?.pause(held);
      void this.flushAll();
    } else {
      this.log.info({ heapUsed }, 'heap back under bound: resuming partitions');
      if (!this.consumptionPaused) this.consumer?.resume(held.filter((p) => !this.failed.has(p)));
    }
  }

  /**
   * Stops (true) or restarts (false) fetching every partition held here, for maintenance: reads
   * go on over what the shards hold, and the bus keeps what arrives meanwhile.
   */
  pauseConsumption(paused: boolean): void {
    this.consumptionPaused = paused;
    const held = this.consumer?.assignment() ?? [];
    this.log.info({ partitions: held }, paused ? 'consumption paused by request' : 'consumption resumed by request');
    if (paused) this.consumer?.pause(held);
    else if (!this.memory.underPressure) this.consumer?.resume(held.filter((p) => !this.failed.has(p)));
  }

  /**
   * Read-your-writes: resolves once the shards of the requested partitions have applied the
   * requested offsets (with `strong`, at least the partitions' high watermarks as of now), or at
   * the timeout with the partitions still behind. A partition without a high-watermark record to
   * apply (empty, or all of it past retention) needs nothing.
   */
  async waitApplied(req: WaitAppliedRequest): Promise<WaitAppliedAnswer> {
    const deadline = Date.now() + req.timeoutMs;
    const wanted = new Map<number, number>();
    for (const p of req.partitions) wanted.set(p.partition, Math.max(wanted.get(p.partition) ?? 0, p.offset));
    if (req.strong) {
      for (const o of await this.settings.bus.offsets(this.settings.topic)) {
        if (wanted.has(o.partition) && o.high > o.low) wanted.set(o.partition, Math.max(wanted.get(o.partition)!, o.high));
      }
    }
    const lagging = (): LaggingPartition[] => {
      const out: LaggingPartition[] = [];
      for (const [partition, offset] of wanted) {
        if (offset === 0) continue;
        const shard = this.shards.get(partition);
        if (shard === undefined) out.push({ partition, applied: null, wanted: offset });
        else if (shard.appendedOffset < offset) out.push({ partition, applied: Math.max(0, shard.appendedOffset), wanted: offset });
      }
      return out;
    };
    await this.appliedWaits.until(() => lagging().length === 0, deadline);
    return { lagging: lagging() };
  }

  /**
   * delete_series: a deletion record goes to every partition of the topic (so every store, and any
   * shard rebuilt from the bus later, applies it at the same point of the stream); resolves once
   * the shards open here have applied it. Throws DeletionNotAppliedError when they have not within
   * `deletion_wait_ms`: the deletion is on the bus and will still be applied.
   */
  async deleteSeries(selectors: readonly (readonly LabelMatcher[])[], start: number, end: number): Promise<void> {
    const { bus, topic } = this.settings;
    const value = encodeSeriesDeletion({ selectors, startMs: start, endMs: end, requestedAtMs: Date.now() });
    const partitions = (await bus.offsets(topic)).map((o) => o.partition);
    const produced = await bus.produce(topic, partitions.map((partition) => ({ partition, value })));
    const pending = (): number[] =>
      produced.filter((r) => {
        const shard = this.shards.get(r.partition);
        return shard !== undefined && shard.appendedOffset <= r.offset;
      }).map((r) => r.partition);
    const deadline = Date.now() + this.config.deletion_wait_ms;
    while (pending().length > 0) {
      if (Date.now() > deadline) throw new DeletionNotAppliedError(topic, pending(), this.config.deletion_wait_ms);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * A consistent copy of every shard under `<data_dir>/snapshots/<name>/<topic>-<partition>/`;
   * returns the name (Prometheus' format: UTC time and random hex).
   */
  async snapshot(): Promise<string> {
    const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const name = `${d}-${randomBytes(8).toString('hex')}`;
    const root = join(this.config.data_dir, 'snapshots', name);
    for (const s of this.shards.values()) await s.tsdb.snapshot(join(root, `${this.settings.topic}-${s.partition}`));
    return name;
  }

  /** Leaves the group: every shard is flushed, its offset written and committed, then closed. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    // Woken followers look again once this call returns, with `stopping` set (position() undefined).
    this.settings.follower?.leaderChanged();
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    if (this.compactTimer !== null) clearInterval(this.compactTimer);
    this.memory.stop();
    await this.started?.catch(() => undefined);
    // The consumer's stop waits for the batch in flight and calls onRevoked (flush, commit, close).
    await this.consumer?.stop();
    await this.compacting;
    await this.onRevoked([...this.shards.keys()]);
  }
}

/** Where the shard of `topic`'s `partition` keeps its files under a store's data directory. */
export function shardDirectory(dataDir: string, topic: string, partition: number): string {
  return join(dataDir, 'shards', `${topic}-${partition}`);
}
