import type { Consumer as KafkajsConsumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type {
  BatchHandler,
  BusRecord,
  ConsumedBatch,
  ConsumeOptions,
  Consumer,
  PartitionLag,
  PartitionOffset,
  PartitionOffsets,
  StartPosition,
} from '../bus.js';
import { CommitRejectedError } from '../commit-rejected.js';
import { KafkaBusError, kafkaBusError, rebalanceErrorType } from './errors.js';
import { appliedMetadata } from './partition-lag.js';

/**
 * How a member that lost its group (a failed join or sync, a crash) gets back in: it rejoins after
 * `initialBackoffMs`, doubling up to `maxBackoffMs`, and gives up after `attempts` consecutive
 * failures without a successful join.
 */
export interface RejoinPolicy {
  readonly attempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** What a consumer needs from its bus (offset lookups go through the bus' admin client). */
export interface KafkaConsumerDeps {
  readonly logger: Logger;
  readonly rejoin: RejoinPolicy;
  resolvePosition(topic: string, partition: number, to: StartPosition): Promise<number>;
  groupLag(group: string, topic: string): Promise<PartitionLag[]>;
  committedOffsets(group: string, topic: string): Promise<PartitionOffset[]>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  onStopped(consumer: KafkaConsumer): void;
}

const EMPTY_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({});
const EMPTY_VALUE = Buffer.alloc(0);

function toHeaders(h: KafkaMessage['headers']): Readonly<Record<string, Buffer>> {
  if (!h) return EMPTY_HEADERS;
  let out: Record<string, Buffer> | undefined;
  for (const name in h) {
    let v = h[name];
    if (Array.isArray(v)) v = v[0];
    if (v === undefined) continue;
    (out ??= {})[name] = typeof v === 'string' ? Buffer.from(v) : v;
  }
  return out ?? EMPTY_HEADERS;
}

const sorted = (ps: Iterable<number>): number[] => [...ps].sort((a, b) => a - b);

/**
 * One member of a consumer group on one topic (kafkajs `eachBatch`, autoCommit off).
 *
 * A batch is resolved (the member moves past it) only after the handler returns; batches of
 * paused, revoked or just-seeked partitions are dropped unresolved and fetched again later.
 * Commits go to the broker only when the handler calls `commit`. onAssigned/onRevoked run from
 * the group-join event, serialized, and every batch waits until they have finished.
 *
 * kafkajs gives up on a member whose join or sync fails with a protocol error (it "crashes"
 * without restarting). Such a member hands its partitions back (onRevoked) and rejoins with
 * backoff (RejoinPolicy); when every attempt failed it reports `onFailed` and stays stopped.
 */
export class KafkaConsumer implements Consumer {
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (e: unknown) => void;
  private joined = false;
  private assigned: number[] = [];
  private readonly paused = new Set<number>();
  /** Highest offset committed per partition since assignment or the last seek. */
  private readonly committed = new Map<number, number>();
  /** The applied offset sent with the last commit per partition (the offset when none was given). */
  private readonly applied = new Map<number, number>();
  private transitions: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping: Promise<void> | undefined;
  private readonly topic: string;
  private readonly group: string;
  private concurrency = 1;
  /** Consecutive failures to (re)join since the last successful join. */
  private failures = 0;
  private rejoinTimer: NodeJS.Timeout | undefined;
  private rejoining: Promise<void> = Promise.resolve();
  private gaveUp = false;

  constructor(
    private readonly kc: KafkajsConsumer,
    private readonly opts: ConsumeOptions,
    private readonly handler: BatchHandler,
    private readonly deps: KafkaConsumerDeps,
  ) {
    this.topic = opts.topic;
    this.group = opts.group;
    this.ready = new Promise<void>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    // Nobody has to await `ready`; an unobserved rejection must not crash the process.
    this.ready.catch(() => undefined);

    kc.on(kc.events.GROUP_JOIN, (e) => {
      this.failures = 0;
      const next = sorted(e.payload.memberAssignment[this.topic] ?? []);
      this.transitions = this.transitions.then(() => this.applyAssignment(next));
    });
    kc.on(kc.events.CRASH, (e) => this.onLostGroup(e.payload.error));
  }

  /**
   * Subscribes and starts fetching; resolves after the first join attempt. `ready` resolves after
   * the first successful join (a failed attempt is retried in the background).
   */
  async start(partitionsConsumedConcurrently: number): Promise<void> {
    this.concurrency = partitionsConsumedConcurrently;
    await this.kc.connect();
    await this.kc.subscribe({ topic: this.topic, fromBeginning: this.opts.fromBeginning ?? true });
    await this.run();
  }

  private run(): Promise<void> {
    return this.kc.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** kafkajs stopped this member (it disconnected already): hand the partitions back, then rejoin or give up. */
  private onLostGroup(error: unknown): void {
    if (this.stopping || this.gaveUp) return;
    this.failures++;
    const err = kafkaBusError(error, this.joined ? 'consumer lost its group membership' : 'consumer could not join its group', {
      code: 'group_failed', topic: this.topic, group: this.group,
    });
    this.transitions = this.transitions.then(() => this.releaseAll());
    const { attempts, initialBackoffMs, maxBackoffMs } = this.deps.rejoin;
    if (this.failures > attempts) {
      this.gaveUp = true;
      this.deps.logger.error({ err, group: this.group, topic: this.topic, attempts }, 'consumer could not rejoin its group; giving up');
      if (!this.joined) this.rejectReady(err);
      this.opts.onFailed?.(err);
      return;
    }
    const delayMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (this.failures - 1));
    this.deps.logger.warn({ err, group: this.group, topic: this.topic, attempt: this.failures, attempts, delayMs },
      'consumer left its group; rejoining after a pause');
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = undefined;
      this.rejoining = this.rejoin();
    }, delayMs);
  }

  private async rejoin(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.kc.connect();
      await this.run();
    } catch (err) {
      // Could not even reach the cluster: one more failed attempt.
      await this.kc.disconnect().catch(() => undefined);
      this.onLostGroup(err);
    }
  }

  /** After the member left its group: nothing it held is its own any more. */
  private async releaseAll(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    const held = this.assigned;
    this.assigned = [];
    for (const p of held) {
      this.committed.delete(p);
      this.applied.delete(p);
      this.paused.delete(p);
    }
    if (held.length === 0 || !this.opts.onRevoked) return;
    try {
      await this.opts.onRevoked(held);
    } catch (err) {
      this.deps.logger.error({ err, group: this.group, topic: this.topic, partitions: held }, 'onRevoked failed');
    }
  }

  assignment(): number[] {
    return [...this.assigned];
  }

  pause(partitions: readonly number[]): void {
    for (const p of partitions) this.paused.add(p);
    this.whileRunning(() => this.kc.pause([{ topic: this.topic, partitions: [...partitions] }]));
  }

  resume(partitions: readonly number[]): void {
    for (const p of partitions) this.paused.delete(p);
    this.whileRunning(() => this.kc.resume([{ topic: this.topic, partitions: [...partitions] }]));
  }

  /**
   * Applies a pause or resume to kafkajs. Between losing the group and rejoining it kafkajs has no
   * running group and throws; the `paused` set is what counts, re-applied at the next assignment.
   */
  private whileRunning(apply: () => void): void {
    if (this.stopping) return;
    try {
      apply();
    } catch (err) {
      if ((err as Error).name === 'KafkaJSNonRetriableError' && /not initialized/.test((err as Error).message)) return;
      throw err;
    }
  }

  async seek(partition: number, to: StartPosition): Promise<void> {
    if (!this.assigned.includes(partition)) {
      throw new KafkaBusError('cannot seek a partition this member does not hold', {
        code: 'invalid_argument', topic: this.topic, partition, group: this.group, retryable: false,
      });
    }
    const offset = await this.deps.resolvePosition(this.topic, partition, to);
    this.committed.delete(partition);
    this.applied.delete(partition);
    this.kc.seek({ topic: this.topic, partition, offset: String(offset) });
  }

  async lag(): Promise<PartitionLag[]> {
    const mine = new Set(this.assigned);
    const all = await this.deps.groupLag(this.group, this.topic);
    return all.filter((l) => mine.has(l.partition));
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearTimeout(this.rejoinTimer);
    try {
      await this.rejoining;
      // Stop taking batches, let the ones in flight finish, then hand the partitions back.
      await Promise.allSettled([...this.inFlight]);
      await this.transitions;
      const held = this.assigned;
      this.assigned = [];
      if (held.length > 0 && this.opts.onRevoked) {
        try {
          await this.opts.onRevoked(held);
        } catch (err) {
          this.deps.logger.error({ err, group: this.group, topic: this.topic }, 'onRevoked failed');
        }
      }
      await this.kc.disconnect();
    } finally {
      if (!this.joined) {
        this.rejectReady(new KafkaBusError('consumer stopped before joining its group', {
          code: 'closed', topic: this.topic, group: this.group, retryable: false,
        }));
      }
      this.deps.onStopped(this);
    }
  }

  private async applyAssignment(next: number[]): Promise<void> {
    if (this.stopping) return;
    const before = new Set(this.assigned);
    const now = new Set(next);
    const revoked = this.assigned.filter((p) => !now.has(p));
    const added = next.filter((p) => !before.has(p));
    this.assigned = next;
    for (const p of revoked) {
      this.committed.delete(p);
      this.applied.delete(p);
      this.paused.delete(p);
    }
    // kafkajs forgets pauses when it restarts after a crash: re-apply ours.
    const stillPaused = next.filter((p) => this.paused.has(p));
    if (stillPaused.length > 0) this.kc.pause([{ topic: this.topic, partitions: stillPaused }]);
    try {
      if (revoked.length > 0) await this.opts.onRevoked?.(revoked);
      if (added.length > 0 && this.opts.fromBeginning === false) await this.pinLatest(added);
      if (added.length > 0) await this.opts.onAssigned?.(added);
    } catch (err) {
      // Partitions whose owner could not take them must not be consumed blindly.
      const failed = added.length > 0 ? added : revoked;
      this.deps.logger.error({ err, group: this.group, topic: this.topic, partitions: failed },
        'partition assignment callback failed; pausing those partitions');
      this.pause(added);
      if (!this.joined) {
        this.rejectReady(kafkaBusError(err, 'onAssigned failed', {
          code: 'consume_failed', topic: this.topic, group: this.group,
        }));
        return;
      }
    }
    if (!this.joined) {
      this.joined = true;
      this.resolveReady();
    }
  }

  /**
   * kafkajs resolves "latest" lazily at its first fetch, which may come after records produced
   * right after `ready`; pin the high watermark now for partitions the group never committed.
   */
  private async pinLatest(partitions: number[]): Promise<void> {
    const [committed, offsets] = await Promise.all([
      this.deps.committedOffsets(this.group, this.topic),
      this.deps.offsets(this.topic),
    ]);
    const has = new Set(committed.filter((c) => c.offset >= 0).map((c) => c.partition));
    for (const o of offsets) {
      if (partitions.includes(o.partition) && !has.has(o.partition)) {
        this.kc.seek({ topic: this.topic, partition: o.partition, offset: String(o.high) });
      }
    }
  }

  private async onBatch({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.transitions;
    const partition = batch.partition;
    if (this.stopping || !isRunning() || isStale() || this.paused.has(partition)) return;
    if (!this.assigned.includes(partition) || batch.messages.length === 0) return;

    const msgs = batch.messages;
    const records: BusRecord[] = new Array(msgs.length);
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i];
      records[i] = {
        topic: this.topic,
        partition,
        offset: Number(m.offset),
        timestampMs: Number(m.timestamp),
        key: m.key ?? null,
        value: m.value ?? EMPTY_VALUE,
        headers: toHeaders(m.headers),
      };
    }
    const last = records[records.length - 1].offset;
    const consumed: ConsumedBatch = {
      topic: this.topic,
      partition,
      records,
      highWatermark: Number(batch.highWatermark),
      commit: (offset?: number, applied?: number) => this.commit(partition, offset ?? last + 1, last + 1, applied),
    };
    const run = this.handler(consumed);
    this.inFlight.add(run);
    try {
      await run;
    } finally {
      this.inFlight.delete(run);
    }
    if (!isStale()) resolveOffset(batch.lastOffset());
  }

  private async commit(partition: number, offset: number, max: number, applied?: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > max) {
      throw new KafkaBusError(`cannot commit offset ${offset}: outside 0..${max}`, {
        code: 'invalid_argument', topic: this.topic, partition, group: this.group, retryable: false,
      });
    }
    const reported = applied === undefined || applied <= offset ? undefined : applied;
    const prev = this.committed.get(partition) ?? -1;
    // Never backwards; the same offset again only to report a further applied offset.
    if (offset < prev || (offset === prev && (reported === undefined || reported <= (this.applied.get(partition) ?? -1)))) return;
    try {
      await this.kc.commitOffsets([{ topic: this.topic, partition, offset: String(offset), metadata: reported === undefined ? null : appliedMetadata(reported) }]);
    } catch (err) {
      const rebalance = rebalanceErrorType(err);
      if (rebalance !== undefined) throw new CommitRejectedError(this.topic, partition, this.group, rebalance, { cause: err });
      throw kafkaBusError(err, `commit of offset ${offset} failed`, {
        code: 'commit_failed', topic: this.topic, partition, group: this.group,
      });
    }
    if (offset > (this.committed.get(partition) ?? -1)) this.committed.set(partition, offset);
    this.applied.set(partition, reported ?? offset);
  }
}
