import type { BatchHandler, ConsumedBatch, ConsumeOptions, Consumer, PartitionLag, StartPosition } from '../bus.js';
import type { BusLogger } from './config.js';
import { InvalidArgumentError, NotAssignedError } from './errors.js';
import type { GroupCoordinator, GroupMember } from './group-coordinator.js';
import type { OffsetStore } from './offset-store.js';
import type { PartitionLog } from './partition-log.js';
import { Wakeup } from './wakeup.js';

export interface ConsumerDeps {
  readonly logs: readonly PartitionLog[];
  readonly offsets: OffsetStore;
  readonly coordinator: GroupCoordinator;
  readonly logger: BusLogger;
  readonly fetchMaxBytes: number;
  readonly onStopped: (c: EmbeddedConsumer) => void;
}

const RETRY_MS = 1000;

interface PartitionFetch {
  readonly partition: number;
  position: number;
  stopped: boolean;
  /** Bumped by every seek, so a fetch or batch started before it does not move the position. */
  seeks: number;
  readonly wake: Wakeup;
  loop?: Promise<void>;
}

/**
 * A group member on the embedded bus. Each assigned partition has its own fetch loop, so the
 * handler may run for different partitions at the same time, but never twice at once for one
 * partition, and a partition's batches arrive in offset order. A loop waits on the partition's
 * high watermark (no polling). Do not await `stop()` inside the handler: stop waits for it.
 */
export class EmbeddedConsumer implements Consumer, GroupMember {
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private readonly parts = new Map<number, PartitionFetch>();
  private readonly paused = new Set<number>();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly opts: ConsumeOptions,
    private readonly handler: BatchHandler,
    private readonly deps: ConsumerDeps,
  ) {
    this.ready = new Promise((r) => (this.resolveReady = r));
  }

  /** Joins the group; `ready` resolves once the first rebalance including this member is done. */
  start(): void {
    void this.deps.coordinator
      .join(this.opts.group, this.opts.topic, this.deps.logs.length, this)
      .then(() => this.resolveReady());
  }

  assignment(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  pause(partitions: readonly number[]): void {
    for (const p of partitions) this.paused.add(p);
  }

  resume(partitions: readonly number[]): void {
    for (const p of partitions) {
      this.paused.delete(p);
      this.parts.get(p)?.wake.fire();
    }
  }

  async seek(partition: number, to: StartPosition): Promise<void> {
    const st = this.parts.get(partition);
    if (!st) throw new NotAssignedError(this.opts.group, this.opts.topic, partition);
    const offset = await this.deps.logs[partition].resolve(to);
    if (this.parts.get(partition) !== st) return; // revoked meanwhile
    st.position = offset;
    st.seeks++;
    st.wake.fire();
  }

  async lag(): Promise<PartitionLag[]> {
    const committed = await this.deps.offsets.get(this.opts.group, this.opts.topic);
    const applied = await this.deps.offsets.getApplied(this.opts.group, this.opts.topic);
    return this.assignment().map((p) => lagOf(p, committed.get(p), this.deps.logs[p], applied.get(p)));
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.deps.coordinator.leave(this.opts.group, this.opts.topic, this);
      this.resolveReady();
      this.deps.onStopped(this);
    })();
    return this.stopping;
  }

  async assign(partitions: number[]): Promise<void> {
    if (partitions.length === 0 || this.stopping) return;
    try {
      const committed = await this.deps.offsets.get(this.opts.group, this.opts.topic);
      const fromBeginning = this.opts.fromBeginning !== false;
      const added: PartitionFetch[] = [];
      for (const p of partitions) {
        const log = this.deps.logs[p];
        const position = committed.get(p) ?? (fromBeginning ? log.low : log.high);
        log.readerAt(this.opts.group, position); // from now on the records in memory wait for this group too
        const st: PartitionFetch = { partition: p, position, stopped: false, seeks: 0, wake: new Wakeup() };
        this.parts.set(p, st);
        added.push(st);
      }
      await this.callback('onAssigned', partitions);
      for (const st of added) if (!st.stopped) st.loop = this.run(st);
    } catch (err) {
      this.deps.logger.error({ group: this.opts.group, topic: this.opts.topic, err }, 'embedded bus: assigning partitions failed');
    }
  }

  async revoke(partitions: number[]): Promise<void> {
    const states = partitions.map((p) => this.parts.get(p)).filter((s): s is PartitionFetch => s !== undefined);
    if (states.length === 0) return;
    for (const st of states) {
      st.stopped = true;
      st.wake.fire();
    }
    await Promise.all(states.map((st) => st.loop));
    for (const st of states) {
      this.parts.delete(st.partition);
      this.deps.logs[st.partition].forgetReader(this.opts.group);
    }
    await this.callback('onRevoked', states.map((s) => s.partition));
  }

  private async callback(name: 'onAssigned' | 'onRevoked', partitions: number[]): Promise<void> {
    try {
      await this.opts[name]?.(partitions);
    } catch (err) {
      this.deps.logger.error({ group: this.opts.group, topic: this.opts.topic, partitions, err }, `embedded bus: ${name} failed`);
    }
  }

  private async run(st: PartitionFetch): Promise<void> {
    const log = this.deps.logs[st.partition];
    while (!st.stopped) {
      if (this.paused.has(st.partition)) {
        await st.wake.wait().promise;
        continue;
      }
      // Retention may have dropped what we were at; a seek may point past the end.
      if (st.position < log.low) st.position = log.low;
      if (st.position > log.high) st.position = log.high;
      if (st.position >= log.high) {
        const w = log.waitFor(st.position);
        const woken = st.wake.wait();
        await Promise.race([w.promise, woken.promise]);
        w.cancel();
        woken.cancel();
        continue;
      }
      const seeks = st.seeks;
      const highWatermark = log.high;
      let fetched;
      try {
        fetched = await log.read(st.position, this.deps.fetchMaxBytes);
      } catch (err) {
        this.deps.logger.error({ topic: log.topic, partition: st.partition, offset: st.position, err }, 'embedded bus: read failed');
        await this.pauseFor(st, RETRY_MS);
        continue;
      }
      if (st.stopped || seeks !== st.seeks || this.paused.has(st.partition)) continue;
      if (fetched.records.length === 0) {
        st.position = fetched.next;
        continue;
      }
      const first = fetched.records[0].offset;
      st.position = fetched.next;
      log.readerAt(this.opts.group, fetched.next);
      try {
        await this.handler(this.batch(st.partition, fetched.records, highWatermark));
      } catch (err) {
        // As kafkajs does after a failed eachBatch: deliver the batch again after a pause.
        this.deps.logger.error({ topic: log.topic, partition: st.partition, offset: first, err }, 'embedded bus: handler failed; redelivering');
        if (seeks === st.seeks) st.position = first;
        await this.pauseFor(st, RETRY_MS);
      }
    }
  }

  private batch(partition: number, records: ConsumedBatch['records'], highWatermark: number): ConsumedBatch {
    const end = records[records.length - 1].offset + 1;
    return {
      topic: this.opts.topic,
      partition,
      records,
      highWatermark,
      commit: (offset = end, applied?: number) => {
        if (!Number.isSafeInteger(offset) || offset < 0) {
          return Promise.reject(
            new InvalidArgumentError(`commit offset ${offset} is not a non-negative integer`, {
              topic: this.opts.topic,
              partition,
              group: this.opts.group,
            }),
          );
        }
        const reported = applied === undefined ? undefined : new Map([[partition, applied]]);
        return this.deps.offsets.commit(this.opts.group, this.opts.topic, new Map([[partition, offset]]), false, reported);
      },
    };
  }

  private async pauseFor(st: PartitionFetch, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const woken = st.wake.wait();
    await Promise.race([new Promise((r) => (timer = setTimeout(r, ms))), woken.promise]);
    clearTimeout(timer);
    woken.cancel();
  }
}

/** Lag from the committed offset, and from the applied offset a member reported beyond it. */
export function lagOf(partition: number, committed: number | undefined, log: PartitionLog, applied?: number): PartitionLag {
  const high = log.high;
  if (committed === undefined) return { partition, committed: -1, high, lag: high - log.low, applied: -1, appliedLag: high - log.low };
  const a = Math.max(committed, applied ?? committed);
  return { partition, committed, high, lag: Math.max(0, high - committed), applied: a, appliedLag: Math.max(0, high - a) };
}
