/**
 * The merger of a store group's aggregation: it reads the partials topic (one partition, so
 * every store's partials are in one order), keeps per rule how far each input partition is
 * closed and the partial accumulators of windows not yet closed everywhere, and once every
 * input partition is closed through a window merges its partials in partition order and
 * publishes the outputs to the aggregates topic, stamped with the window's end.
 *
 * Every store runs a merger; the one whose aggregator holds the first input partition is
 * activated and merges, the others wait (who merges follows the aggregation group's assignment,
 * so no second group has to agree on it). Exactly once: a partial for a window a partition was
 * already closed through is a repeat (a partition aggregated again after a crash or a
 * rebalance) and is dropped, so no window is counted twice; every `checkpoint_interval_ms`,
 * once the outputs are acknowledged, the state is checkpointed with the partials offset it
 * covers. A merger activated without that checkpoint (the merging moved to another store)
 * reads the partials topic from its start and publishes the same outputs again, which the
 * stores keep once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HistogramValue } from '../../schemas/index.js';
import type { Bus, ConsumedBatch, Consumer } from '../bus/bus.js';
import { BusSampleSink } from '../publish/index.js';
import { writeCheckpoint } from './checkpoint.js';
import { compileRule } from './compiled-rule.js';
import type { AggregationRuleConfig } from './config.js';
import { readMergeCheckpoint, serializeMergeCheckpoint, type MergeCheckpoint } from './merge-checkpoint.js';
import { MergedRule, type MergedOutput } from './merged-rule.js';
import type { AggregationMetrics } from './metrics.js';
import { decodePartialRecord, type PartialRecord } from './partial-record.js';
import { RuleState } from './rule-state.js';

/** Bound on partial records handed over by the aggregator of this process and not yet reached. */
const MAX_HANDED_OVER = 4096;

export interface MergerLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PartialMergerSettings {
  readonly bus: Bus;
  readonly partialsTopic: string;
  readonly aggregatesTopic: string;
  /** Input partitions (of the samples topic): a window is emitted once all of them are closed through it. */
  readonly inputPartitions: number;
  /** This merger's own consumer group on the partials topic (one member: it reads from its checkpoint, not from committed offsets). */
  readonly group: string;
  readonly checkpointFile: string;
  readonly checkpointIntervalMs: number;
  readonly rules: readonly AggregationRuleConfig[];
  readonly logger: MergerLogger;
  readonly onFailed?: (err: Error) => void;
  /** The aggregation's metrics: windows closed, output samples and errors are counted here. */
  readonly metrics?: AggregationMetrics;
}

export interface PartialMergerStatus {
  readonly merging: boolean;
  /** Per rule id: the newest emitted window end and the input partitions' closed-through points. */
  readonly rules: ReadonlyMap<string, { readonly closedThroughMs: number | null; readonly outputSeries: number; readonly outputSamples: number; readonly partitionsBehind: number }>;
  /** Partial records taken since start: decoded from the topic, or as this process's aggregator handed them over. */
  readonly partials: { readonly decoded: number; readonly handedOver: number };
}

export class PartialMerger {
  private rules = new Map<string, MergedRule>();
  private configs: readonly AggregationRuleConfig[];
  /** Next offset of the partials partition not yet taken; undefined while this merger is not active. */
  private position: number | undefined;
  private active = false;
  private consumer: Consumer | undefined;
  private sink: BusSampleSink | undefined;
  private chain: Promise<void> = Promise.resolve();
  private unsent: MergedOutput[] = [];
  private dirty = false;
  private lastBatch: ConsumedBatch | undefined;
  /**
   * Partial records the aggregator of this process published, by offset: taken as they are
   * instead of decoded from the topic (a store holding every partition merges without reading
   * its own partials back). Each is taken once: merging modifies its accumulators.
   */
  private readonly handedOver = new Map<number, PartialRecord>();
  private readonly taken = { decoded: 0, handedOver: 0 };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly s: PartialMergerSettings) {
    this.configs = s.rules;
  }

  private fresh(): Map<string, MergedRule> {
    return new Map(this.configs.map((c, i) => {
      const r = compileRule(c, i);
      return [r.id, new MergedRule(new RuleState(r))];
    }));
  }

  /** New rules (a reload): a rule whose text is unchanged keeps its state. */
  async applyRules(rules: readonly AggregationRuleConfig[]): Promise<void> {
    await this.serialized(async () => {
      this.configs = rules;
      const next = this.fresh();
      for (const [id, r] of this.rules) if (next.has(id)) next.set(id, r);
      this.rules = next;
      this.dirty = true;
    });
  }

  async start(): Promise<void> {
    const { bus } = this.s;
    mkdirSync(dirname(this.s.checkpointFile), { recursive: true });
    await bus.ensureTopic(this.s.partialsTopic, 1);
    const aggPartitions = await bus.ensureTopic(this.s.aggregatesTopic, this.s.inputPartitions);
    this.sink = new BusSampleSink({ bus, topic: this.s.aggregatesTopic, partitions: aggPartitions, source: 'aggregation' });
    this.consumer = await bus.consume(
      { group: this.s.group, topic: this.s.partialsTopic, fromBeginning: true, onFailed: (err) => this.s.onFailed?.(err) },
      (batch) => this.onBatch(batch),
    );
    if (this.active) await this.activate(true);
    this.timer = setInterval(() => {
      void this.serialized(async () => {
        await this.publish();
        await this.checkpoint();
      }).catch((err: unknown) => {
        this.s.metrics?.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'merge' });
        this.s.logger.error({ err }, 'aggregation merger: publishing or checkpointing failed; retried');
      });
    }, this.s.checkpointIntervalMs);
    this.timer.unref();
    await this.consumer.ready;
  }

  /**
   * This store now merges (its aggregator took the first input partition): the state is
   * restored from this store's checkpoint (or is empty) and the partials read from its offset.
   */
  async activate(again = false): Promise<void> {
    if (this.active && !again) return;
    this.active = true;
    const c = this.consumer;
    if (c === undefined) return; // start() activates once its consumer runs
    await this.serialized(async () => {
      if (!this.active || this.stopped) return;
      await c.ready;
      const saved = readMergeCheckpoint(this.s.checkpointFile);
      this.restore(saved);
      const low = (await this.s.bus.offsets(this.s.partialsTopic)).find((o) => o.partition === 0)?.low ?? 0;
      this.position = Math.max(saved?.offset ?? low, low);
      await c.seek(0, { offset: this.position });
      this.s.logger.info({ offset: this.position, restored: saved !== undefined }, 'aggregation merger holds the partials');
    });
  }

  /**
   * Partial records this process's aggregator published (acknowledged by the bus, at these
   * offsets of the partials topic). While this merger merges, it takes them from here when its
   * consumer reaches their offsets, instead of decoding them.
   */
  handOver(published: readonly { readonly offset: number; readonly record: PartialRecord }[]): void {
    const from = this.position;
    if (from === undefined || this.stopped) return;
    // Bounded: a merger far behind its partials decodes them from the topic.
    if (this.handedOver.size >= MAX_HANDED_OVER) return;
    for (const p of published) if (p.offset >= from) this.handedOver.set(p.offset, p.record);
  }

  /** Another store merges now: the state goes (this store's checkpoint stays for its next turn). */
  async deactivate(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    await this.serialized(async () => {
      if (this.active) return;
      this.position = undefined;
      this.handedOver.clear();
      this.rules = this.fresh();
      this.unsent = [];
      this.lastBatch = undefined;
    });
  }

  private restore(saved: MergeCheckpoint | undefined): void {
    this.handedOver.clear();
    this.rules = this.fresh();
    this.unsent = [];
    if (saved === undefined) return;
    for (const [id, r] of this.rules) {
      const doc = saved.rules.get(id);
      if (doc === undefined) continue;
      r.state.closedThrough = doc.closedThrough;
      for (const t of doc.totals) r.state.totals.set(r.state.rule.group.keyOfGroup(t.labels), { labels: t.labels, value: t.value });
      for (const [p, t] of doc.progress) r.progress.set(p, t);
      for (const [w, parts] of doc.pending) r.pending.set(w, new Map(parts));
    }
  }

  private async onBatch(batch: ConsumedBatch): Promise<void> {
    if (batch.partition !== 0) return;
    await this.serialized(async () => {
      // Not active, or a batch fetched before the seek to the checkpoint's offset (the seek delivers it again).
      if (this.position === undefined || this.stopped || (batch.records[0]?.offset ?? 0) > this.position) return;
      for (const r of batch.records) {
        if (r.offset < this.position) continue;
        let rec = this.handedOver.get(r.offset);
        if (rec !== undefined) {
          this.handedOver.delete(r.offset);
          this.taken.handedOver++;
        } else {
          try {
            rec = decodePartialRecord(r.value);
            this.taken.decoded++;
          } catch (err) {
            this.s.metrics?.errors.inc({ type: 'decode', stage: 'merge' });
            this.s.logger.error({ err, offset: r.offset }, 'aggregation merger: a partial record cannot be read; passed over');
            this.position = r.offset + 1;
            continue;
          }
        }
        for (const p of rec.rules) {
          // A rule not (or no longer) configured here: its partials are passed over.
          if (this.rules.get(p.rule)?.take(rec.partition, p.closedThrough, p.windows) === true) this.dirty = true;
        }
        this.position = r.offset + 1;
      }
      this.lastBatch = batch;
      // Records handed over for offsets passed otherwise (a seek) are not needed any more.
      for (const o of this.handedOver.keys()) if (o < this.position) this.handedOver.delete(o);
      for (const r of this.rules.values()) {
        const before = this.unsent.length;
        const closed = r.closeDue(this.s.inputPartitions, this.unsent);
        if (closed === 0) continue;
        this.dirty = true;
        const rule = { rule: r.state.rule.name };
        this.s.metrics?.windowsClosed.inc(rule, closed);
        if (this.unsent.length > before) this.s.metrics?.outputSamples.inc(rule, this.unsent.length - before);
      }
      await this.publish();
    });
  }

  private async publish(): Promise<void> {
    if (this.unsent.length === 0 || this.sink === undefined) return;
    const appender = this.sink.appender();
    for (const o of this.unsent) {
      // Native-histogram outputs (`last` of histogram series) carry their histogram.
      const h = (o as { histogram?: HistogramValue }).histogram;
      if (h !== undefined && appender.appendHistogram !== undefined) appender.appendHistogram(o.labels, o.ts, h);
      else appender.append(o.labels, o.ts, o.value);
    }
    await appender.commit();
    this.unsent = [];
  }

  /** The merge state and the partials offset it covers, once every output before it is acknowledged. */
  private async checkpoint(): Promise<void> {
    if (!this.dirty || this.unsent.length > 0 || this.position === undefined) return;
    const text = serializeMergeCheckpoint(this.rules, this.position, Date.now());
    this.dirty = false;
    try {
      writeCheckpoint(this.s.checkpointFile, text);
    } catch (err) {
      this.dirty = true;
      throw err;
    }
    const b = this.lastBatch;
    const end = b?.records[b.records.length - 1]?.offset;
    if (b !== undefined && end !== undefined) await b.commit(Math.min(this.position, end + 1)).catch(() => undefined);
  }

  status(): PartialMergerStatus {
    const rules = new Map<string, { closedThroughMs: number | null; outputSeries: number; outputSamples: number; partitionsBehind: number }>();
    for (const [id, r] of this.rules) {
      let max = Number.NEGATIVE_INFINITY;
      for (const t of r.progress.values()) max = Math.max(max, t);
      let behind = 0;
      for (let p = 0; p < this.s.inputPartitions; p++) if ((r.progress.get(p) ?? Number.NEGATIVE_INFINITY) < max || !r.progress.has(p)) behind++;
      rules.set(id, {
        closedThroughMs: Number.isFinite(r.state.closedThrough) ? r.state.closedThrough : null,
        outputSeries: r.state.outputSeries, outputSamples: r.state.counters.outputSamples, partitionsBehind: behind,
      });
    }
    return { merging: this.active && this.position !== undefined, rules, partials: { ...this.taken } };
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.timer);
    try {
      await this.serialized(async () => {
        await this.publish();
        await this.checkpoint();
      });
    } catch (err) {
      this.s.logger.error({ err }, 'aggregation merger: final checkpoint failed');
    }
    this.stopped = true;
    await this.consumer?.stop();
  }
}
