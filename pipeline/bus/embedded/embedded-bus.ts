import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import type {
  BatchHandler,
  Bus,
  ConsumeOptions,
  Consumer,
  GroupListing,
  PartitionLag,
  PartitionOffset,
  PartitionOffsets,
  ProducedRecord,
  ProduceRecord,
  StartPosition,
} from '../bus.js';
import { embeddedBusConfigSchema, type BusLogger, type EmbeddedBusConfig, type EmbeddedBusSettings } from './config.js';
import { DataDirLock } from './data-dir-lock.js';
import { EmbeddedConsumer, lagOf } from './embedded-consumer.js';
import { BusClosedError, GroupActiveError, InvalidArgumentError, PartitionOutOfRangeError } from './errors.js';
import { GroupCoordinator } from './group-coordinator.js';
import { LogCompactor } from './log-compactor.js';
import { OffsetStore } from './offset-store.js';
import type { PartitionLog } from './partition-log.js';
import { FRAME_PREFIX_BYTES } from './record-frame.js';
import { assertTopicName, TopicStore } from './topic-store.js';

/** How often the compactor looks for newly sealed segments. */
const COMPACTION_CHECK_INTERVAL_MS = 1000;
/** A partition that received nothing this long has its active segment sealed and compacted (if it holds COMPACTION_IDLE_MIN_BYTES). */
const COMPACTION_IDLE_MS = 60_000;
/**
 * Segment file bytes an idle active segment needs to be sealed: below a run's worth of records
 * (a full 4 MiB segment of lz4 records is some 6 MiB of runs), so a partition that stopped
 * receiving has its tail compacted too; a quiet topic is still not cut into a file per record.
 */
export const COMPACTION_IDLE_MIN_BYTES = 1024 * 1024;

/**
 * The bus in one process on local disk: `tidemark up` needs nothing else. Layout under `dataDir`:
 * `topics/<topic>/<partition>/<base offset>.log|.index`, `groups/<group>.json`, `LOCK`.
 * See README.md in this folder for the record format and the crash-safety argument.
 */
export class EmbeddedBus implements Bus {
  private readonly consumers = new Set<EmbeddedConsumer>();
  private readonly coordinator = new GroupCoordinator();
  private retentionTimer: NodeJS.Timeout | undefined;
  private compactor: LogCompactor | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly config: EmbeddedBusConfig,
    private readonly topics: TopicStore,
    private readonly offsetStore: OffsetStore,
    private readonly lock: DataDirLock,
    private readonly logger: BusLogger,
    private readonly durableGroups: readonly string[],
  ) {}

  /** Opens (creating if needed) the data directory, recovering every partition's tail. */
  static async open(settings: EmbeddedBusSettings): Promise<EmbeddedBus> {
    const config = embeddedBusConfigSchema.parse(settings.config ?? {});
    const logger = settings.logger ?? pino({ name: 'embedded-bus' }, pino.destination(2));
    await mkdir(settings.dataDir, { recursive: true });
    const lock = await DataDirLock.acquire(settings.dataDir);
    try {
      const topics = new TopicStore(join(settings.dataDir, 'topics'), {
        segmentBytes: config.compaction === 'none' ? config.segment_bytes : Math.min(config.segment_bytes, config.compaction_segment_bytes),
        compression: settings.compression ?? 'lz4',
        indexIntervalBytes: config.index_interval_bytes,
        maxRecordBytes: config.max_record_bytes + 64 * 1024,
        now: settings.now ?? Date.now,
        log: (level, msg, fields) => logger[level](fields, msg),
      });
      await topics.openAll();
      const offsets = new OffsetStore(join(settings.dataDir, 'groups'), config.commit_sync_interval_ms, (file, err) =>
        logger.error({ file, err }, 'embedded bus: committed offsets file is damaged; the group starts from its reset position'),
      );
      await offsets.init();
      const bus = new EmbeddedBus(config, topics, offsets, lock, logger, settings.durableGroups ?? []);
      bus.retentionTimer = setInterval(() => void bus.enforceRetention(), config.retention_check_interval_ms);
      bus.retentionTimer.unref();
      if (config.compaction !== 'none') {
        bus.compactor = new LogCompactor({
          logs: () => topics.all().flat(),
          runBytes: config.compaction_run_bytes,
          cpuShare: config.compaction_cpu_share,
          intervalMs: COMPACTION_CHECK_INTERVAL_MS,
          idleMs: COMPACTION_IDLE_MS,
          idleMinBytes: Math.min(COMPACTION_IDLE_MIN_BYTES, config.compaction_run_bytes),
          onError: (log, err) => logger.error({ topic: log.topic, partition: log.partition, err }, 'embedded bus: compacting a sealed segment failed; it stays as written'),
          yieldTo: settings.compactionYieldTo,
        });
        bus.compactor.start();
      }
      return bus;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async ensureTopic(topic: string, partitions: number): Promise<number> {
    this.assertOpen('ensureTopic');
    assertTopicName(topic);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 100_000) {
      throw new InvalidArgumentError(`partition count ${partitions} must be an integer from 1 to 100000`, { topic });
    }
    return (await this.topics.ensure(topic, partitions)).length;
  }

  async partitionCount(topic: string): Promise<number> {
    return this.topics.get(topic).length;
  }

  async produce(topic: string, records: readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    this.assertOpen('produce');
    const logs = this.topics.get(topic);
    const byPartition = new Map<number, ProduceRecord[]>();
    for (const r of records) {
      this.validate(topic, logs.length, r);
      let list = byPartition.get(r.partition);
      if (!list) byPartition.set(r.partition, (list = []));
      list.push(r);
    }
    const firsts = new Map<number, number>();
    await Promise.all(
      [...byPartition].map(async ([p, list]) => {
        firsts.set(p, await logs[p].append(list));
      }),
    );
    const next = new Map(firsts);
    return records.map((r) => {
      const offset = next.get(r.partition)!;
      next.set(r.partition, offset + 1);
      return { partition: r.partition, offset };
    });
  }

  private validate(topic: string, partitions: number, r: ProduceRecord): void {
    if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= partitions) {
      throw new PartitionOutOfRangeError(topic, r.partition, partitions);
    }
    const where = { topic, partition: r.partition };
    if (!Buffer.isBuffer(r.value)) throw new InvalidArgumentError('record value must be a Buffer', where);
    if (r.key != null && !Buffer.isBuffer(r.key)) throw new InvalidArgumentError('record key must be a Buffer or null', where);
    if (r.timestampMs !== undefined && !Number.isSafeInteger(r.timestampMs)) {
      throw new InvalidArgumentError(`record timestamp ${r.timestampMs} is not an integer`, where);
    }
    let size = FRAME_PREFIX_BYTES + 64 + r.value.length + (r.key?.length ?? 0);
    if (r.headers) {
      const names = Object.keys(r.headers);
      if (names.length > 0xffff) throw new InvalidArgumentError(`record has ${names.length} headers (max 65535)`, where);
      for (const n of names) {
        const v = r.headers[n];
        if (!Buffer.isBuffer(v)) throw new InvalidArgumentError(`header "${n}" must be a Buffer`, where);
        const nl = Buffer.byteLength(n);
        if (nl > 0xffff) throw new InvalidArgumentError('header name longer than 65535 bytes', where);
        size += 6 + nl + v.length;
      }
    }
    if (size > this.config.max_record_bytes) {
      throw new InvalidArgumentError(`record of ${size} bytes exceeds max_record_bytes (${this.config.max_record_bytes})`, where);
    }
  }

  async consume(opts: ConsumeOptions, handler: BatchHandler): Promise<Consumer> {
    this.assertOpen('consume');
    if (typeof opts.group !== 'string' || opts.group.length === 0) {
      throw new InvalidArgumentError('consumer group must be a non-empty string', { topic: opts.topic });
    }
    const logs = this.topics.get(opts.topic);
    const consumer = new EmbeddedConsumer(opts, handler, {
      logs,
      offsets: this.offsetStore,
      coordinator: this.coordinator,
      logger: this.logger,
      fetchMaxBytes: this.config.fetch_max_bytes,
      onStopped: (c) => this.consumers.delete(c),
    });
    this.consumers.add(consumer);
    consumer.start();
    return consumer;
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    return this.topics.get(topic).map((l) => ({ partition: l.partition, low: l.low, high: l.high }));
  }

  async offsetsForTimestamp(topic: string, timestampMs: number): Promise<PartitionOffset[]> {
    const logs = this.topics.get(topic);
    return Promise.all(logs.map(async (l) => ({ partition: l.partition, offset: await l.resolve({ timestampMs }) })));
  }

  async committedOffsets(group: string, topic: string): Promise<PartitionOffset[]> {
    const logs = this.topics.get(topic);
    const committed = await this.offsetStore.get(group, topic);
    return logs.map((l) => ({ partition: l.partition, offset: committed.get(l.partition) ?? -1 }));
  }

  async resetGroup(group: string, topic: string, to: StartPosition): Promise<void> {
    this.assertOpen('resetGroup');
    const logs = this.topics.get(topic);
    if (this.coordinator.hasMembers(group, topic)) throw new GroupActiveError(group, topic);
    const offsets = new Map<number, number>();
    for (const l of logs) offsets.set(l.partition, await l.resolve(to));
    await this.offsetStore.commit(group, topic, offsets, true);
  }

  async lag(group: string, topic: string): Promise<PartitionLag[]> {
    const logs = this.topics.get(topic);
    const committed = await this.offsetStore.get(group, topic);
    const applied = await this.offsetStore.getApplied(group, topic);
    return logs.map((l) => lagOf(l.partition, committed.get(l.partition), l, applied.get(l.partition)));
  }

  async listTopics(): Promise<string[]> {
    return this.topics.all().map((logs) => logs[0]?.topic).filter((t): t is string => t !== undefined).sort();
  }

  async listGroups(): Promise<GroupListing[]> {
    const byGroup = new Map<string, { topics: Set<string>; members: { id: string; topic: string; partitions: number[] }[] }>();
    const entry = (group: string) => {
      let e = byGroup.get(group);
      if (e === undefined) byGroup.set(group, (e = { topics: new Set(), members: [] }));
      return e;
    };
    for (const g of await this.offsetStore.listGroups()) for (const t of g.topics) entry(g.group).topics.add(t);
    for (const g of this.coordinator.describe()) {
      const e = entry(g.group);
      e.topics.add(g.topic);
      g.members.forEach((partitions, i) => e.members.push({ id: `${g.group}-${g.topic}-${i + 1}`, topic: g.topic, partitions }));
    }
    return [...byGroup]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, e]) => ({ group, topics: [...e.topics].sort(), members: e.members }));
  }

  /** Applies retention to every partition now (it also runs on a timer). */
  async enforceRetention(): Promise<number> {
    if (this.closing) return 0;
    let deleted = 0;
    for (const logs of this.topics.all()) {
      let released: ReadonlyMap<number, number> = new Map();
      try {
        released = await this.durableOffsets(logs[0]?.topic);
      } catch (err) {
        this.logger.error({ topic: logs[0]?.topic, err }, 'embedded bus: committed offsets of the store groups unreadable; retention by time and size only');
      }
      for (const log of logs) {
        const below = released.get(log.partition);
        const release = below === undefined || this.config.replay_window_ms < 0 ? undefined : { belowOffset: below, windowMs: this.config.replay_window_ms };
        try {
          deleted += await log.enforceRetention(this.config.retention_ms, this.config.retention_bytes, release);
        } catch (err) {
          this.logger.error({ topic: log.topic, partition: log.partition, err }, 'embedded bus: retention failed');
        }
      }
    }
    return deleted;
  }

  /**
   * Per partition of `topic`, the lowest offset the durable groups committed; a partition is left
   * out where one of the groups that committed on the topic has not committed on it.
   */
  private async durableOffsets(topic: string | undefined): Promise<ReadonlyMap<number, number>> {
    const out = new Map<number, number>();
    if (topic === undefined) return out;
    const committed: ReadonlyMap<number, number>[] = [];
    for (const g of this.durableGroups) {
      const c = await this.offsetStore.get(g, topic);
      if (c.size > 0) committed.push(c);
    }
    if (committed.length === 0) return out;
    for (const [partition, offset] of committed[0]) {
      let min = offset;
      for (const c of committed.slice(1)) min = Math.min(min, c.get(partition) ?? -1);
      if (min >= 0) out.set(partition, min);
    }
    return out;
  }

  /**
   * Compacts every sealed segment not compacted yet (compaction also runs on a timer); resolves
   * with how many were rewritten. 0 when `compaction` is none.
   */
  async compactSealedSegments(): Promise<number> {
    return this.compactor?.compactPending() ?? 0;
  }

  /** The partition logs of a topic, for tests and tools that inspect the files. */
  partitionLogs(topic: string): readonly PartitionLog[] {
    return this.topics.get(topic);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.retentionTimer);
      await this.compactor?.stop();
      await Promise.all([...this.consumers].map((c) => c.stop()));
      await this.topics.close();
      await this.offsetStore.flush();
      await this.lock.release();
    })();
    return this.closing;
  }

  private assertOpen(what: string): void {
    if (this.closing) throw new BusClosedError(what);
  }
}
