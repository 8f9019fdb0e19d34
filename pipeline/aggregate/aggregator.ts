/**
 * The streaming aggregator: a consumer (its own group) of the samples topic that runs the
 * `aggregates` rules on event time. Each partition's records are applied in log order to
 * per-partition state; a window closes once the watermark over every input partition (producer
 * promises, see pipeline/alert/rules/watermark.ts) is `allowed_lateness` past its end; the
 * partitions' partial states are then merged in partition order and the outputs published to
 * the aggregates topic, stamped with the window's end. Samples for a closed window are late:
 * counted and dropped.
 *
 * Exactly once: every `checkpoint_interval_ms`, once the outputs of the closed windows are
 * acknowledged, the state of every rule is checkpointed together with the offsets it covers; on start the checkpoint is restored and
 * each partition read from its offset. Outputs sent again after a crash are the same samples
 * (the merge does not depend on arrival order), which the stores keep once.
 *
 * Every window needs every partition: one aggregator must hold all partitions of the samples
 * topic (as one `tidemark rules` member does); while it holds fewer, windows stay open. With
 * `partials`, every store of a group aggregates the partitions it holds instead: each partition
 * has its own rule states, checkpointed with its offset in a file of its own, and is closed on
 * its own watermark; what a partition closes is published to the partials topic, where a
 * PartialMerger merges the partitions and emits the outputs.
 *
 * Beside a store worker of the samples topic (`leader`), the aggregator follows it: it takes the
 * records the store decodes (`follow`) and its own consumer, on a partition where the store is at
 * or behind the aggregator's position, waits for the store to hand those records over instead of
 * decoding them a second time. Where the store is ahead (an older checkpoint) or does not read a
 * partition, the aggregator reads for itself. Positions decide what is applied, so a record is
 * applied once whichever reader brought it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Registry } from 'prom-client';
import { canonicalLabels, decodeSamplesTopicRecord, encodeDeadLetter, encodeSampleBatch, LabelSectionMemo, type HistogramValue, type Labels, type SamplesTopicRecord, type SeriesSamples } from '../../schemas/index.js';
import { BatchSeriesCursor, type FloatColumns } from '../../schemas/float-columns.js';
import type { Bus, BusRecord, ConsumedBatch, Consumer, ProduceRecord } from '../bus/bus.js';
import type { DecodedRecord } from '../bus/dead-letter.js';
import type { DecodedRecordFollower, DecodedRecordLeader } from '../bus/record-follower.js';
import { Watermark } from '../alert/rules/watermark.js';
import { BusSampleSink } from '../publish/index.js';
import { readCheckpoint, restoreRuleState, serializeCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { CheckpointSeriesTable } from './checkpoint-series-table.js';
import { compileRule, type CompiledRule } from './compiled-rule.js';
import { aggregationConfigSchema, type AggregationConfig, type AggregationRuleConfig } from './config.js';
import { AggregationMetrics } from './metrics.js';
import { RecordHints, type RecordLayout, type RuleBinding } from './record-hints.js';
import { encodePartialRecord, type PartialRecord, type PartialWindow, type RulePartial } from './partial-record.js';
import { RuleMatchIndex } from './rule-match-index.js';
import { RuleState } from './rule-state.js';
import type { OutputSample } from './window-accumulator.js';

/** A record of float columns holds no staleness markers. */
const NO_STALE: readonly number[] = [];

export interface AggregatorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AggregatorSettings {
  readonly bus: Bus;
  readonly samplesTopic: string;
  readonly aggregatesTopic: string;
  /** Consumer group on the samples topic. */
  readonly group: string;
  /** Where the checkpoint lives (its directory is created). */
  readonly checkpointFile: string;
  readonly config?: Partial<AggregationConfig>;
  readonly rules: readonly AggregationRuleConfig[];
  readonly registry?: Registry;
  readonly logger?: AggregatorLogger;
  readonly now?: () => number;
  /** Told when the consumer failed for good (it could not rejoin its group). */
  readonly onFailed?: (err: Error) => void;
  /** Where late samples go with `late_samples: dead_letter`. */
  readonly deadLetterTopic?: string;
  /** The store worker of the samples topic in this process, whose decoded records the aggregator follows. */
  readonly leader?: DecodedRecordLeader;
  /**
   * Aggregate only the partitions this member holds and publish their partial states to this
   * topic (partition 0), for a PartialMerger. Each partition's state is checkpointed in
   * `partition-<p>.json` beside `checkpointFile`.
   */
  readonly partials?: {
    readonly topic: string;
    /**
     * Told each partial record once the bus acknowledged it, with its offset: a merger in this
     * process takes the record as it is instead of decoding it again from the topic.
     */
    readonly onPublished?: (published: readonly PublishedPartial[]) => void;
  };
  /** Told the partitions this member holds after every change (a merger merges while the first one is here). */
  readonly onPartitions?: (held: readonly number[]) => void;
}

/** A partial record as published to the partials topic, at `offset` of its partition 0. */
export interface PublishedPartial {
  readonly offset: number;
  readonly record: PartialRecord;
}

interface LateSample { readonly rule: string; readonly labels: Labels; readonly t: number; readonly v: number; readonly h?: HistogramValue }

/** What `/api/v1/status/aggregates` shows. */
export interface AggregatorStatus {
  readonly rules: {
    readonly name: string;
    readonly match: string | readonly string[];
    readonly interval: string;
    readonly outputs: readonly string[];
    readonly inputSeries: number;
    readonly outputSeries: number;
    readonly samples: number;
    readonly lateSamples: number;
    readonly outOfOrderSamples: number;
    readonly outputSamples: number;
    /** End of the newest closed window (ms), or null. */
    readonly closedThroughMs: number | null;
  }[];
  readonly watermarkMs: number | null;
  readonly partitions: number[];
  readonly partitionsMissing: number;
  readonly lagRecords: number;
  /**
   * The last checkpoint: when, its size, how long it took to serialize and write (the event loop
   * waits meanwhile; fsync included), the process' CPU time in that span, and the offsets it covers.
   */
  readonly lastCheckpoint: { readonly atMs: number; readonly bytes: number; readonly durationMs: number; readonly cpuMs: number; readonly offsets: Record<string, number> } | null;
  /** Stores aggregating their own partitions: whether this store's merger holds the partials and emits the outputs. */
  readonly merging?: boolean;
}


const quiet: AggregatorLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
/**
 * How far (in records) the store may be ahead of this aggregator and still wait for it to catch
 * up before handing its records over: the start-up race between the two consumers. Further
 * ahead (a checkpoint older than the shard) the store goes on and the aggregator reads for itself.
 */
const MAX_STORE_LEAD_RECORDS = 256;

/** A record's decoded value, or undefined when it could not be decoded. */
type ValueOf = (record: BusRecord) => SamplesTopicRecord | undefined;

export class Aggregator implements DecodedRecordFollower<SamplesTopicRecord> {
  readonly metrics: AggregationMetrics;
  private config: AggregationConfig;
  /** The rules' states; with `partials`, templates holding the rules and their counts (the states are per partition). */
  private states: RuleState[] = [];
  /** With `partials`: per held partition, its rule states (in the order of `states`) and its event-time clock. */
  private readonly byPartition = new Map<number, RuleState[]>();
  private readonly clocks = new Map<number, Watermark>();
  /** With `partials`: partial records not yet acknowledged (sent first next time; no checkpoint meanwhile). */
  private unsentPartials: ProduceRecord[] = [];
  /** The records `unsentPartials` encode, in the same order (for `partials.onPublished`). */
  private unsentPartialRecords: PartialRecord[] = [];
  /** Which rules a series feeds (built from `states` at first use; a reload lets it go). */
  private ruleIndex: RuleMatchIndex | undefined;
  private readonly hints = new RecordHints();
  /**
   * Label sections of the records this aggregator decodes itself, as the store keeps them: a
   * section seen again gives the same labels objects, so a record layout's positions compare by
   * identity and no labels are built again.
   */
  private readonly labelSections = new LabelSectionMemo();
  /** Late samples of the record being applied, when they are routed to the dead-letter topic. */
  private late: LateSample[] = [];
  /** Per partition: the next offset whose record is not yet applied. */
  private readonly offsets = new Map<number, number>();
  private readonly lastBatch = new Map<number, ConsumedBatch>();
  private readonly highWatermarks = new Map<number, number>();
  /** Partitions this aggregator's consumer holds (and has sought to its positions): the ones it follows the store on. */
  private readonly held = new Set<number>();
  /**
   * Partitions whose own fetching is paused because the store hands their records over: fetched
   * here too, each record was read from the log (and decompressed) only to be passed over.
   */
  private readonly handedOver = new Set<number>();
  /** Per partition, the first offset of a store batch waiting in `follow` for this aggregator to reach it. */
  private readonly storeWaitsAt = new Map<number, number>();
  /** Batches (either reader's) waiting, per partition, for the other reader. */
  private readonly waiting = new Map<number, (() => void)[]>();
  private readonly watermark: Watermark;
  private readonly now: () => number;
  private readonly log: AggregatorLogger;
  private restored: Checkpoint | undefined;
  /** Per checkpoint file, the series table of its last checkpoint (the next one starts from it). */
  private readonly seriesTables = new Map<string, CheckpointSeriesTable>();
  private consumer: Consumer | undefined;
  private consumerReady: Promise<Consumer>;
  private resolveConsumer!: (c: Consumer) => void;
  private sink: BusSampleSink | undefined;
  private partitionCount = 0;
  private chain: Promise<void> = Promise.resolve();
  private closeQueued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastCheckpoint: AggregatorStatus['lastCheckpoint'] = null;
  /** Outputs of closed windows the bus has not acknowledged yet: sent first next time; no checkpoint meanwhile. */
  private unsent: OutputSample[] = [];
  /** The timestamp (its window's end) of each output in `unsent`. */
  private unsentTs: number[] = [];
  private dirty = false;
  private started = false;
  private stopped = false;
  private isReady = false;
  /** Whether this aggregator's consumer has joined its group (the store waits for it to, see `follow`). */
  private joinState: 'joining' | 'joined' | 'gone' = 'joining';

  constructor(private readonly s: AggregatorSettings) {
    this.config = aggregationConfigSchema.parse(s.config ?? {});
    this.metrics = new AggregationMetrics(s.registry ?? new Registry());
    this.now = s.now ?? Date.now;
    this.log = s.logger ?? quiet;
    this.watermark = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: this.config.idle_timeout_ms });
    this.consumerReady = new Promise((r) => (this.resolveConsumer = r));
    this.states = s.rules.map((r, i) => new RuleState(compileRule(r, i)));
  }

  /** The rules in force (compiled). */
  rules(): readonly CompiledRule[] {
    return this.states.map((s) => s.rule);
  }

  /**
   * Replaces the rules (a reload). A rule whose text is unchanged keeps its state; a new or
   * changed one starts with the records read from now on.
   */
  async applyRules(rules: readonly AggregationRuleConfig[], config?: Partial<AggregationConfig>): Promise<void> {
    const compiled = rules.map((r, i) => compileRule(r, i));
    await this.serialized(async () => {
      this.states = carryStates(this.states, compiled);
      for (const [p, states] of this.byPartition) this.byPartition.set(p, carryStates(states, compiled));
      if (config !== undefined) {
        this.config = aggregationConfigSchema.parse(config);
        this.watermark.configure({ allowedLatenessMs: 0, idleTimeoutMs: this.config.idle_timeout_ms });
      }
      this.ruleIndex = undefined;
      this.hints.clear();
      this.dirty = true;
    });
  }

  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    const { bus } = this.s;
    mkdirSync(dirname(this.s.checkpointFile), { recursive: true });
    // With partials, each partition's checkpoint is read as the partition is assigned.
    this.restored = this.s.partials === undefined ? readCheckpoint(this.s.checkpointFile) : undefined;
    if (this.restored !== undefined) {
      const saved = this.restored;
      this.states = this.states.map((st) => restoreRuleState(st.rule, saved.rules.get(st.rule.id), saved.series));
      this.hints.clear();
      for (const [p, o] of saved.offsets) this.offsets.set(p, o);
      this.lastCheckpoint = { atMs: saved.savedAtMs, bytes: 0, durationMs: 0, cpuMs: 0, offsets: Object.fromEntries(saved.offsets) };
      this.log.info({ offsets: Object.fromEntries(saved.offsets), rules: saved.rules.size }, 'aggregation checkpoint restored');
    }
    this.partitionCount = await bus.ensureTopic(this.s.samplesTopic, 1);
    const aggPartitions = await bus.ensureTopic(this.s.aggregatesTopic, this.partitionCount);
    this.sink = new BusSampleSink({ bus, topic: this.s.aggregatesTopic, partitions: aggPartitions, source: 'aggregation' });
    const consumer = await bus.consume(
      {
        group: this.s.group, topic: this.s.samplesTopic, fromBeginning: true,
        onAssigned: async (ps) => {
          const c = await this.consumerReady;
          this.watermark.assign(ps, this.now());
          if (this.s.partials !== undefined) for (const p of ps) this.takePartition(p);
          // Without a checkpointed position a partition is read from its earliest record: that
          // offset is the position (the store's records are taken from there on). Without rules
          // it starts at the partition's end: every record before it would only be read back,
          // decompressed and passed over (see apply), the whole log after a crash before the
          // first checkpoint, on the thread that opens the store's shards.
          const noRules = this.states.length === 0;
          const ends = noRules || ps.some((p) => !this.offsets.has(p)) ? await bus.offsets(this.s.samplesTopic) : [];
          for (const p of ps) {
            const end = ends.find((o) => o.partition === p);
            if (noRules && end !== undefined && (this.offsets.get(p) ?? -1) < end.high) {
              this.offsets.set(p, end.high);
              this.dirty = true;
            }
            if (!this.offsets.has(p)) this.offsets.set(p, end?.low ?? 0);
            // A pause of an earlier holding stays with the embedded bus's consumer: fetching starts afresh.
            if (this.handedOver.delete(p)) c.resume([p]);
            await c.seek(p, { offset: this.offsets.get(p)! });
            this.held.add(p);
            this.wake(p);
          }
          this.s.onPartitions?.([...this.held]);
        },
        onRevoked: (ps) => {
          for (const p of ps) {
            this.held.delete(p);
            if (this.handedOver.delete(p)) this.consumer?.resume([p]);
            this.wake(p);
          }
          this.watermark.revoke(ps);
          for (const p of ps) this.lastBatch.delete(p);
          if (this.s.partials !== undefined) for (const p of ps) this.letGo(p);
          this.s.onPartitions?.([...this.held]);
        },
        onFailed: (err) => {
          this.isReady = false;
          this.joinState = 'gone';
          this.held.clear();
          this.handedOver.clear();
          this.wakeAll();
          this.s.onPartitions?.([]);
          this.s.onFailed?.(err);
        },
      },
      (batch) => this.onBatch(batch),
    );
    this.consumer = consumer;
    this.resolveConsumer(consumer);
    const tickMs = Math.min(1000, this.config.checkpoint_interval_ms);
    let sinceCheckpoint = 0;
    this.timer = setInterval(() => {
      sinceCheckpoint += tickMs;
      this.resumeWhereNotHandedOver();
      void this.closeDue();
      if (sinceCheckpoint >= this.config.checkpoint_interval_ms) {
        sinceCheckpoint = 0;
        void this.serialized(() => this.checkpoint()).catch(() => undefined);
      }
    }, tickMs);
    this.timer.unref();
    try {
      await consumer.ready;
      if (this.joinState === 'joining') this.joinState = 'joined';
    } catch (err) {
      this.joinState = 'gone';
      throw err;
    } finally {
      this.wakeAll();
    }
    this.isReady = true;
  }

  ready(): boolean {
    return this.isReady && !this.stopped;
  }

  private get routeLateSamples(): boolean {
    return this.config.late_samples === 'dead_letter' && this.s.deadLetterTopic !== undefined;
  }

  /** Per partition, the next offset not yet applied. */
  positions(): ReadonlyMap<number, number> {
    return this.offsets;
  }

  private partitionFile(p: number): string {
    return join(dirname(this.s.checkpointFile), `partition-${p}.json`);
  }

  /**
   * With `partials`: a partition newly held starts from its checkpoint in this store (its state
   * and the offset it covers), or from its earliest record. Either way its state is a function of
   * the partition's records up to its position, so windows it closes again repeat what an earlier
   * holder published, and the merger drops them.
   */
  private takePartition(p: number): void {
    const saved = readCheckpoint(this.partitionFile(p));
    const offset = saved?.offsets.get(p);
    if (saved !== undefined && offset !== undefined) {
      this.byPartition.set(p, this.states.map((st) => restoreRuleState(st.rule, saved.rules.get(st.rule.id), saved.series)));
      this.offsets.set(p, offset);
      this.log.info({ partition: p, offset }, 'aggregation checkpoint restored');
    } else {
      this.byPartition.set(p, this.states.map((st) => new RuleState(st.rule)));
      this.offsets.delete(p);
    }
    const clock = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: this.config.idle_timeout_ms });
    clock.assign([p], this.now());
    this.clocks.set(p, clock);
    this.hints.clear();
  }

  /** With `partials`: a partition let go takes its state with it (its next holder starts from its own checkpoint). */
  private letGo(p: number): void {
    const states = this.byPartition.get(p);
    const o = this.offsets.get(p);
    // Checkpointed on the way out, so taking it back resumes here; not while partials are unacknowledged.
    if (states !== undefined && o !== undefined && this.unsentPartials.length === 0) {
      try {
        writeCheckpoint(this.partitionFile(p), serializeCheckpoint(states, new Map([[p, o]]), this.now()));
      } catch (err) {
        this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'checkpoint' });
        this.log.error({ err, partition: p }, 'aggregation: checkpoint of a partition let go failed; its next holder here reads it again from an older one');
      }
    }
    this.byPartition.delete(p);
    this.seriesTables.delete(this.partitionFile(p));
    this.clocks.delete(p);
    this.offsets.delete(p);
    this.highWatermarks.delete(p);
    this.hints.clear();
  }

  /** The rule states a partition's samples go to. */
  private statesOf(p: number): readonly RuleState[] {
    return this.s.partials === undefined ? this.states : this.byPartition.get(p) ?? [];
  }

  /** Every state of rule `i` (one, or one per held partition). */
  private statesOfRule(i: number): RuleState[] {
    if (this.s.partials === undefined) return [this.states[i]!];
    const out: RuleState[] = [];
    for (const states of this.byPartition.values()) if (states[i] !== undefined) out.push(states[i]!);
    return out;
  }

  /** A batch of the aggregator's own consumer. */
  private async onBatch(batch: ConsumedBatch): Promise<void> {
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined && this.states.length > 0) await this.untilLeaderPassed(batch.partition, last.offset);
    if (this.stopped) return;
    this.lastBatch.set(batch.partition, batch);
    let decodedHere = 0;
    await this.apply(batch, (r) => {
      decodedHere++;
      try {
        return decodeSamplesTopicRecord(r.value, this.labelSections);
      } catch {
        return undefined;
      }
    });
    if (decodedHere > 0) this.metrics.records.inc({ decoded_by: 'aggregator' }, decodedHere);
  }

  /**
   * Records the store worker applied, decoded by it (the leader's side of following). Never
   * throws: a failure here must not fail the store's batch (it is counted and logged).
   */
  async follow(batch: ConsumedBatch, decoded: readonly DecodedRecord<SamplesTopicRecord>[]): Promise<void> {
    const p = batch.partition;
    const first = batch.records[0]?.offset;
    try {
      // Without rules nothing is decoded: the own consumer moves the positions, the store need not wait.
      if (first === undefined || this.states.length === 0) return;
      // A store a little ahead of this aggregator waits while our own consumer reads up to its
      // records (then hands them over); far ahead, it goes on alone and we read for ourselves.
      for (;;) {
        if (this.stopped || this.joinState === 'gone') return;
        if (this.joinState === 'joining') {
          // Not yet knowing its partitions, the aggregator would miss what the store hands over now.
          await this.changed(p);
          continue;
        }
        const pos = this.offsets.get(p);
        if (!this.held.has(p) || pos === undefined || first - pos > MAX_STORE_LEAD_RECORDS) {
          // The store goes on alone: this aggregator reads the partition for itself.
          this.fetchAgain(p);
          return;
        }
        if (pos >= first) break;
        // The records up to the store's batch come from our own consumer.
        this.fetchAgain(p);
        this.storeWaitsAt.set(p, first);
        try {
          await this.changed(p);
        } finally {
          this.storeWaitsAt.delete(p);
        }
      }
      let j = 0;
      let taken = 0;
      await this.apply(batch, (r) => {
        while (j < decoded.length && decoded[j]!.record.offset < r.offset) j++;
        const d = decoded[j];
        if (d === undefined || d.record.offset !== r.offset) return undefined;
        taken++;
        return d.value;
      }, false);
      if (taken > 0) this.metrics.records.inc({ decoded_by: 'store' }, taken);
      // The store hands this partition's records over: our own consumer stops reading them, until
      // the store stops handing over (it lets the partition go, stops, or runs ahead).
      if (taken > 0 && !this.handedOver.has(p) && this.held.has(p) && this.s.leader?.position(p) !== undefined && this.offsets.get(p) === batch.records[batch.records.length - 1]!.offset + 1) {
        this.handedOver.add(p);
        this.consumer?.pause([p]);
      }
    } catch (err) {
      this.fetchAgain(p);
      this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'follow' });
      this.log.error({ err, partition: p }, 'aggregation: applying the store\'s records failed; the aggregator reads them itself');
    } finally {
      this.wake(p);
    }
  }

  /** The store joined, or took up or let go of partitions: waiting batches look at its positions again. */
  leaderChanged(): void {
    // Our own consumer reads again wherever the store may no longer hand records over; `follow`
    // pauses it again at the store's next batch.
    for (const p of [...this.handedOver]) this.fetchAgain(p);
    this.wakeAll();
  }

  /**
   * Our own consumer reads partition `p` again, from this aggregator's position (not from where
   * it was paused: the store's records in between are applied).
   */
  private fetchAgain(p: number): void {
    if (!this.handedOver.delete(p)) return;
    const c = this.consumer;
    if (c === undefined) return;
    c.resume([p]);
    const offset = this.offsets.get(p);
    if (offset === undefined || !this.held.has(p)) return;
    c.seek(p, { offset }).catch((err: unknown) => {
      // Revoked meanwhile: the next holder seeks to its own position.
      this.log.warn({ err, partition: p }, 'aggregation: seeking the resumed partition failed; its records before our position are passed over');
    });
  }

  /** The tick's safety net: a paused partition the store does not read (any more) is read here again. */
  private resumeWhereNotHandedOver(): void {
    const leader = this.s.leader;
    for (const p of [...this.handedOver]) if (leader === undefined || !leader.settled() || leader.position(p) === undefined) this.fetchAgain(p);
  }

  /**
   * Resolves when the aggregator has applied through `end` on `partition`, or when it must read
   * the records itself: no leader, the leader does not read the partition, or is ahead of us.
   * While the leader has not joined its group yet, it waits to learn which.
   */
  private async untilLeaderPassed(p: number, end: number): Promise<void> {
    const leader = this.s.leader;
    if (leader === undefined) return;
    for (;;) {
      if (this.stopped) return;
      const pos = this.offsets.get(p) ?? -1;
      if (pos > end) return;
      if (!leader.settled()) {
        await this.changed(p);
        continue;
      }
      const lead = leader.position(p);
      // A store waiting in `follow` is at that batch (its own position moves after it).
      const at = Math.max(lead ?? -1, this.storeWaitsAt.get(p) ?? -1);
      if (lead === undefined || (at >= 0 && at > pos)) return;
      await this.changed(p);
    }
  }

  /** Resolves at the next change of the partition's position or of who reads it. */
  private changed(p: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let w = this.waiting.get(p);
      if (w === undefined) this.waiting.set(p, (w = []));
      w.push(resolve);
    });
  }

  private wakeAll(): void {
    for (const p of [...this.waiting.keys()]) this.wake(p);
  }

  private wake(p: number): void {
    const w = this.waiting.get(p);
    if (w === undefined) return;
    this.waiting.delete(p);
    for (const resolve of w) resolve();
  }

  /**
   * Applies a batch's records from this aggregator's position on (either reader's batch). With
   * `awaitClose`, resolves once the windows it closed are published (the store's batches do not
   * wait for that).
   */
  private async apply(batch: ConsumedBatch, valueOf: ValueOf, awaitClose = true): Promise<void> {
    if (this.stopped) return;
    const p = batch.partition;
    // With partials, only a held partition has state (a store batch of another is not ours).
    if (this.s.partials !== undefined && !this.held.has(p)) return;
    const clock = this.clocks.get(p) ?? this.watermark;
    const from = this.offsets.get(p) ?? -1;
    if (this.states.length === 0) {
      // Without rules nothing is kept: the records are passed over undecoded (a rule loaded by a
      // reload starts from the records after it).
      const last = batch.records[batch.records.length - 1];
      if (last !== undefined && last.offset >= from) { this.offsets.set(p, last.offset + 1); this.dirty = true; this.wake(p); }
      this.highWatermarks.set(p, batch.highWatermark);
      return;
    }
    const routed: ProduceRecord[] = [];
    const now = this.now();
    let maxTs = Number.NEGATIVE_INFINITY;
    let applied = false;
    for (const r of batch.records) {
      if (r.offset < from) continue; // applied before (redelivered, or before the checkpoint)
      const rec = valueOf(r);
      if (rec === undefined) {
        // The store dead-letters it; here it only moves the position.
        this.metrics.errors.inc({ type: 'decode', stage: 'consume' });
        this.offsets.set(p, r.offset + 1);
        continue;
      }
      if (rec.kind === 'watermark') clock.promise(p, rec.watermark, now);
      else if (rec.kind === 'samples') {
        const t = this.applySamples(p, rec);
        if (t > maxTs) maxTs = t;
        if (this.late.length > 0) this.routeLate(r, routed);
      }
      this.offsets.set(p, r.offset + 1);
      applied = true;
    }
    this.highWatermarks.set(p, batch.highWatermark);
    if (Number.isFinite(maxTs)) clock.observe(p, maxTs, now);
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined) clock.readTo(p, last.offset + 1 >= batch.highWatermark);
    if (applied) this.dirty = true;
    this.wake(p);
    // Routed before the position moves on for good (the handler's batch is done after this).
    if (routed.length > 0 && this.s.deadLetterTopic !== undefined) await this.s.bus.produce(this.s.deadLetterTopic, routed);
    if (awaitClose) await this.closeDue();
    else void this.closeDue();
  }

  /** Late samples of one record as one dead letter per rule: a sample batch, with the reason. */
  private routeLate(record: BusRecord, out: ProduceRecord[]): void {
    const byRule = new Map<string, Map<Labels, SeriesSamples & { histograms: { timestamps: number[]; histograms: HistogramValue[] } }>>();
    for (const l of this.late) {
      let m = byRule.get(l.rule);
      if (m === undefined) byRule.set(l.rule, (m = new Map()));
      let s = m.get(l.labels);
      if (s === undefined) m.set(l.labels, (s = { labels: l.labels, timestamps: [], values: [], stale: [], histograms: { timestamps: [], histograms: [] } }));
      if (l.h !== undefined) {
        s.histograms.timestamps.push(l.t);
        s.histograms.histograms.push(l.h);
      } else {
        s.timestamps.push(l.t);
        s.values.push(l.v);
      }
    }
    this.late = [];
    const now = this.now();
    for (const [rule, series] of byRule) {
      out.push({
        partition: 0, timestampMs: now,
        value: encodeDeadLetter({
          topic: record.topic, partition: record.partition, offset: record.offset, group: this.s.group,
          reason: `late for aggregation rule ${JSON.stringify(rule)}: its window had closed`,
          deadLetteredAtMs: now, originalTimestampMs: record.timestampMs, originalKey: null,
          originalValue: encodeSampleBatch({ series: [...series.values()] }, 'aggregation-late'),
        }),
      });
    }
  }

  /**
   * Applies one record's samples to every rule that matches them; returns the newest timestamp
   * (of each series, its last one).
   */
  private applySamples(p: number, rec: Extract<SamplesTopicRecord, { kind: 'samples' }>): number {
    let maxTs = Number.NEGATIVE_INFINITY;
    // A record of float samples only is read as the decoder's columns, as the store reads it: a
    // series' samples are a range of the record's timestamps and values, applied in place (its
    // `series`, built on first read, would cost an object and two arrays per series).
    const cur = new BatchSeriesCursor(rec.batch);
    const count = cur.count;
    if (count === 0) return maxTs;
    const layout = this.states.length === 0 ? undefined : this.hints.layout(p, canonicalLabels(cur.labelsAt(0)));
    // After layout(): finding no room for a new layout lets go of the bindings too.
    const bindings = this.hints.bindingsOf(p);
    const routeLate = this.routeLateSamples;
    // Without late samples to route in record order, a record of float columns is applied a rule at a time.
    const columns = rec.batch.floatColumns;
    if (layout !== undefined && !routeLate && columns !== undefined) return this.applyColumns(p, columns, layout, bindings);
    let added = 0;
    for (let k = 0; k < count; k++) {
      cur.at(k);
      const { labels, timestamps: ts, values: vs, from, to, stale, histograms: hs } = cur;
      if (to > from && ts[to - 1]! > maxTs) maxTs = ts[to - 1]!;
      const hts = hs?.timestamps;
      const hn = hts === undefined ? 0 : hts.length;
      if (hn > 0 && hts![hn - 1]! > maxTs) maxTs = hts![hn - 1]!;
      if (layout === undefined) continue;
      if (!layout.usable(k, labels)) added += this.resolve(p, k, labels, layout, bindings);
      const first = layout.first[k]!;
      const end = first + layout.count[k]!;
      const rules = layout.rule;
      const rows = layout.row;
      for (let j = first; j < end; j++) {
        const b = bindings[rules[j]!]!;
        const st = b.state;
        const onLate = routeLate ? this.lateTo(st.rule.name, labels) : undefined;
        if (hn === 0) b.partition.applyRow(rows[j]!, ts, vs, from, to, stale, st, b.counters, onLate);
        else if (to === from) b.partition.applyHistograms(layout.entries[j]!, hts!, hs!.histograms, st.closedThrough, b.counters, onLate);
        else b.partition.applyMixed(layout.entries[j]!, ts, vs, stale, hts!, hs!.histograms, st.closedThrough, b.counters, onLate);
      }
    }
    if (added > 0) this.hints.grew(added);
    return maxTs;
  }

  /**
   * A record of float columns (applySamples): its positions are resolved where need be (all of
   * them in the first records of a layout, none after), then its samples applied a rule at a
   * time, each rule's series in one call (see PartitionState.applyRows); returns the newest
   * timestamp (of each series, its last one).
   */
  private applyColumns(p: number, columns: FloatColumns, layout: RecordLayout, bindings: (RuleBinding | undefined)[]): number {
    let maxTs = Number.NEGATIVE_INFINITY;
    const { labels, offsets, timestamps } = columns;
    if (!layout.allUsable(labels)) {
      let added = 0;
      for (let k = 0; k < labels.length; k++) if (!layout.usable(k, labels[k]!)) added += this.resolve(p, k, labels[k]!, layout, bindings);
      if (added > 0) this.hints.grew(added);
      // Resolving forgets no series: the count read now holds for every position.
      layout.checkedAll(labels);
    }
    for (let k = 0; k < labels.length; k++) {
      const to = offsets[k + 1]!;
      if (to > offsets[k]! && timestamps[to - 1]! > maxTs) maxTs = timestamps[to - 1]!;
    }
    const targets = layout.byRule();
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      const b = bindings[t.rule]!;
      b.partition.applyRows(t.rows, t.positions, t.rows.length, offsets, timestamps, columns.values, NO_STALE, b.state, b.counters);
    }
    return maxTs;
  }

  /** Where a series' late samples go for one rule (with `late_samples: dead_letter`). */
  private lateTo(rule: string, labels: Labels): (t: number, v: number, h?: HistogramValue) => void {
    return (t, v, h) => this.late.push(h === undefined ? { rule, labels, t, v } : { rule, labels, t, v, h });
  }

  /**
   * Which rules the series at position `k` of a record layout feeds on partition `p`, and its
   * entry in each (written into the layout); returns what the layout grew by.
   */
  private resolve(p: number, k: number, labels: Labels, layout: RecordLayout, bindings: (RuleBinding | undefined)[]): number {
    const idx = (this.ruleIndex ??= new RuleMatchIndex(this.states.map((s) => s.rule))).matching(labels);
    const from = layout.rule.length;
    if (idx.length === 0) return layout.resolved(k, labels, from);
    // Built once per series, shared by the rules it feeds (a series feeding none needs none).
    const key = canonicalLabels(labels);
    const states = this.statesOf(p);
    for (const i of idx) {
      let b = bindings[i];
      if (b === undefined) {
        const state = states[i];
        if (state === undefined) continue;
        bindings[i] = b = { state, partition: state.partition(p), counters: this.states[i]!.counters };
      }
      layout.target(i, b.partition.entry(key, labels));
    }
    return layout.resolved(k, labels, from);
  }

  /**
   * Closes every window the watermark has passed and publishes the outputs. The next checkpoint
   * (every `checkpoint_interval_ms`) covers them; until then a crash only replays them: the same
   * outputs again, which the stores keep once.
   */
  closeDue(): Promise<void> {
    if (this.closeQueued !== undefined) return this.closeQueued;
    const q = this.serialized(async () => {
      this.closeQueued = undefined;
      await this.closeNow();
    });
    this.closeQueued = q;
    return q.catch((err: unknown) => {
      this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'close' });
      this.log.error({ err }, 'aggregation: closing windows failed; retried at the next batch or tick');
    });
  }

  private async closeNow(): Promise<void> {
    if (this.stopped || this.sink === undefined) return;
    if (this.s.partials !== undefined) return this.closePartitionsNow(this.s.partials.topic);
    const assigned = this.consumer?.assignment().length ?? 0;
    const missing = Math.max(0, this.partitionCount - assigned);
    this.metrics.partitionsMissing.set(missing);
    if (missing > 0) return;
    const wm = this.watermark.current(this.now());
    if (!Number.isFinite(wm)) return;
    this.metrics.watermark.set(wm / 1000);
    const through = wm - this.config.allowed_lateness_ms;
    // The outputs themselves go into `unsent`, their windows' ends beside them (no object per output to carry it).
    const pending = this.unsent;
    const pendingTs = this.unsentTs;
    for (const st of this.states) {
      let w: number | undefined;
      while ((w = st.nextClosable(through)) !== undefined) {
        const out: OutputSample[] = [];
        st.close(w, out);
        for (let i = 0; i < out.length; i++) {
          pending.push(out[i]!);
          pendingTs.push(w);
        }
        this.metrics.windowsClosed.inc({ rule: st.rule.name });
        if (out.length > 0) this.metrics.outputSamples.inc({ rule: st.rule.name }, out.length);
        this.dirty = true;
      }
    }
    if (pending.length === 0) return;
    const appender = this.sink.appender();
    for (let i = 0; i < pending.length; i++) {
      const o = pending[i]!;
      if (o.histogram !== undefined) appender.appendHistogram!(o.labels, pendingTs[i]!, o.histogram);
      else appender.append(o.labels, pendingTs[i]!, o.value);
    }
    await appender.commit();
    this.unsent = [];
    this.unsentTs = [];
  }

  /**
   * With `partials`: closes each held partition's windows its own watermark has passed and
   * publishes what closed (and how far each rule is closed) to the partials topic.
   */
  private async closePartitionsNow(topic: string): Promise<void> {
    this.metrics.partitionsMissing.set(0);
    const now = this.now();
    let min = Number.POSITIVE_INFINITY;
    for (const p of [...this.held].sort((a, b) => a - b)) {
      const states = this.byPartition.get(p);
      const clock = this.clocks.get(p);
      if (states === undefined || clock === undefined) continue;
      const wm = clock.current(now);
      min = Math.min(min, wm);
      if (!Number.isFinite(wm)) continue;
      const through = wm - this.config.allowed_lateness_ms;
      const rules: RulePartial[] = [];
      for (const st of states) {
        const windows: PartialWindow[] = [];
        let w: number | undefined;
        while ((w = st.nextClosable(through)) !== undefined) windows.push({ end: w, accumulators: [...st.closePartitions(w).values()] });
        if (windows.length > 0 || st.closedThrough > (publishedThrough.get(st) ?? Number.NEGATIVE_INFINITY)) {
          rules.push({ rule: st.rule.id, closedThrough: st.closedThrough, windows });
          publishedThrough.set(st, st.closedThrough);
        }
      }
      if (rules.length > 0) {
        const record: PartialRecord = { partition: p, rules };
        this.unsentPartials.push({ partition: 0, timestampMs: now, value: encodePartialRecord(record) });
        this.unsentPartialRecords.push(record);
        this.dirty = true;
      }
    }
    if (Number.isFinite(min)) this.metrics.watermark.set(min / 1000);
    if (this.unsentPartials.length === 0) return;
    const produced = await this.s.bus.produce(topic, this.unsentPartials);
    const records = this.unsentPartialRecords;
    this.unsentPartials = [];
    this.unsentPartialRecords = [];
    const onPublished = this.s.partials?.onPublished;
    if (onPublished !== undefined && produced.length === records.length) onPublished(records.map((record, i) => ({ offset: produced[i]!.offset, record })));
  }

  /** Writes the checkpoint (state and offsets of one instant), then commits the bus up to it. */
  private async checkpoint(): Promise<void> {
    this.updateGauges();
    if (!this.dirty || this.unsent.length > 0 || this.unsentPartials.length > 0) return;
    const nowMs = this.now();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const offsets = new Map(this.offsets);
    let bytes = 0;
    this.dirty = false;
    try {
      if (this.s.partials === undefined) {
        const text = serializeCheckpoint(this.states, this.offsets, nowMs, this.seriesTableOf(this.s.checkpointFile));
        writeCheckpoint(this.s.checkpointFile, text);
        bytes = text.length;
      } else {
        // One file per partition: its next holder in this store starts from it.
        for (const [p, states] of this.byPartition) {
          const o = this.offsets.get(p);
          if (o === undefined) continue;
          const text = serializeCheckpoint(states, new Map([[p, o]]), nowMs, this.seriesTableOf(this.partitionFile(p)));
          writeCheckpoint(this.partitionFile(p), text);
          bytes += text.length;
        }
      }
    } catch (err) {
      this.dirty = true;
      this.metrics.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'checkpoint' });
      throw err;
    }
    const durationMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    this.metrics.checkpoints.inc();
    this.metrics.checkpointBytes.set(bytes);
    this.metrics.checkpointSeconds.set(durationMs / 1000);
    this.metrics.lastCheckpoint.set(nowMs / 1000);
    this.lastCheckpoint = { atMs: nowMs, bytes, durationMs, cpuMs, offsets: Object.fromEntries(offsets) };
    for (const [p, o] of offsets) {
      const b = this.lastBatch.get(p);
      const end = b?.records[b.records.length - 1]?.offset;
      // Committed only for the lag figure: the checkpoint is what a restart reads from. A batch
      // commits up to its own end at most (records the store handed over may reach further).
      if (b !== undefined && end !== undefined) await b.commit(Math.min(o, end + 1)).catch(() => undefined);
    }
  }

  private seriesTableOf(file: string): CheckpointSeriesTable {
    let t = this.seriesTables.get(file);
    if (t === undefined) this.seriesTables.set(file, (t = new CheckpointSeriesTable()));
    return t;
  }

  private updateGauges(): void {
    let lag = 0;
    for (const [p, h] of this.highWatermarks) lag += Math.max(0, h - (this.offsets.get(p) ?? 0));
    this.metrics.lag.set(lag);
    this.states.forEach((st, i) => {
      const l = { rule: st.rule.name };
      this.metrics.inputSeries.set(l, this.inputSeriesOf(i));
      if (this.s.partials === undefined) this.metrics.outputSeries.set(l, st.outputSeries);
      const c = st.counters;
      const reported = reportedCounts.get(st) ?? { samples: 0, late: 0, outOfOrder: 0 };
      if (c.applied > reported.samples) this.metrics.samples.inc(l, c.applied - reported.samples);
      if (c.late > reported.late) this.metrics.lateSamples.inc(l, c.late - reported.late);
      if (c.outOfOrder > reported.outOfOrder) this.metrics.outOfOrderSamples.inc(l, c.outOfOrder - reported.outOfOrder);
      reportedCounts.set(st, { samples: c.applied, late: c.late, outOfOrder: c.outOfOrder });
    });
  }

  private inputSeriesOf(i: number): number {
    let n = 0;
    for (const st of this.statesOfRule(i)) n += st.inputSeries();
    return n;
  }

  /** How far rule `i` is closed: with `partials`, over the partitions held here (their outputs are the merger's). */
  private closedThroughOf(i: number): number {
    let min = Number.POSITIVE_INFINITY;
    for (const st of this.statesOfRule(i)) min = Math.min(min, st.closedThrough);
    return min;
  }

  status(): AggregatorStatus {
    this.updateGauges();
    let wm = this.watermark.current(this.now());
    if (this.s.partials !== undefined) {
      wm = Number.POSITIVE_INFINITY;
      for (const c of this.clocks.values()) wm = Math.min(wm, c.current(this.now()));
    }
    let lag = 0;
    for (const [p, h] of this.highWatermarks) lag += Math.max(0, h - (this.offsets.get(p) ?? 0));
    const assigned = this.consumer?.assignment() ?? [];
    return {
      rules: this.states.map((st, i) => ({
        name: st.rule.name, match: st.rule.config.match, interval: st.rule.config.interval, outputs: st.rule.config.outputs,
        inputSeries: this.inputSeriesOf(i), outputSeries: st.outputSeries, samples: st.counters.applied, lateSamples: st.counters.late,
        outOfOrderSamples: st.counters.outOfOrder, outputSamples: st.counters.outputSamples,
        closedThroughMs: Number.isFinite(this.closedThroughOf(i)) ? this.closedThroughOf(i) : null,
      })),
      watermarkMs: Number.isFinite(wm) ? wm : null,
      partitions: [...assigned].sort((a, b) => a - b),
      // With partials no window waits for this member to hold a partition (the merger waits for the partitions' partials).
      partitionsMissing: this.s.partials !== undefined ? 0 : Math.max(0, this.partitionCount - assigned.length),
      lagRecords: lag,
      lastCheckpoint: this.lastCheckpoint,
    };
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  /** Closes what is due, checkpoints, leaves the group. Idempotent; safe without start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.timer);
    if (!this.started) {
      this.stopped = true;
      this.wakeAll();
      return;
    }
    try {
      await this.closeDue();
      await this.serialized(() => this.checkpoint());
    } catch (err) {
      this.log.error({ err }, 'aggregation: final checkpoint failed');
    }
    this.stopped = true;
    this.isReady = false;
    this.wakeAll();
    await this.consumer?.stop();
  }
}

/** Counts already added to the Prometheus counters, per rule state (the state keeps plain numbers). */
const reportedCounts = new WeakMap<RuleState, { samples: number; late: number; outOfOrder: number }>();

/** With `partials`: how far each partition's rule state has been published as closed. */
const publishedThrough = new WeakMap<RuleState, number>();

/**
 * The states for reloaded rules: a rule whose text is unchanged keeps its state (its partitions,
 * closed windows, totals and counts); a new or changed one starts empty.
 */
function carryStates(states: readonly RuleState[], compiled: readonly CompiledRule[]): RuleState[] {
  const old = new Map(states.map((s) => [s.rule.id, s]));
  return compiled.map((r) => {
    const prev = old.get(r.id);
    if (prev === undefined) return new RuleState(r);
    const carried = new RuleState(r);
    carried.closedThrough = prev.closedThrough;
    for (const [p, ps] of prev.partitions) carried.partitions.set(p, ps);
    for (const [k, t] of prev.totals) carried.totals.set(k, t);
    Object.assign(carried.counters, prev.counters);
    const reported = reportedCounts.get(prev);
    if (reported !== undefined) reportedCounts.set(carried, reported);
    const published = publishedThrough.get(prev);
    if (published !== undefined) publishedThrough.set(carried, published);
    return carried;
  });
}
