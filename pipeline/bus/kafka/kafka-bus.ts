import { setTimeout as delay } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import type { Admin, Consumer as KafkajsConsumer, Kafka as KafkaClient, Producer, SASLOptions } from 'kafkajs';
import { pino, type Logger } from 'pino';
import type {
  BatchHandler,
  Bus,
  ConsumeOptions,
  Consumer,
  GroupListing,
  GroupMemberListing,
  PartitionLag,
  PartitionOffset,
  PartitionOffsets,
  ProducedRecord,
  ProduceRecord,
  StartPosition,
} from '../bus.js';
import type { BusCompression } from '../record-compression.js';
import { KafkaBusError, kafkaBusError } from './errors.js';
import { installKafkaCodecs } from './kafka-codecs.js';
import type { KafkaBusSettings } from './kafka-bus-settings.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { computeLag, parseAppliedMetadata, type CommittedPosition } from './partition-lag.js';
import { kafkajsLevel, pinoLogCreator } from './pino-log-creator.js';
import { ProduceCoalescer } from './produce-coalescer.js';
import { resetGroupByJoining } from './reset-group-by-joining.js';
import { mapTimestampLookup, resolveStartOffset, validateStartPosition } from './start-position.js';

const { AssignerProtocol, CompressionTypes, Kafka, Partitioners } = kafkajs;
/** kafkajs' built-in codecs for `bus.compression` (a record batch's codec is in its attributes; consumers need no setting). */
const KAFKA_CODECS: Readonly<Record<BusCompression, kafkajs.CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
};
installKafkaCodecs();
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * The bus on Kafka (kafkajs 2.2.4). Produces wait for all in-sync replicas (acks=-1) and carry an
 * explicit partition; the produce calls of one event-loop turn share one request. Consumers are
 * group members that commit only what their handler says is durable (see KafkaConsumer).
 */
export class KafkaBus implements Bus {
  private readonly kafka: KafkaClient;
  private readonly logger: Logger;
  private readonly coalescer: ProduceCoalescer;
  private readonly consumers = new Set<KafkaConsumer>();
  private readonly partitionCounts = new Map<string, number>();
  private producerP: Promise<Producer> | undefined;
  private adminP: Promise<Admin> | undefined;
  private readonly retiredAdmins = new Set<Promise<Admin>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly settings: KafkaBusSettings) {
    this.logger = settings.logger
      ? settings.logger.child({ component: 'kafka-bus' })
      : pino({ name: 'kafka-bus', level: settings.logLevel ?? 'warn' });
    this.kafka = new Kafka({
      clientId: settings.clientId ?? 'tidemark',
      brokers: [...settings.brokers],
      ssl: settings.ssl,
      sasl: settings.sasl === undefined ? undefined : (settings.sasl as SASLOptions),
      logLevel: kafkajsLevel(this.logger.level),
      logCreator: pinoLogCreator(this.logger),
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      retry: settings.retry,
    });
    settings.patchKafka?.(this.kafka);
    this.coalescer = new ProduceCoalescer(
      async (topicMessages) => {
        const producer = await this.producer();
        return producer.sendBatch({
          topicMessages,
          acks: -1,
          compression: KAFKA_CODECS[this.settings.compression ?? 'lz4'],
          timeout: this.settings.produceTimeoutMs ?? 30_000,
        });
      },
      (err, topics) =>
        kafkaBusError(err, 'produce failed', {
          code: 'produce_failed',
          topic: topics.length === 1 ? topics[0] : topics.join(','),
        }),
    );
  }

  async ensureTopic(topic: string, partitions: number): Promise<number> {
    this.checkOpen();
    checkTopic(topic);
    if (!Number.isSafeInteger(partitions) || partitions < 1) {
      throw new KafkaBusError(`invalid partition count ${partitions}`, {
        code: 'invalid_argument', topic, retryable: false,
      });
    }
    const admin = await this.admin();
    try {
      // listTopics never auto-creates (a metadata request naming the topic might).
      if (!(await admin.listTopics()).includes(topic)) {
        await admin.createTopics({
          topics: [{ topic, numPartitions: partitions, replicationFactor: this.settings.replicationFactor ?? -1 }],
          waitForLeaders: true,
        });
      }
    } catch (err) {
      throw kafkaBusError(err, 'could not create topic', { code: 'topic_failed', topic });
    }
    return this.partitionCount(topic);
  }

  async partitionCount(topic: string): Promise<number> {
    this.checkOpen();
    const admin = await this.admin();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const n = topics[0]?.partitions.length ?? 0;
      this.partitionCounts.set(topic, n);
      return n;
    } catch (err) {
      throw kafkaBusError(err, 'could not read topic metadata', { code: 'topic_failed', topic });
    }
  }

  async produce(topic: string, records: readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    this.checkOpen();
    if (records.length === 0) return [];
    let count = this.partitionCounts.get(topic) ?? (await this.partitionCount(topic));
    for (const r of records) {
      if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= count) {
        // The topic may have grown since we cached its size.
        count = await this.partitionCount(topic);
        if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= count) {
          throw new KafkaBusError(`partition ${r.partition} does not exist (topic has ${count})`, {
            code: 'invalid_argument', topic, partition: r.partition, retryable: false,
          });
        }
      }
    }
    return this.coalescer.produce(topic, records);
  }

  async consume(opts: ConsumeOptions, handler: BatchHandler): Promise<Consumer> {
    this.checkOpen();
    checkTopic(opts.topic);
    const kc = this.groupMember(opts.group);
    const onFailed = (err: Error): void => {
      opts.onFailed?.(err);
      this.settings.onConsumerFailed?.(err);
    };
    const consumer = new KafkaConsumer(kc, { ...opts, onFailed }, handler, {
      logger: this.logger,
      rejoin: { attempts: 10, initialBackoffMs: 1000, maxBackoffMs: 60_000, ...this.settings.rejoin },
      resolvePosition: (topic, partition, to) => this.resolvePosition(topic, partition, to),
      groupLag: (group, topic) => this.lag(group, topic),
      committedOffsets: (group, topic) => this.committedOffsets(group, topic),
      offsets: (topic) => this.offsets(topic),
      onStopped: (c) => this.consumers.delete(c),
    });
    this.consumers.add(consumer);
    try {
      await consumer.start(this.settings.partitionsConsumedConcurrently ?? 1);
    } catch (err) {
      await consumer.stop().catch(() => undefined);
      throw kafkaBusError(err, 'could not start consumer', {
        code: 'consume_failed', topic: opts.topic, group: opts.group,
      });
    }
    return consumer;
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    this.checkOpen();
    for (let attempt = 0; ; attempt++) {
      const adminP = this.admin();
      try {
        const res = await (await adminP).fetchTopicOffsets(topic);
        return res
          .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
          .sort((a, b) => a.partition - b.partition);
      } catch (err) {
        // kafkajs 2.2.4 throws a TypeError ("Cannot destructure property 'partitions'") when its
        // cached metadata of a topic another client has just created lists no partitions yet,
        // and keeps that metadata for 5 minutes. A new admin client fetches it afresh.
        if (!(err instanceof TypeError) || attempt >= 4) {
          throw kafkaBusError(err, 'could not list offsets', { code: 'offsets_failed', topic });
        }
        this.retireAdmin(adminP);
        await delay(100 * 2 ** attempt);
      }
    }
  }

  async offsetsForTimestamp(topic: string, timestampMs: number): Promise<PartitionOffset[]> {
    this.checkOpen();
    validateStartPosition({ timestampMs }, { topic });
    const admin = await this.admin();
    try {
      const [lookup, bounds] = await Promise.all([
        admin.fetchTopicOffsetsByTimestamp(topic, timestampMs),
        this.offsets(topic),
      ]);
      return mapTimestampLookup(lookup, bounds);
    } catch (err) {
      throw kafkaBusError(err, `could not look up offsets for time ${timestampMs}`, {
        code: 'offsets_failed', topic,
      });
    }
  }

  async committedOffsets(group: string, topic: string): Promise<PartitionOffset[]> {
    return (await this.committedPositions(group, topic)).map(({ partition, offset }) => ({ partition, offset }));
  }

  /** Committed offsets with the applied offsets their members reported in the commit metadata. */
  private async committedPositions(group: string, topic: string): Promise<CommittedPosition[]> {
    this.checkOpen();
    const admin = await this.admin();
    try {
      const res = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const parts = res.find((t) => t.topic === topic)?.partitions ?? [];
      return parts
        .map((p) => ({ partition: p.partition, offset: Number(p.offset), applied: parseAppliedMetadata(p.metadata) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (err) {
      throw kafkaBusError(err, 'could not fetch committed offsets', {
        code: 'offsets_failed', topic, group,
      });
    }
  }

  async resetGroup(group: string, topic: string, to: StartPosition): Promise<void> {
    this.checkOpen();
    validateStartPosition(to, { topic });
    const targets = await this.resolveAll(topic, to);
    const admin = await this.admin();
    try {
      await admin.setOffsets({
        groupId: group,
        topic,
        partitions: targets.map((t) => ({ partition: t.partition, offset: String(t.offset) })),
      });
      return;
    } catch (err) {
      if (!isUnsupportedApi(err)) {
        throw kafkaBusError(err, 'could not reset group offsets', { code: 'group_failed', topic, group });
      }
      // Brokers without DescribeGroups (librdkafka's mock): commit as a short-lived member.
      this.logger.info({ group, topic }, 'setOffsets unsupported; resetting by joining the group');
    }
    await resetGroupByJoining(() => this.groupMember(group), group, topic, targets);
  }

  async lag(group: string, topic: string): Promise<PartitionLag[]> {
    const [offsets, committed] = await Promise.all([
      this.offsets(topic),
      this.committedPositions(group, topic),
    ]);
    return computeLag(offsets, committed);
  }

  async listTopics(): Promise<string[]> {
    this.checkOpen();
    const admin = await this.admin();
    try {
      return (await admin.listTopics()).sort();
    } catch (err) {
      throw kafkaBusError(err, 'could not list topics', { code: 'topic_failed' });
    }
  }

  async listGroups(): Promise<GroupListing[]> {
    this.checkOpen();
    const admin = await this.admin();
    let ids: string[];
    try {
      ids = (await admin.listGroups()).groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.groupId).sort();
    } catch (err) {
      throw kafkaBusError(err, 'could not list consumer groups', { code: 'group_failed' });
    }
    if (ids.length === 0) return [];
    let described: Awaited<ReturnType<Admin['describeGroups']>>['groups'] = [];
    try {
      described = (await admin.describeGroups(ids)).groups;
    } catch (err) {
      if (!isUnsupportedApi(err)) throw kafkaBusError(err, 'could not describe consumer groups', { code: 'group_failed' });
    }
    return Promise.all(
      ids.map(async (group) => {
        const d = described.find((g) => g.groupId === group);
        const members: GroupMemberListing[] = [];
        for (const m of d?.members ?? []) {
          const decoded = m.memberAssignment.length === 0 ? null : AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
          for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
            members.push({ id: m.memberId, topic, partitions: [...partitions].sort((a, b) => a - b) });
          }
        }
        const topics = new Set(members.map((m) => m.topic));
        try {
          for (const t of await admin.fetchOffsets({ groupId: group })) {
            if (t.partitions.some((p) => Number(p.offset) >= 0)) topics.add(t.topic);
          }
        } catch (err) {
          throw kafkaBusError(err, 'could not fetch committed offsets', { code: 'offsets_failed', group });
        }
        return { group, topics: [...topics].sort(), members: d === undefined ? null : members };
      }),
    );
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.consumers].map((c) => c.stop()));
      const clients: Array<Promise<{ disconnect(): Promise<void> }> | undefined> = [this.producerP, this.adminP, ...this.retiredAdmins];
      await Promise.allSettled(clients.map(async (p) => (p ? (await p).disconnect() : undefined)));
    })();
    return this.closing;
  }

  private async resolvePosition(topic: string, partition: number, to: StartPosition): Promise<number> {
    validateStartPosition(to, { topic, partition });
    const all = await this.resolveAll(topic, to);
    const hit = all.find((p) => p.partition === partition);
    if (!hit) {
      throw new KafkaBusError('no such partition', {
        code: 'invalid_argument', topic, partition, retryable: false,
      });
    }
    return hit.offset;
  }

  private async resolveAll(topic: string, to: StartPosition): Promise<PartitionOffset[]> {
    if (typeof to === 'object' && 'timestampMs' in to) {
      return this.offsetsForTimestamp(topic, to.timestampMs);
    }
    const bounds = await this.offsets(topic);
    return bounds.map((b) => ({ partition: b.partition, offset: resolveStartOffset(to, b) }));
  }

  /** A kafkajs consumer for `group` with the adapter's timing, assigners and fetch limits. */
  private groupMember(group: string): KafkajsConsumer {
    const timing = this.settings.consumerTiming ?? {};
    return this.kafka.consumer({
      groupId: group,
      sessionTimeout: timing.sessionTimeout,
      heartbeatInterval: timing.heartbeatInterval,
      rebalanceTimeout: timing.rebalanceTimeout,
      partitionAssigners: this.settings.partitionAssigners,
      maxBytesPerPartition: this.settings.maxBytesPerPartition ?? 4 * 1024 * 1024,
      // kafkajs' 5 s long poll would delay every stop() by as much, and a stopping member sends
      // no heartbeats meanwhile (a short session then expires).
      maxWaitTimeInMs: this.settings.maxWaitTimeMs ?? 100,
      allowAutoTopicCreation: false,
      // KafkaConsumer rejoins itself, with backoff and a limit (kafkajs would restart a crashed
      // member only after retriable errors, and then forever).
      retry: { ...this.settings.retry, restartOnFailure: async () => false },
    });
  }

  private checkOpen(): void {
    if (this.closing) {
      throw new KafkaBusError('the Kafka bus is closed', { code: 'closed', retryable: false });
    }
  }

  private producer(): Promise<Producer> {
    this.producerP ??= (async () => {
      const p = this.kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: this.settings.idempotent === true,
        // kafkajs keeps an idempotent producer's sequence numbers in order only with one request in
        // flight per broker; the produce coalescer already gathers concurrent produces into one.
        ...(this.settings.idempotent === true ? { maxInFlightRequests: 1 } : {}),
        retry: this.settings.retry,
        // Every record names its partition; the partitioner is never consulted.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await p.connect();
      } catch (err) {
        throw kafkaBusError(err, 'could not connect the producer', { code: 'connect_failed' });
      }
      return p;
    })();
    this.producerP.catch(() => (this.producerP = undefined));
    return this.producerP;
  }

  /** Later calls get a new admin client; the old one is disconnected once its calls are done. */
  private retireAdmin(adminP: Promise<Admin>): void {
    if (this.adminP !== adminP) return;
    this.adminP = undefined;
    this.retiredAdmins.add(adminP);
    setTimeout(() => {
      this.retiredAdmins.delete(adminP);
      void adminP.then((a) => a.disconnect()).catch((err: unknown) => {
        this.logger.warn({ err }, 'could not disconnect a retired admin client');
      });
    }, 30_000).unref();
  }

  private admin(): Promise<Admin> {
    this.adminP ??= (async () => {
      const a = this.kafka.admin({ retry: this.settings.retry });
      try {
        await a.connect();
      } catch (err) {
        throw kafkaBusError(err, 'could not connect the admin client', { code: 'connect_failed' });
      }
      return a;
    })();
    this.adminP.catch(() => (this.adminP = undefined));
    return this.adminP;
  }
}

function checkTopic(topic: string): void {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new KafkaBusError(`invalid topic name ${JSON.stringify(topic)}`, {
      code: 'invalid_argument', topic, retryable: false,
    });
  }
}

/** The broker lacks an API the call needs (e.g. DescribeGroups on librdkafka's mock). */
function isUnsupportedApi(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e.name === 'KafkaJSServerDoesNotSupportApiKey' || /does not support API/i.test(e.message)) {
      return true;
    }
    e = (e as { originalError?: unknown }).originalError ?? e.cause;
  }
  return false;
}
