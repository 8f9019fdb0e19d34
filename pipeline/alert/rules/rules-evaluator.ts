/**
 * The `tidemark rules` role's engine: consumes the samples topic (and the aggregates topic) in its
 * own consumer group, keeps what the rules read in a window store, and evaluates every group at
 * each multiple of its interval once the event-time watermark has passed that instant. Recording
 * output and ALERTS series go to the aggregates topic, alert state changes to the alerts topic,
 * alerts to the notifier through a NotifyFunc. Offsets are committed only for records whose samples
 * the remaining evaluations no longer need, after the alert state is saved, so a restart resumes
 * exactly: the window is rebuilt from the records after the committed offsets, evaluation continues
 * after the saved instant with the saved alerts.
 */
import { BusSampleSink, WatermarkPublisher } from '../../publish/index.js';
import { canonicalLabels, decodeSamplesTopicRecord, SeriesPartitioner, type Labels, type SamplesTopicRecord } from '../../../schemas/index.js';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { HistogramValue } from '../../../schemas/index.js';
import type { BatchHandler, ConsumedBatch, Consumer } from '../../bus/bus.js';
import { withDeadLetter, type DecodedRecord } from '../../bus/dead-letter.js';
import type { QueryFunc } from '../template/index.js';
import { AlertingRule, type AlertTransition } from './alerting-rule.js';
import { alertEventOf, encodeAlertEvent } from './alert-event.js';
import { readAlertState, writeAlertState } from './alert-state-file.js';
import { RulesMetrics } from './metrics.js';
import type { NotifyAlert } from './notify-func.js';
import type { GroupOutput, RuleGroup } from './rule-group.js';
import { alignAfter, RuleSet, type RuleSetOptions, type ScheduledGroup } from './rule-set.js';
import type { RulesConfig, RulesEvaluatorSettings, RulesLogger } from './rules-settings.js';
import { Watermark } from './watermark.js';
import { WindowStore } from './window-store.js';

const quiet: RulesLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface PendingCommit { end: number; maxTs: number }

const NO_GROUPS: readonly ScheduledGroup[] = [];
/** Cap on remembered "which groups does this series wake" decisions, so churn cannot grow it without bound. */
const MAX_ARRIVAL_KEYS = 200_000;
/** `passedOver`: the end of the records read without rules, committed by the next pass-over commit. */
interface PartitionProgress { queue: PendingCommit[]; head: number; batch: ConsumedBatch | undefined; committed: number; passedOver: number }


export class RulesEvaluator {
  readonly window = new WindowStore();
  readonly metrics: RulesMetrics;
  private readonly watermark: Watermark;
  private rules = RuleSet.empty();
  private config: RulesConfig = { ruleFiles: [], evaluationIntervalMs: 60_000 };
  private readonly now: () => number;
  private readonly log: RulesLogger;
  private consumers: Consumer[] = [];
  private readonly progress = new Map<string, PartitionProgress>();
  private sink: BusSampleSink | undefined;
  /** Promises on the aggregates topic: recording output is never older than the next instant. */
  private outputWatermarks: WatermarkPublisher | undefined;
  private lastAnnounceAt = Number.NEGATIVE_INFINITY;
  private alertsPartitioner: SeriesPartitioner | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private passOverTimer: NodeJS.Timeout | undefined;
  private minEventSeen = Number.POSITIVE_INFINITY;
  private scheduledAny = false;
  private started = false;
  private isReady = false;
  private stopped = false;
  private savedRestore: Awaited<ReturnType<typeof readAlertState>>;
  private readonly arrivalResolutionMs: number;
  private readonly dropLate: boolean;
  /** Series key -> groups whose alerting rules read it (for arrival instants). */
  private arrivalGroups = new Map<string, readonly ScheduledGroup[]>();

  constructor(private readonly s: RulesEvaluatorSettings) {
    this.metrics = new RulesMetrics(s.registry);
    this.now = s.now ?? Date.now;
    this.arrivalResolutionMs = s.arrivalResolutionMs ?? 100;
    this.dropLate = s.lateSamples === 'drop';
    this.log = s.logger ?? quiet;
    this.watermark = new Watermark({ allowedLatenessMs: s.allowedLatenessMs ?? 1000, idleTimeoutMs: s.idleTimeoutMs ?? 10_000 });
  }

  /** Groups as loaded, for the API. */
  groups(): readonly RuleGroup[] {
    return this.rules.groups.map((g) => g.group);
  }

  /** The current watermark (event time, ms). */
  watermarkMs(): number {
    return this.watermark.current(this.now());
  }

  private ruleSetOptions(c: RulesConfig): RuleSetOptions {
    const templateQuery: QueryFunc = (q, t) => this.s.query(this.window, q, t);
    return {
      evaluationIntervalMs: c.evaluationIntervalMs, queryOffsetMs: c.queryOffsetMs ?? 0,
      lookbackDeltaMs: this.s.lookbackDeltaMs ?? 300_000, externalLabels: this.s.externalLabels ?? {},
      externalURL: this.s.externalURL ?? '', templateQuery,
    };
  }

  /** Loads rule files (throws RuleFileError and keeps the old rules when one is invalid). */
  async applyConfig(c: RulesConfig): Promise<void> {
    const next = await RuleSet.load(c.ruleFiles, this.ruleSetOptions(c));
    await this.serialized(async () => {
      next.inheritFrom(this.rules);
      this.rules = next;
      this.arrivalGroups = new Map();
      this.config = c;
      this.window.setSelectors(next.matchers);
    });
    if (this.started) void this.evaluateDue();
  }

  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    const bus = this.s.bus;
    const samplesPartitions = await bus.ensureTopic(this.s.samplesTopic, this.s.topicPartitions ?? 1);
    const parts = this.s.topicPartitions ?? samplesPartitions;
    const aggPartitions = await bus.ensureTopic(this.s.aggregatesTopic, parts);
    const alertPartitions = await bus.ensureTopic(this.s.alertsTopic, parts);
    this.sink = new BusSampleSink({ bus, topic: this.s.aggregatesTopic, partitions: aggPartitions, source: this.s.source ?? 'rules' });
    const pw = this.s.producerWatermarks;
    if (pw !== undefined) {
      this.outputWatermarks = new WatermarkPublisher({
        bus, topic: this.s.aggregatesTopic, partitions: aggPartitions, source: this.s.source ?? 'rules', ...pw, now: this.now,
        onError: (err) => { this.metrics.errors.inc({ type: err.name, stage: 'publish' }); this.log.warn({ err }, 'rules: output watermark not written'); },
      });
    }
    this.alertsPartitioner = new SeriesPartitioner(alertPartitions);
    if (this.s.stateFile !== undefined) {
      this.savedRestore = await readAlertState(this.s.stateFile);
      if (this.savedRestore !== undefined) {
        const saved = this.savedRestore.groups;
        await this.serialized(async () => this.rules.restore(saved));
      }
    }
    const group = this.s.group ?? 'rules';
    const topics = [this.s.samplesTopic, ...(this.s.consumeAggregates === false ? [] : [this.s.aggregatesTopic])];
    for (const topic of topics) {
      const eventTime = topic === this.s.samplesTopic;
      // One group per topic: Kafka members of one group must subscribe to the same topics.
      const consumer = await bus.consume({
        group: eventTime ? group : `${group}.aggregates`, topic, fromBeginning: true,
        onAssigned: (ps) => { if (eventTime) this.watermark.assign(ps, this.now()); },
        onRevoked: (ps) => { if (eventTime) this.watermark.revoke(ps); for (const p of ps) this.progress.delete(`${topic}/${p}`); },
      }, this.handler(topic, eventTime));
      this.consumers.push(consumer);
    }
    await Promise.all(this.consumers.map((c) => c.ready));
    this.isReady = true;
    this.schedule();
  }

  ready(): boolean {
    return this.isReady && !this.stopped;
  }

  /** Idempotent; safe without start. Evaluates what is due, saves state, commits, leaves the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.isReady = false;
    clearTimeout(this.timer);
    clearTimeout(this.passOverTimer);
    if (!this.started) return;
    try {
      await this.serialized(async () => {
        await this.saveState();
        await this.commitPassedOver();
        await this.commitReady();
        await this.outputWatermarks?.close();
      });
    } catch (err) {
      this.log.error({ err }, 'rules: final save or commit failed');
    }
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  private handler(topic: string, eventTime: boolean): BatchHandler {
    const decode = decodeSamplesTopicRecord;
    const onDecoded = async (batch: ConsumedBatch, decoded: readonly DecodedRecord<SamplesTopicRecord>[]): Promise<void> => {
      if (this.stopped) return;
      const now = this.now();
      const wm = this.watermark.current(now);
      const prog = this.progressOf(topic, batch.partition);
      let batchMax = Number.NEGATIVE_INFINITY;
      let received = 0; let stored = 0; let filtered = 0; let tooOld = 0; let late = 0; let lateDropped = 0;
      let ri = 0;
      for (const record of batch.records) {
        let recMax = Number.NEGATIVE_INFINITY;
        const d = decoded[ri]?.record === record ? decoded[ri++]!.value : undefined;
        // A producer's promise moves the partition's clock; a deletion (delete_series) holds no
        // samples; both still move the partition's progress.
        if (d?.kind === 'watermark' && eventTime) this.watermark.promise(batch.partition, d.watermark, now);
        if (d?.kind === 'samples') {
          // Without rules no series is kept: only the event clock needs the timestamps.
          const selecting = this.window.selecting;
          // Only alerting rules wake on arrival: with none, no series needs the group lookup.
          const res = eventTime && this.rules.wakesOnArrival ? this.arrivalResolutionMs : 0;
          for (const series of d.batch.series) {
            const n = series.timestamps.length;
            // Native-histogram samples of the series, column-wise beside the float ones.
            const hist = series.histograms;
            const hn = hist?.timestamps.length ?? 0;
            received += n + hn;
            for (let i = 0; i < n + hn; i++) {
              const t = i < n ? series.timestamps[i]! : hist!.timestamps[i - n]!;
              if (t > recMax) recMax = t;
              if (eventTime && t < this.minEventSeen) this.minEventSeen = t;
            }
            if (!selecting) { filtered += n + hn; continue; }
            const key = canonicalLabels(series.labels);
            if (!this.window.accepts(series.labels, key)) { filtered += n + hn; continue; }
            const stale = series.stale.length > 0 ? new Set(series.stale) : undefined;
            const waking = res > 0 ? this.arrivalGroupsOf(series.labels, key) : NO_GROUPS;
            let lastArrival = Number.NaN;
            for (let i = 0; i < n + hn; i++) {
              const t = i < n ? series.timestamps[i]! : hist!.timestamps[i - n]!;
              if (eventTime && t <= wm) {
                late++;
                if (this.dropLate) { lateDropped++; continue; }
              }
              const r = i < n
                ? this.window.append(series.labels, t, series.values[i]!, stale?.has(i) ?? false, key, null, series.startTimestamps?.[i] ?? 0)
                : this.window.append(series.labels, t, 0, false, key, asFloatHistogram(hist!.histograms[i - n]!), hist!.startTimestamps?.[i - n] ?? 0);
              if (r === 'stored') stored++; else tooOld++;
              if (waking.length > 0 && r === 'stored') {
                const a = Math.ceil(t / res) * res;
                if (a !== lastArrival) { lastArrival = a; for (const g of waking) queueArrival(g, a, res); }
              }
            }
          }
        }
        if (recMax > batchMax) batchMax = recMax;
        prog.queue.push({ end: record.offset + 1, maxTs: recMax });
      }
      prog.batch = batch;
      this.metrics.samplesReceived.inc(received);
      if (stored > 0) this.metrics.samplesStored.inc(stored);
      if (filtered > 0) this.metrics.samplesDropped.inc({ reason: 'filtered' }, filtered);
      if (tooOld > 0) this.metrics.samplesDropped.inc({ reason: 'too_old' }, tooOld);
      if (late > 0) this.metrics.samplesLate.inc(late);
      if (lateDropped > 0) this.metrics.samplesDropped.inc({ reason: 'late' }, lateDropped);
      if (eventTime) {
        this.watermark.observe(batch.partition, batchMax, now);
        const last = batch.records[batch.records.length - 1];
        if (last !== undefined) this.watermark.readTo(batch.partition, last.offset + 1 >= batch.highWatermark);
      }
      await this.evaluateDue();
      await this.serialized(() => this.commitReady());
    };
    const decoding: BatchHandler = this.s.deadLetterTopic !== undefined
      ? withDeadLetter({
        bus: this.s.bus, deadLetterTopic: this.s.deadLetterTopic, group: this.s.group ?? 'rules', decode,
        onDeadLetter: (r, reason) => { this.metrics.errors.inc({ type: 'decode', stage: 'consume' }); this.log.warn({ topic: r.topic, partition: r.partition, offset: r.offset, reason }, 'rules: record dead-lettered'); },
      }, onDecoded)
      : async (batch) => {
        const decoded: DecodedRecord<SamplesTopicRecord>[] = [];
        for (const record of batch.records) {
          try {
            decoded.push({ record, value: decode(record.value) });
          } catch (err) {
            this.metrics.errors.inc({ type: 'decode', stage: 'consume' });
            this.log.warn({ topic: record.topic, partition: record.partition, offset: record.offset, err }, 'rules: undecodable record skipped');
          }
        }
        await onDecoded(batch, decoded);
      };
    return async (batch) => (this.rules.groups.length === 0 ? this.passOver(topic, batch) : decoding(batch));
  }

  /**
   * Without rules nothing read now could be evaluated later (rules loaded by a reload start from
   * the records after it, as Prometheus starts new rules at the next evaluation): the records are
   * committed undecoded, which spares decoding the whole samples stream (the stores
   * dead-letter what is malformed). Commits wait up to `passOverCommitIntervalMs`, so a busy
   * stream costs one offsets write a second, not one per batch (a write per batch was about 1.4 %
   * of `tidemark up`'s ingest CPU).
   */
  private async passOver(topic: string, batch: ConsumedBatch): Promise<void> {
    if (this.stopped) return;
    const last = batch.records[batch.records.length - 1];
    if (last === undefined) return;
    this.metrics.recordsPassedOver.inc(batch.records.length);
    const prog = this.progressOf(topic, batch.partition);
    prog.batch = batch;
    prog.passedOver = last.offset + 1;
    const intervalMs = this.s.passOverCommitIntervalMs ?? 1000;
    if (intervalMs <= 0) {
      await this.serialized(() => this.commitPassedOver());
    } else if (this.passOverTimer === undefined) {
      this.passOverTimer = setTimeout(() => {
        this.passOverTimer = undefined;
        if (!this.stopped) void this.serialized(() => this.commitPassedOver());
      }, intervalMs);
      this.passOverTimer.unref();
    }
  }

  /** Commits every partition's passed-over records (commitTo logs a failure; the next commit retries). */
  private async commitPassedOver(): Promise<void> {
    for (const prog of this.progress.values()) {
      if (prog.passedOver < 0) continue;
      const end = prog.passedOver;
      prog.passedOver = -1;
      // What was queued under earlier rules is not needed either.
      if (prog.queue.length > 0 && prog.queue[prog.queue.length - 1]!.end <= end) {
        prog.queue.length = 0;
        prog.head = 0;
      }
      await this.commitTo(prog, end);
    }
  }

  /** The groups whose alerting rules read this series (cached per series). */
  private arrivalGroupsOf(labels: Labels, key: string): readonly ScheduledGroup[] {
    let gs = this.arrivalGroups.get(key);
    if (gs === undefined) {
      if (this.arrivalGroups.size >= MAX_ARRIVAL_KEYS) this.arrivalGroups.clear();
      const found = this.rules.groups.filter((g) => g.arrivalSelectors.some((p) => p(labels)));
      gs = found.length === 0 ? NO_GROUPS : found;
      this.arrivalGroups.set(key, gs);
    }
    return gs;
  }

  private progressOf(topic: string, partition: number): PartitionProgress {
    const k = `${topic}/${partition}`;
    let p = this.progress.get(k);
    if (p === undefined) this.progress.set(k, (p = { queue: [], head: 0, batch: undefined, committed: -1, passedOver: -1 }));
    return p;
  }

  /** Runs `fn` after everything queued before it (evaluation, reload, commit never overlap). */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  /** Evaluates every instant the watermark has passed; calls made while one waits share it. */
  evaluateDue(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const q = this.serialized(async () => {
      this.queued = undefined;
      await this.runDue();
    });
    this.queued = q;
    return q.catch((err: unknown) => {
      this.metrics.errors.inc({ type: (err as Error).name ?? 'Error', stage: 'evaluate' });
      this.log.error({ err }, 'rules: evaluation round failed');
    });
  }

  private async runDue(): Promise<void> {
    if (this.stopped) return;
    const now = this.now();
    const wm = this.watermark.current(now);
    if (Number.isFinite(wm)) this.metrics.watermark.set(wm / 1000);
    const groups = this.rules.groups;
    if (Number.isFinite(wm)) {
      // The first groups start at the oldest sample read (a replay evaluates all of history);
      // groups added later, or after a restart, start at the watermark.
      const first = !this.scheduledAny && this.savedRestore === undefined && Number.isFinite(this.minEventSeen);
      for (const g of groups) {
        if (g.next !== undefined) continue;
        g.next = alignAfter((first ? this.minEventSeen : wm) - 1, g.group.intervalMs);
        // Arrivals queued before the group had a start (the first records) count from there.
        g.arrivals.dropThrough(g.next - g.group.intervalMs);
      }
      if (groups.length > 0) this.scheduledAny = true;
    }
    let evaluated = false;
    for (let n = 1; ; n++) {
      if (Number.isFinite(wm)) this.skipQuietInstants(wm);
      // Long catch-ups (replays) must not starve I/O: every evaluation can be all microtasks.
      if (n % 64 === 0) await new Promise((r) => setImmediate(r));
      let instant = Number.POSITIVE_INFINITY;
      for (const g of groups) {
        const due = nextDue(g);
        if (due <= wm && due < instant) instant = due;
      }
      if (instant === Number.POSITIVE_INFINITY) break;
      for (const g of groups) {
        if (g.next === instant) {
          await this.evalGroup(g.group, instant, false);
          g.next = instant + g.group.intervalMs;
        } else if (g.arrivals.peek() === instant) {
          await this.evalGroup(g.group, instant, true);
          this.metrics.arrivalEvaluations.inc();
        } else {
          continue;
        }
        g.evaluatedTo = instant;
        g.arrivals.dropThrough(instant);
      }
      evaluated = true;
      let cutoff = Number.POSITIVE_INFINITY;
      for (const g of groups) {
        // A late sample can still wake alerting rules just after what they evaluated.
        const earliest = g.arrivalSelectors.length > 0 && this.arrivalResolutionMs > 0 ? Math.min(nextDue(g), g.evaluatedTo) : nextDue(g);
        if (earliest < cutoff) cutoff = earliest;
      }
      if (cutoff !== Number.POSITIVE_INFINITY) this.window.evictBefore(cutoff - this.rules.spanMs);
    }
    const st = this.window.stats;
    this.metrics.windowSeries.set(st.series);
    this.metrics.windowSamples.set(st.samples);
    if (evaluated) {
      await this.saveState();
      this.announceOutput(now);
    }
    this.schedule();
  }

  /** Tells the aggregates topic that no output older than the next due instant will follow. */
  private announceOutput(now: number): void {
    const w = this.outputWatermarks;
    if (w === undefined || now - this.lastAnnounceAt < (this.s.producerWatermarks?.periodMs ?? 0)) return;
    let next = Number.POSITIVE_INFINITY;
    for (const g of this.rules.groups) if (g.next !== undefined && g.next < next) next = g.next;
    if (next === Number.POSITIVE_INFINITY) return;
    this.lastAnnounceAt = now;
    w.announce(next);
  }

  /**
   * With every partition idle the watermark follows the wall clock. Instants past the last data
   * plus the span rules read see an empty window: evaluating a few of them resolves what ended,
   * evaluating all of them (after a replay of old data, hours of instants) would only burn CPU.
   * So a group more than two intervals behind there jumps to the latest instants, as Prometheus
   * skips missed iterations. A watermark driven by data never exceeds the newest sample, so it
   * never skips: replays stay deterministic.
   */
  private skipQuietInstants(wm: number): void {
    const quietFrom = this.watermark.maxEvent() + this.rules.spanMs;
    for (const g of this.rules.groups) {
      const iv = g.group.intervalMs;
      if (g.next === undefined || g.next <= quietFrom || wm - g.next <= 2 * iv) continue;
      g.next = alignAfter(wm - 2 * iv, iv);
      g.arrivals.dropThrough(g.next - iv);
    }
  }

  /** `arrival`: between interval instants, for the alerting rules' state changes only. */
  private async evalGroup(group: RuleGroup, ts: number, arrival: boolean): Promise<void> {
    this.metrics.groupEvaluationsInProgress.inc();
    let evaluated: Awaited<ReturnType<RuleGroup['eval']>>;
    try {
      evaluated = await group.eval(ts, {
        query: (expr, t) => this.s.query(this.window, expr, t),
        write: (samples) => { for (const o of samples) this.window.append(o.labels, o.t, o.value, o.stale, undefined, o.histogram ?? null); },
      }, arrival);
    } finally {
      this.metrics.groupEvaluationsInProgress.dec();
    }
    const { outputs, transitions } = evaluated;
    for (const r of group.rules) {
      if (arrival && !(r.impl instanceof AlertingRule)) continue;
      this.metrics.evaluations.inc();
      if (r.status.health === 'err' && r.status.lastEvaluation === ts) this.metrics.evaluationFailures.inc();
    }
    const toSend: NotifyAlert[] = [];
    const wallNow = this.now();
    for (const r of group.rules) {
      if (r.impl instanceof AlertingRule) toSend.push(...r.impl.alertsToSend(ts, wallNow, this.s.resendDelayMs ?? 60_000, group.intervalMs, this.s.externalLabels ?? {}));
    }
    await Promise.all([this.notify(toSend), this.publishOutputs(outputs), this.publishEvents(group, transitions)]);
  }

  private async notify(alerts: NotifyAlert[]): Promise<void> {
    if (alerts.length === 0 || this.s.notify === undefined) return;
    try {
      await this.s.notify(alerts);
      this.metrics.alertsNotified.inc(alerts.length);
    } catch (err) {
      this.metrics.errors.inc({ type: (err as Error).name ?? 'Error', stage: 'notify' });
      this.log.warn({ err }, 'rules: notifier refused alerts; they are resent at the next resend');
    }
  }

  private async publishOutputs(outputs: readonly GroupOutput[]): Promise<void> {
    if (outputs.length === 0 || this.sink === undefined) return;
    const app = this.sink.appender();
    let sent = 0;
    for (const o of outputs) {
      if (o.histogram === undefined) app.append(o.labels, o.t, o.value, o.stale ? { stale: true } : undefined);
      else if (app.appendHistogram !== undefined) app.appendHistogram(o.labels, o.t, o.histogram);
      else {
        // A sink that carries floats only cannot take a histogram-valued recording rule's output.
        this.metrics.errors.inc({ type: 'histograms_unsupported', stage: 'publish' });
        continue;
      }
      sent++;
    }
    await app.commit();
    this.metrics.samplesSent.inc(sent);
  }

  private async publishEvents(group: RuleGroup, transitions: readonly AlertTransition[]): Promise<void> {
    if (transitions.length === 0 || this.alertsPartitioner === undefined) return;
    const partitioner = this.alertsPartitioner;
    await this.s.bus.produce(this.s.alertsTopic, transitions.map((t) => ({
      partition: partitioner.partitionOf(t.alert.labels),
      timestampMs: t.at,
      value: encodeAlertEvent(alertEventOf(group.def, t)),
    })));
    this.metrics.alertEventsSent.inc(transitions.length);
  }

  private async saveState(): Promise<void> {
    if (this.s.stateFile === undefined) return;
    await writeAlertState(this.s.stateFile, { version: 1, groups: this.rules.save() });
  }

  /** Commits, per partition, past every record whose samples no remaining evaluation reads. */
  private async commitReady(): Promise<void> {
    const cutoff = this.window.minTime;
    for (const p of this.progress.values()) {
      let end = -1;
      while (p.head < p.queue.length && p.queue[p.head]!.maxTs < cutoff) end = p.queue[p.head++]!.end;
      if (p.head > 1024) { p.queue.splice(0, p.head); p.head = 0; }
      await this.commitTo(p, end);
    }
  }

  private async commitTo(p: PartitionProgress, end: number): Promise<void> {
    if (end <= p.committed || p.batch === undefined) return;
    try {
      await p.batch.commit(end);
      p.committed = end;
    } catch (err) {
      this.metrics.errors.inc({ type: (err as Error).name ?? 'Error', stage: 'commit' });
      this.log.warn({ err }, 'rules: commit failed; retried with the next batch');
    }
  }

  /**
   * Wakes evaluation when the watermark reaches the next due instant without a record arriving
   * (a producer's promise following its clock, a producer or partition stopping, or the wall
   * clock alone moving it); records arriving wake it themselves.
   */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped || !this.started) return;
    const groups = this.rules.groups;
    if (groups.length === 0) return;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const g of groups) { const due = nextDue(g); if (due < next) next = due; }
    // Before any group has an instant, wake when the watermark first becomes known.
    const at = this.watermark.reachesAt(next === Number.POSITIVE_INFINITY ? Number.MIN_SAFE_INTEGER : next, now);
    if (at === undefined) return;
    this.timer = setTimeout(() => { void this.evaluateDue(); }, Math.max(1, at - now));
  }
}

/** The group's next instant, interval or arrival; +Infinity before it is scheduled. */
/** PromQL evaluates float histograms; integer ones are converted as they enter the window. */
function asFloatHistogram(h: HistogramValue): FloatHistogram {
  return h instanceof FloatHistogram ? h : h.toFloat();
}

function nextDue(g: ScheduledGroup): number {
  if (g.next === undefined) return Number.POSITIVE_INFINITY;
  const a = g.arrivals.peek();
  return a !== undefined && a < g.next ? a : g.next;
}

/**
 * Queues arrival instant `a` (event time of a sample, rounded up to the resolution `res`, plus the
 * group's query offset so the evaluation can see the sample) unless an interval instant covers
 * it. A late sample (the group has evaluated past it) is evaluated at the next step instead.
 */
function queueArrival(g: ScheduledGroup, a: number, res: number): void {
  let at = a + g.group.queryOffsetMs;
  if (at <= g.evaluatedTo) at = (Math.floor(g.evaluatedTo / res) + 1) * res;
  if (at % g.group.intervalMs === 0) return;
  if (g.next !== undefined && at <= g.next - g.group.intervalMs) return;
  g.arrivals.add(at);
}
