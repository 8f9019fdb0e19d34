import { mkdirSync } from 'node:fs';
import type { Counter } from 'prom-client';
import type { StartPosition } from '../bus/bus.js';
import { CommitRejectedError } from '../bus/commit-rejected.js';
import { Histogram } from '../../schemas/native-histogram/index.js';
import type { LabelSection } from '../../schemas/label-section-memo.js';
import { BatchSeriesCursor, type MaybeColumnar } from '../../schemas/float-columns.js';
import type { SampleBatch } from '../../schemas/sample.js';
import { DuplicateSampleError, InvalidSampleError, rankHeadSeries, Tsdb, type TsdbOptions } from '../tsdb/index.js';
import type { StoreMetrics } from './metrics.js';
import { RecordRefHints } from './record-ref-hints.js';
import { readShardOffsets, writeDurableOffset, writeFlushIntent } from './shard-offset-file.js';
import { UnpersistedRecords } from './unpersisted-records.js';

/**
 * What a shard takes as its write-ahead log: `bus`, the partition itself (the head is rebuilt from
 * the bus after a restart); `file`, a TSDB write-ahead log under the shard directory.
 */
export type ShardWal = 'bus' | 'file';

export interface ShardSettings {
  readonly topic: string;
  readonly partition: number;
  /** The shard's own directory: the TSDB plus the offset files. */
  readonly dir: string;
  readonly tsdb: TsdbOptions;
  readonly metrics: StoreMetrics;
  /** Default `file`. */
  readonly wal?: ShardWal;
  /**
   * With `wal: 'bus'`, how often the head is written as a checkpoint (and on close); 0 (default)
   * writes none. The durable offset then moves to the position the newest checkpoint covers.
   */
  readonly headCheckpointIntervalMs?: number;
}


/** Commits `offset` (durable) on the bus, reporting `applied` (how far the shard applied) beside it. */
type CommitFn = (offset: number, applied: number) => Promise<void>;

/**
 * One partition of the samples topic as a TSDB on local disk. The shard is a function of its
 * partition's records up to `durableOffset`: that offset is written (atomically) only after the
 * TSDB flush covering every record before it resolved, and the bus is committed only up to it.
 * With `wal: 'bus'` the TSDB keeps no write-ahead log and the durable offset is the first record
 * with a sample that is neither in a block nor in the newest head checkpoint (`UnpersistedRecords`,
 * `headCheckpointIntervalMs`); a restart loads the checkpoint and replays the bus from there.
 * Single-threaded like the TSDB: appends run synchronously; flushes are serialized.
 */
export class Shard {
  /** Next offset to append; -1 until the first record when the shard starts from 'earliest'. */
  appendedOffset: number;
  durableOffset: number | null;
  /** Records before this may already be stored (see ShardOffsets.horizon). */
  private readonly horizon: number;
  /** With `wal: 'bus'`, the records whose samples the head holds in memory only; else null. */
  private readonly unpersisted: UnpersistedRecords | null;
  /** The shard holds again what it held before it was opened (see recovered). */
  private caughtUp = false;
  /** Samples appended since the last flush started. */
  unflushed = 0;
  highWatermark = 0;
  /** Offset a gap was last re-sought to (a second gap at the same place is accepted as real). */
  gapSeekedAt = -1;
  private commitFn: CommitFn | null = null;
  private readonly refHints = new RecordRefHints();
  /** Series refs by position, per label section the decoder remembers (see append). */
  private readonly sectionRefs = new WeakMap<LabelSection, Int32Array>();
  private committed = -1;
  private committedApplied = -1;
  private intentWritten = -1;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private rateMark = { t: performance.now(), appended: 0 };
  /** When the last head checkpoint was written (or the shard opened), performance.now() ms. */
  private checkpointedAt = performance.now();
  private appendedTotal = 0;
  private readonly c: {
    received: ReturnType<Counter<'partition'>['labels']>;
    appended: ReturnType<Counter<'partition'>['labels']>;
    replayed: ReturnType<Counter<'partition'>['labels']>;
    records: ReturnType<Counter<'partition'>['labels']>;
  };

  private constructor(
    readonly settings: ShardSettings,
    readonly tsdb: Tsdb,
  ) {
    const offsets = readShardOffsets(settings.dir);
    // A crash between a checkpoint's rename and the offset file leaves the file behind it.
    const checkpoint = tsdb.headCheckpointPosition;
    this.durableOffset = checkpoint === null ? offsets.durable : Math.max(checkpoint, offsets.durable ?? 0);
    this.appendedOffset = this.durableOffset ?? -1;
    this.horizon = Math.max(offsets.horizon, checkpoint ?? 0);
    this.unpersisted = settings.wal === 'bus' ? new UnpersistedRecords(tsdb.head.chunkRange) : null;
    // A write-ahead log an earlier run in `file` mode left holds records before the durable offset.
    const leftover = tsdb.leftoverWalUntil;
    if (this.unpersisted !== null && leftover !== null) this.unpersisted.noteUntil(offsets.durable ?? 0, leftover);
    if (this.unpersisted === null || Math.max(0, this.appendedOffset) >= this.horizon) this.caughtUp = true;
    const p = String(settings.partition);
    const m = settings.metrics;
    this.c = {
      received: m.samplesReceived.labels(p),
      appended: m.samplesAppended.labels(p),
      replayed: m.samplesReplayed.labels(p),
      records: m.recordsReceived.labels(p),
    };
    // The WAL covers records up to the durable offset, which the bus will not deliver again: a
    // sample it holds that the head refuses is lost, so it must show, not only fail a test.
    if (tsdb.replayErrors > 0) m.samplesRejected.labels(p, 'wal_replay').inc(tsdb.replayErrors);
  }

  static async open(settings: ShardSettings): Promise<Shard> {
    mkdirSync(settings.dir, { recursive: true });
    const tsdb = await Tsdb.open(settings.dir, {
      ...settings.tsdb,
      writeAheadLog: settings.wal !== 'bus',
      onDamagedTierBlock: (err) => {
        settings.metrics.errors.inc({ type: 'CorruptionError', stage: 'downsampled_block' });
        settings.tsdb.onDamagedTierBlock?.(err);
      },
    });
    try {
      return new Shard(settings, tsdb);
    } catch (err) {
      await tsdb.close();
      throw err;
    }
  }

  get partition(): number {
    return this.settings.partition;
  }

  /** Where consumption must start: right after the durable state, or the start of retention. */
  startPosition(): StartPosition {
    return this.durableOffset === null ? 'earliest' : { offset: this.durableOffset };
  }

  /**
   * False while a shard without a write-ahead log has not yet applied again every record it had
   * applied before it was last opened: until then it answers reads with less than it did.
   */
  get recovered(): boolean {
    if (!this.caughtUp && Math.max(0, this.appendedOffset) >= this.horizon) this.caughtUp = true;
    return this.caughtUp;
  }

  /**
   * Ranks the head's series in label order (tsdb/head-series-ranks.ts) once the shard has caught
   * up; the store does it once its role has started. Otherwise the first large select after a
   * start did it while its client waited (about 0.1 s of CPU for 20,000 series, 5 us a series);
   * done as the shard caught up, it held the start back as long.
   */
  rankHeadSeries(): void {
    if (!this.closed && this.recovered) rankHeadSeries(this.tsdb.head);
  }

  /** The partition ends at `high`: nothing more to apply again (the log lost records past it). */
  noteLogEnd(high: number): void {
    if (!this.caughtUp && Math.max(0, this.appendedOffset) >= high) this.caughtUp = true;
  }

  /** Remembers how to commit on the bus (any batch's commit accepts offsets up to its end). */
  noteBatch(highWatermark: number, commit: CommitFn): void {
    this.highWatermark = highWatermark;
    this.commitFn = commit;
  }

  /**
   * Appends one decoded record. Every timestamp is stored, however old (see Tsdb); samples the
   * head already holds (same timestamp, same value) are ignored and counted as replayed; what
   * the head refuses (another value at a timestamp it holds, invalid labels) is counted by reason.
   */
  append(offset: number, batch: SampleBatch & MaybeColumnar & { readonly labelSection?: LabelSection }): void {
    const tsdb = this.tsdb;
    // The head's counters tell stored samples from ignored duplicates (append returns nothing).
    const head = tsdb.head;
    const stats = head.stats;
    const appended0 = stats.samplesAppended;
    const ignored0 = stats.duplicatesIgnored;
    // A record before the horizon may have been applied before a crash: its samples older than
    // the head's range are looked up in the blocks, so they are not stored a second time.
    const replay = offset < this.horizon;
    let inBlocks = 0;
    let received = 0;
    // A decoded record of float samples only comes as columns too: read them, so its series
    // objects are never built.
    const cur = new BatchSeriesCursor(batch);
    const count = cur.count;
    let hints: number[] | null = null;
    let hinted = 0;
    // A record whose label section the decoder remembered holds the same series, in the same
    // order, as the records before it with that section: their refs are taken as they are (a
    // ref is never given to other labels, so a series still in the head at it is this one).
    const section = batch.labelSection !== undefined && batch.labelSection.labels.length === count ? batch.labelSection : undefined;
    let known = section === undefined ? undefined : this.sectionRefs.get(section);
    const learning = section !== undefined && known === undefined;
    if (learning) this.sectionRefs.set(section, (known = new Int32Array(count)));
    for (let k = 0; k < count; k++) {
      cur.at(k);
      const { labels, timestamps: ts, values: vs, from, to, stale: st, startTimestamps: starts, histograms: hs } = cur;
      const n = to - from;
      const hn = hs === undefined ? 0 : hs.timestamps.length;
      received += n + hn;
      let ref = k > 0 && known !== undefined && !learning ? known[k] : 0;
      if (ref === 0 || head.series(ref) === undefined) {
        try {
          // The first series goes through the TSDB (which refuses when closed), the others
          // straight to the head; where this record's layout was seen before, each is tried
          // against the ref at its position first (verified label by label).
          if (hints !== null && k < hints.length) ref = head.refHinted(labels, hints[k]);
          else ref = tsdb.ref(labels);
        } catch (err) {
          if (hints !== null) hints[k] = 0;
          if (known !== undefined) known[k] = 0;
          this.reject(err, n + hn);
          continue;
        }
        if (known !== undefined) known[k] = ref;
        if (k === 0 && (known === undefined || learning)) {
          hints = this.refHints.forRecord(ref);
          hinted = hints.length;
        }
        if (hints !== null) hints[k] = ref;
      }
      let si = 0;
      let nextStale = st.length > 0 ? st[0] : -1;
      // Samples in order (an import's, a backfill's) go to the head a run at a time, the older
      // part of a backfilled series too unless the blocks may hold it already (a replay); what
      // the runs do not take (older samples out of order, duplicates) goes one by one.
      const runs = n > 1 && st.length === 0 && starts === undefined;
      for (let i = from; i < to; i++) {
        if (runs) {
          i = head.appendRunRef(ref, ts, vs, i, to);
          while (!replay && i < to) {
            const j = head.appendBackfillRunRef(ref, ts, vs, i, to);
            if (j === i) break;
            i = head.appendRunRef(ref, ts, vs, j, to);
          }
          if (i === to) break;
        }
        let stale = false;
        if (i - from === nextStale) {
          stale = true;
          nextStale = ++si < st.length ? st[si] : -1;
        }
        if (replay && ts[i] < head.minValidTime && tsdb.blocksHold(labels, ts[i], vs[i], stale)) {
          inBlocks++;
          continue;
        }
        try {
          head.appendRefAt(ref, ts, vs, i, stale, starts === undefined ? 0 : starts[i - from]);
        } catch (err) {
          this.reject(err, 1);
        }
      }
      for (let i = 0; i < hn; i++) {
        const h = hs!.histograms[i];
        const fh = h instanceof Histogram ? h.toFloat() : h;
        const t = hs!.timestamps[i];
        if (replay && t < head.minValidTime && tsdb.blocksHoldHistogram(labels, t, fh)) {
          inBlocks++;
          continue;
        }
        try {
          head.appendHistogramRef(ref, t, fh, hs!.startTimestamps?.[i] ?? 0);
        } catch (err) {
          this.reject(err, 1);
        }
      }
    }
    if (hints !== null && hints.length > hinted) this.refHints.grew(hints.length - hinted);
    this.unpersisted?.note(offset, batch);
    const appended = stats.samplesAppended - appended0;
    this.appendedTotal += appended;
    this.unflushed += appended;
    this.c.records.inc();
    this.c.received.inc(received);
    if (appended > 0) this.c.appended.inc(appended);
    const replayed = stats.duplicatesIgnored - ignored0 + inBlocks;
    if (replayed > 0) this.c.replayed.inc(replayed);
  }

  private reject(err: unknown, n: number): void {
    let reason: string;
    if (err instanceof DuplicateSampleError) reason = 'duplicate_sample';
    else if (err instanceof InvalidSampleError) reason = 'invalid';
    else throw err;
    this.settings.metrics.samplesRejected.inc({ partition: String(this.partition), reason }, n);
  }

  /**
   * Makes everything appended durable, writes the offset file, then commits on the bus. Serialized.
   * `closing`: the last flush before close, which writes a head checkpoint whatever its interval.
   */
  flush(closing = false): Promise<void> {
    const run = this.flushing.then(() => this.doFlush(closing));
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async doFlush(closing: boolean): Promise<void> {
    if (this.closed) return;
    // Captured before the flush: everything appended up to here is covered by it.
    const offset = this.appendedOffset;
    if (offset < 0) return;
    const m = this.settings.metrics;
    if (this.unpersisted !== null) return this.flushWithoutWal(offset, closing);
    if (offset !== this.durableOffset || this.unflushed > 0) {
      const end = m.flushSeconds.startTimer();
      this.unflushed = 0;
      if (offset !== this.durableOffset) await writeFlushIntent(this.settings.dir, offset);
      await this.tsdb.flush();
      if (offset !== this.durableOffset) await writeDurableOffset(this.settings.dir, offset);
      this.durableOffset = offset;
      end();
      m.flushes.inc({ partition: String(this.partition) });
    }
    await this.commit(offset);
  }

  /**
   * Cuts what is due into blocks, then moves the durable offset to the first record still needed
   * from the bus. The intent file records how far this run applied (not synced: it only tells a
   * restart which records it applies again).
   */
  private async flushWithoutWal(offset: number, closing: boolean): Promise<void> {
    const m = this.settings.metrics;
    const end = m.flushSeconds.startTimer();
    this.unflushed = 0;
    if (offset > this.horizon && offset !== this.intentWritten) {
      await writeFlushIntent(this.settings.dir, offset);
      this.intentWritten = offset;
    }
    const tsdb = this.tsdb;
    const interval = this.settings.headCheckpointIntervalMs ?? 0;
    // Read after the awaits above: every record before it is in the head or in blocks (the head
    // may hold a few after it, which a restart then applies again as duplicates).
    const position = this.appendedOffset;
    const written = tsdb.headCheckpointsWritten;
    const t0 = performance.now();
    const due = position !== tsdb.headCheckpointPosition && (closing || t0 - this.checkpointedAt >= interval);
    await tsdb.flush(interval > 0 ? { position, due } : undefined);
    if (tsdb.headCheckpointsWritten !== written) {
      this.checkpointedAt = performance.now();
      m.headCheckpoints.inc({ partition: String(this.partition) });
      m.headCheckpointSeconds.observe((this.checkpointedAt - t0) / 1000);
    }
    const checkpoint = tsdb.headCheckpointPosition;
    const unpersisted = this.unpersisted!.durableOffset(tsdb.persistedBefore(), offset);
    const durable = checkpoint === null ? unpersisted : Math.max(unpersisted, checkpoint);
    if (durable !== this.durableOffset) {
      await writeDurableOffset(this.settings.dir, durable);
      this.durableOffset = durable;
    }
    end();
    m.flushes.inc({ partition: String(this.partition) });
    // The head holds records past the durable offset: reported as applied, so lag readers
    // (ingest.max_store_lag, the bus status) see what the shard has yet to apply.
    await this.commit(durable, offset);
  }

  private async commit(offset: number, applied = offset): Promise<void> {
    const m = this.settings.metrics;
    if (this.commitFn !== null && (offset > this.committed || applied > this.committedApplied)) {
      try {
        await this.commitFn(offset, applied);
        this.committed = offset;
        this.committedApplied = applied;
      } catch (err) {
        // The shard's own offset is what counts; a lost commit only delays the group's lag figure.
        if (err instanceof CommitRejectedError) m.commitsRejected.inc({ partition: String(this.partition), reason: err.reason });
        else m.errors.inc({ type: err instanceof Error ? err.name : 'unknown', stage: 'commit' });
      }
    }
  }

  /** Writes the shard's gauges (ingest rate: since the previous call). */
  updateGauges(): void {
    const m = this.settings.metrics;
    const l = { partition: String(this.partition) };
    const stats = this.tsdb.stats();
    const now = performance.now();
    const secs = (now - this.rateMark.t) / 1000;
    if (secs > 0) m.ingestRate.set(l, (this.appendedTotal - this.rateMark.appended) / secs);
    this.rateMark = { t: now, appended: this.appendedTotal };
    m.lag.set(l, Math.max(0, this.highWatermark - Math.max(0, this.appendedOffset)));
    m.durableOffset.set(l, this.durableOffset ?? 0);
    m.headSeries.set(l, stats.headSeries);
    const min = this.tsdb.head.minTime();
    m.headSpanSeconds.set(l, Number.isFinite(min) ? (this.tsdb.head.maxT - min) / 1000 : 0);
    m.walPendingBytes.set(l, stats.walPendingBytes);
    m.blockBytes.set(l, stats.blockBytes);
    m.blocks.set(l, stats.blocks);
  }

  /** Flushes (durable offset, commit) and closes the TSDB. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush(true);
    } finally {
      this.closed = true;
      await this.flushing;
      await this.tsdb.close();
    }
  }
}
