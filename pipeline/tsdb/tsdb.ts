import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../schemas/labels.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { Block, fsyncDir, removeBlockDir } from './block/index.js';
import { compactBlocks, persistHeadRange, planCompaction, PreparedHeadRange } from './compact/index.js';
import { loopTurns } from './loop-turns.js';
import { RollupQuerier, Tier, type TierOptions } from './downsample/index.js';
import { TsdbClosedError } from './errors.js';
import { Head, type HeadStats } from './head/index.js';
import { HeadCheckpointWriter, isHeadCheckpointEntry, readHeadCheckpoint, removeHeadCheckpoints, restoreHeadCheckpoint } from './head-checkpoint/index.js';
import { histogramTakesPrecedence, SampleBuffer, takesPrecedence } from './chunks/index.js';
import { TsdbQuerier } from './tsdb-querier.js';
import type { LabelMatcher, Querier, Queryable } from './querier.js';
import { blocksBeyondRetention } from './retention/index.js';
import { Wal } from './wal/index.js';

const HOUR = 3600_000;

export interface TsdbOptions {
  /** Range of blocks cut from the head; default 2 h. */
  readonly blockRangeMs?: number;
  /**
   * Backfill (samples older than the blocks cut already) waits in the head for the next cut; once
   * the head holds this many such samples, `flush()` writes them into blocks of their own at
   * once; default 1,000,000 (memory).
   */
  readonly backfillFlushSamples?: number;
  /**
   * ... or once the oldest of them has waited this long (wall clock, checked at `flush()`);
   * default 10 minutes, so a write-ahead log or bus offset is not held back for hours.
   */
  readonly backfillFlushAgeMs?: number;
  /** The clock the backfill age is measured on (tests); default Date.now. */
  readonly now?: () => number;
  /** Delete blocks older than this behind the newest; default 15 days, 0 = keep forever. */
  readonly retentionMs?: number;
  /** Keep at most this many bytes of blocks; default 0 = unbounded. */
  readonly retentionBytes?: number;
  /** Block ranges compaction builds; default [r, 3r, 9r, 27r] capped at a tenth of retention. */
  readonly compactionRanges?: readonly number[];
  /** Downsampled tiers built from the blocks as they age (downsample/), finest first. */
  readonly downsampling?: readonly TierOptions[];
  /** Hears of each damaged downsampled block, deleted and built again (Tier.open). */
  readonly onDamagedTierBlock?: (err: Error) => void;
  /**
   * Whether the head is logged to `<dir>/wal/` (default true). Without it the head lives in memory
   * only and `flush()` persists nothing but blocks: the caller keeps what the head holds elsewhere
   * (the store replays its partition from the offset `persistedBefore()` covers). A `wal/` left by
   * an earlier run is still replayed, and deleted once blocks hold all it held.
   */
  readonly writeAheadLog?: boolean;
  /**
   * Series a head checkpoint writes per turn of the event loop (default 8192; see
   * `HeadCheckpointWriter`).
   */
  readonly headCheckpointSeriesPerPart?: number;
}

/** Asks `Tsdb.flush()` for a head checkpoint (TSDB without a write-ahead log only). */
export interface HeadCheckpointRequest {
  /** The caller's position the head covers now (the store: the next bus offset to apply). */
  readonly position: number;
  /** Write one even when this flush cut no block (it always does after a cut). */
  readonly due: boolean;
}

export interface TsdbStats extends HeadStats {
  headSeries: number;
  blocks: number;
  blockBytes: number;
  walPendingBytes: number;
  compactions: number;
  /** Backfill samples in the head, not yet in a block (see `backfillFlushSamples`). */
  backfillHeld: number;
  /** Times the backfill was written to blocks of its own before the next cut. */
  backfillFlushes: number;
  blocksDeletedByRetention: number;
  /** Head checkpoints written since open. */
  headCheckpoints: number;
}

/**
 * A TSDB on one directory: `<dir>/<block id>/` immutable blocks and `<dir>/wal/` the head's
 * write-ahead log (unless `writeAheadLog: false`). Single-threaded; callers run `flush()` (durability) and `compact()`
 * (compaction + retention) when they choose: nothing runs on timers.
 *
 * Durability point: `flush()`. When it resolves, every sample accepted by `append` before the
 * call is on disk (WAL fdatasync'd, or in a block) and survives a crash; `open` replays it.
 */
export class Tsdb implements Queryable {
  readonly head: Head;
  private blocks: Block[] = [];
  /** Null without a write-ahead log (`writeAheadLog: false`). */
  private readonly wal: Wal | null;
  /**
   * Newest sample time a `wal/` left by an earlier run held, while a run without a log keeps that
   * directory until blocks hold everything in it; null when there is none.
   */
  private leftoverWalMaxTime: number | null = null;
  private closed = false;
  private readonly ranges: number[];
  private compactions = 0;
  private retentionDeleted = 0;
  private readonly tiers: Tier[];
  /** When (wall clock) the head was first seen holding backfill not yet in a block; null when none. */
  private backfillSince: number | null = null;
  private backfillFlushes = 0;
  /**
   * The position the newest head checkpoint covers (the one opened, then each one written); null
   * without one. See `HeadCheckpointWriter`.
   */
  private checkpointAt: number | null = null;
  private checkpointsWritten = 0;
  private readonly checkpointWriter: HeadCheckpointWriter;
  /** The head checkpoint being written (it yields to the event loop between slices of series), or null. */
  private checkpointing: Promise<void> | null = null;
  /** Head ranges written to blocks since open. */
  private cuts = 0;

  private constructor(
    readonly dir: string,
    private readonly options: TsdbOptions,
  ) {
    const r = options.blockRangeMs ?? 2 * HOUR;
    this.head = new Head({ chunkRangeMs: r });
    this.checkpointWriter = new HeadCheckpointWriter(dir, { seriesPerPart: options.headCheckpointSeriesPerPart });
    const maxBackfill = options.backfillFlushSamples ?? 1_000_000;
    const backfillAge = options.backfillFlushAgeMs ?? 600_000;
    if (!(maxBackfill >= 1)) throw new RangeError(`backfillFlushSamples must be >= 1, got ${maxBackfill}`);
    if (!(backfillAge >= 0)) throw new RangeError(`backfillFlushAgeMs must be >= 0, got ${backfillAge}`);
    const retention = options.retentionMs ?? 15 * 24 * HOUR;
    this.ranges = [...(options.compactionRanges ?? [r, 3 * r, 9 * r, 27 * r].filter((x, i) => i === 0 || retention === 0 || x <= retention / 10))];
    this.blocks = loadBlocks(dir);
    this.tiers = [...(options.downsampling ?? [])].sort((a, b) => a.resolutionMs - b.resolutionMs).map((t) => Tier.open(dir, t, options.onDamagedTierBlock));
    for (const b of this.blocks) if (b.maxTime > this.head.minValidTime) this.head.minValidTime = b.maxTime;
    let replayErrors = 0;
    const logged = options.writeAheadLog ?? true;
    const walDir = join(dir, 'wal');
    const checkpoint = readHeadCheckpoint(dir);
    // A checkpoint is written from a head that had replayed any log left by an earlier run:
    // without a log of its own, the checkpoint holds all that log held.
    if (!logged && checkpoint !== null) rmSync(walDir, { recursive: true, force: true });
    const wal = !logged && !existsSync(walDir) ? null : Wal.open(walDir, {
      persistedBefore: this.head.minValidTime,
      series: (ref, labels) => this.head.createWithRef(ref, labels),
      // The log skips samples its markers say are in blocks; what is left the head takes back,
      // out-of-order samples older than the blocks included.
      sample: (ref, t, v, stale) => {
        try {
          this.head.restoreRef(ref, t, v, stale);
        } catch {
          replayErrors++;
        }
      },
      histogram: (ref, t, h) => {
        try {
          this.head.restoreHistogramRef(ref, t, h);
        } catch {
          replayErrors++;
        }
      },
      startTimestamp: (ref, t, st) => {
        try {
          this.head.restoreStartTimestamp(ref, t, st);
        } catch {
          replayErrors++;
        }
      },
      deletion: (matchers, mint, maxt) => this.head.deleteSeries(matchers, mint, maxt),
    });
    this.replayErrors = replayErrors;
    if (!logged && wal !== null) {
      // Replayed once more, then only read: the head's samples from it stay unpersisted until cut.
      wal.close();
      this.leftoverWalMaxTime = this.head.maxT;
      this.dropCoveredWal();
    }
    this.wal = logged ? wal : null;
    this.head.log = this.wal;
    if (checkpoint !== null) {
      // Blocks holding a level-1 source the checkpoint did not know were cut after it.
      const cutAfter = this.blocks.filter((b) => b.meta.compaction.sources.some((id) => !checkpoint.sources.has(id)));
      this.restoredFromCheckpoint = restoreHeadCheckpoint(this.head, checkpoint, cutAfter);
      if (this.wal !== null) {
        // A run with a log after one without: the log holds the checkpoint's samples from now on.
        this.wal.flush();
        removeHeadCheckpoints(dir);
      } else this.checkpointAt = checkpoint.position;
    }
    // The newest sample after a restart may be in a block only.
    if (this.head.minValidTime > this.head.maxT) this.head.maxT = this.head.minValidTime - 1;
  }

  /** Samples the head took back from a checkpoint on open (0 without one). */
  readonly restoredFromCheckpoint: number = 0;

  /** The position the newest head checkpoint covers (opened or written), or null without one. */
  get headCheckpointPosition(): number | null {
    return this.checkpointAt;
  }

  /** Head checkpoints written since open (as `stats().headCheckpoints`, without stat'ing every block's files). */
  get headCheckpointsWritten(): number {
    return this.checkpointsWritten;
  }

  /**
   * Writes the head as a checkpoint covering `position` (FORMAT.md, "Head checkpoint"): atomic
   * (write, fsync, rename), the older one deleted after, incremental, yielding to the event loop
   * between slices of series. Only without a write-ahead log. A log left by an earlier run is deleted:
   * the checkpoint holds everything it held. A deletion while it is written drops it (the
   * position stays the previous checkpoint's).
   */
  private checkpointHead(position: number): Promise<void> {
    if (this.wal !== null) throw new Error(`TSDB ${this.dir}: head checkpoints are for a TSDB without a write-ahead log`);
    const sources = new Set<string>();
    for (const b of this.blocks) for (const id of b.meta.compaction.sources) sources.add(id);
    const run = this.checkpointWriter.write(this.head, position, sources).then((written) => {
      if (written === null) return;
      this.checkpointAt = position;
      this.checkpointsWritten++;
      if (this.leftoverWalMaxTime !== null) {
        rmSync(join(this.dir, 'wal'), { recursive: true, force: true });
        this.leftoverWalMaxTime = null;
      }
    });
    this.checkpointing = run.finally(() => {
      this.checkpointing = null;
    });
    return run;
  }

  /**
   * Waits for the head checkpoint being written: it lists the blocks' sources as of its start,
   * so no cut and no compaction may run before it is in place. Its failure is its writer's to
   * report (the flush that started it rejects with it); a waiter only waits.
   */
  private async checkpointWritten(): Promise<void> {
    while (this.checkpointing !== null) await this.checkpointing.catch(() => undefined);
  }

  /**
   * Every sample this TSDB accepted with a timestamp before this is in a block: the head keeps no
   * sample older than it. Without a write-ahead log, what is newer lives in memory only.
   */
  persistedBefore(): number {
    return Math.min(this.head.minValidTime, this.head.minTime());
  }

  /**
   * The newest sample time a write-ahead log left by an earlier run holds while it is kept (see
   * `writeAheadLog`), else null: until `persistedBefore()` passes it, the head holds samples that
   * are neither in blocks nor in the caller's own log.
   */
  get leftoverWalUntil(): number | null {
    return this.leftoverWalMaxTime;
  }

  private dropCoveredWal(): void {
    const until = this.leftoverWalMaxTime;
    if (until === null || (until !== -Infinity && this.persistedBefore() <= until)) return;
    rmSync(join(this.dir, 'wal'), { recursive: true, force: true });
    this.leftoverWalMaxTime = null;
  }

  /** Samples the write-ahead log held that the head refused on replay (should be 0). */
  readonly replayErrors: number;

  static async open(dir: string, options: TsdbOptions = {}): Promise<Tsdb> {
    mkdirSync(dir, { recursive: true });
    return new Tsdb(dir, options);
  }

  private check(): void {
    if (this.closed) throw new TsdbClosedError(this.dir);
  }

  /** The series ref for labels (stable until the series leaves the head). */
  ref(labels: Labels): number {
    this.check();
    return this.head.ref(labels);
  }

  /** Appends a sample; `st`, when not 0, is its start timestamp (kept beside it, read back with it). */
  append(labels: Labels, t: number, v: number, stale = false, st = 0): void {
    this.check();
    this.head.append(labels, t, v, stale, st);
  }

  appendRef(ref: number, t: number, v: number, stale = false, st = 0): void {
    this.check();
    this.head.appendRef(ref, t, v, stale, st);
  }

  /** Appends a native-histogram sample (integer histograms: `Histogram.toFloat()` first). */
  appendHistogram(labels: Labels, t: number, h: FloatHistogram, st = 0): void {
    this.check();
    this.head.appendHistogram(labels, t, h, st);
  }

  /**
   * Makes every accepted sample durable (WAL append + fdatasync), then persists the oldest block
   * range of the head when the head spans more than 1.5 block ranges, and the backfill the head
   * holds when there is too much of it or it waited too long (`backfillFlushSamples`,
   * `backfillFlushAgeMs`). Without a write-ahead log only the cuts happen (see `persistedBefore`),
   * and with `checkpoint` the head is written as a checkpoint covering its position when it is
   * due or a block was cut (see `headCheckpointPosition`).
   */
  async flush(checkpoint?: HeadCheckpointRequest): Promise<void> {
    this.check();
    const due = this.nextHeadCut();
    const preparing = due === null ? undefined : this.prepareHeadCut(due);
    // Awaited only when it did not finish in its first slice: a small head is cut in this step.
    const prepared = preparing instanceof Promise ? await preparing : preparing;
    // Checked again with no await before the checkpoint below starts: two flushes never write one each at once.
    while (this.checkpointing !== null) await this.checkpointWritten();
    this.check();
    this.wal?.flush();
    const cuts = this.cuts;
    this.cutHead(prepared);
    this.cutBackfillWhenDue();
    this.dropCoveredWal();
    // Started in the same synchronous step as the cuts, and no compaction runs until it is in
    // place: a crash in between leaves only level-1 blocks the checkpoint does not know of (see
    // restoreHeadCheckpoint).
    if (checkpoint !== undefined && (checkpoint.due || this.cuts !== cuts)) await this.checkpointHead(checkpoint.position);
  }

  private cutBackfillWhenDue(): void {
    const held = this.head.backfillHeld;
    if (held === 0) {
      this.backfillSince = null;
      return;
    }
    const now = (this.options.now ?? Date.now)();
    this.backfillSince ??= now;
    if (held < (this.options.backfillFlushSamples ?? 1_000_000) && now - this.backfillSince < (this.options.backfillFlushAgeMs ?? 600_000)) return;
    this.cutBackfill();
    this.backfillSince = null;
  }

  /**
   * Writes every sample the head holds from before its blocks' end into blocks of their own, one
   * per block range, overlapping the blocks there (reads merge them; compaction merges them into
   * one). The in-order part of the head stays as it is.
   */
  private cutBackfill(): void {
    const r = this.head.chunkRange;
    const end = this.head.minValidTime;
    for (;;) {
      const min = this.head.minTime();
      if (!(min < end)) break;
      const mint = Math.floor(min / r) * r;
      const maxt = Math.min(mint + r, end);
      this.persistRange(mint, maxt);
      this.head.truncate(maxt);
      if (this.head.minTime() < maxt) throw new Error(`TSDB ${this.dir}: the head still holds samples before ${maxt} after writing [${mint}, ${maxt}) into a block`);
    }
    this.head.backfillHeld = 0;
    this.backfillFlushes++;
    this.rollWal();
  }

  /**
   * Encodes the long chunks of the head range due to be cut, in slices with turns of the event
   * loop between them (PreparedHeadRange), so the cut's synchronous step mostly copies them.
   */
  private prepareHeadCut(mint: number): PreparedHeadRange | Promise<PreparedHeadRange> {
    return PreparedHeadRange.prepare(this.head, mint, mint + this.head.chunkRange, () => loopTurns.take());
  }

  private persistRange(mint: number, maxt: number, prepared?: PreparedHeadRange): void {
    this.cuts++;
    const meta = persistHeadRange(this.head, this.dir, mint, maxt, { chunks: 'long', prepared });
    if (meta.stats.numSeries > 0) this.blocks.push(Block.open(join(this.dir, meta.ulid)));
    else removeBlockDir(join(this.dir, meta.ulid));
  }

  private rollWal(): void {
    if (this.wal === null) return;
    const live: { ref: number; labels: Labels }[] = [];
    this.head.forEachSeries((s) => live.push({ ref: s.ref, labels: s.labels }));
    // Every sample older than this has left the head, so a block holds it.
    this.wal.roll(live, Math.min(this.head.minValidTime, this.head.minTime()));
  }

  /**
   * Persists the head's oldest block range while the in-order part spans 1.5 ranges. Out-of-order samples older than the blocks go out with the next in-order cut, one
   * block per range they fall in, overlapping the blocks already there (as Prometheus compacts its
   * out-of-order head when it compacts the head): persisting them on every flush would write a
   * small block each time.
   */
  private cutHead(prepared?: PreparedHeadRange): void {
    const r = this.head.chunkRange;
    let cut = -Infinity;
    for (;;) {
      const mint = this.nextHeadCut();
      if (mint === null) return;
      // Truncation removes every sample of a cut range; were one left, this would cut it forever.
      if (mint === cut) throw new Error(`TSDB ${this.dir}: the head still holds samples from ${mint} after cutting [${mint}, ${mint + r}) into a block`);
      cut = mint;
      this.persistRange(mint, mint + r, prepared);
      this.head.truncate(mint + r);
      this.rollWal();
    }
  }

  /** The start of the head range cutHead persists next, or null when none is due. */
  private nextHeadCut(): number | null {
    const r = this.head.chunkRange;
    const min = this.head.minTime();
    if (!Number.isFinite(min)) return null;
    // A second pass over the series only while out-of-order samples older than the blocks wait,
    // and only when what it can find (at or after minValidTime) could be due: each flush of a
    // backfill made it over every series.
    const valid = this.head.minValidTime;
    if (min < valid && this.head.maxT - Math.floor(valid / r) * r < 1.5 * r) return null;
    const inOrder = min >= valid ? min : this.head.minTimeFrom(valid);
    if (!Number.isFinite(inOrder) || this.head.maxT - Math.floor(inOrder / r) * r < 1.5 * r) return null;
    return Math.floor(min / r) * r;
  }

  /**
   * Whether a block holds this float sample (same timestamp and value, or both staleness markers),
   * or one at its timestamp that takes precedence over it (reads would never return it). A shard
   * applying its bus records again after a crash asks it of samples older than the head's range,
   * which would otherwise be taken as backfill and written into a block a second time.
   */
  blocksHold(labels: Labels, t: number, v: number, stale: boolean): boolean {
    return this.someBlockAt(labels, t, (buf) => {
      for (let i = 0; i < buf.length; i++) {
        if (buf.t[i] !== t) continue;
        const storedStale = buf.s[i] === 1;
        if (storedStale === stale && (stale || buf.v[i] === v || (buf.v[i] !== buf.v[i] && v !== v))) return true;
        if (takesPrecedence(buf.v[i], storedStale, v, stale)) return true;
      }
      return false;
    });
  }

  /** blocksHold for a native-histogram sample: whether a block holds an equal histogram at `t`, or one that takes precedence. */
  blocksHoldHistogram(labels: Labels, t: number, h: FloatHistogram): boolean {
    return this.someBlockAt(labels, t, (buf) => {
      if (buf.histogramCount === 0) return false;
      const c = buf.columns();
      for (let i = 0; i < c.timestamps.length; i++) {
        const stored = c.histograms![i];
        if (c.timestamps[i] === t && stored !== null && (h.equals(stored) || histogramTakesPrecedence(stored, h))) return true;
      }
      return false;
    });
  }

  /** Whether `holds` is true of the samples at `t` of some block's series with exactly these labels. */
  private someBlockAt(labels: Labels, t: number, holds: (buf: SampleBuffer) => boolean): boolean {
    this.check();
    const matchers: LabelMatcher[] = [];
    for (const name in labels) if (labels[name] !== '') matchers.push({ name, type: '=', value: labels[name] });
    const buf = new SampleBuffer(8);
    for (const b of this.blocks) {
      if (t < b.minTime || t >= b.maxTime) continue;
      for (const id of b.select(matchers)) {
        if (!sameLabelSet(b.series[id].labels, labels)) continue;
        buf.clear();
        b.collect(id, buf, t, t);
        if (holds(buf)) return true;
      }
    }
    return false;
  }

  /** Compacts adjacent blocks into longer ranges and applies retention; returns blocks written. */
  async compact(): Promise<number> {
    this.check();
    await this.checkpointWritten();
    this.check();
    let written = 0;
    for (;;) {
      const group = planCompaction(this.blocks, this.ranges);
      if (group === null) break;
      const meta = compactBlocks(this.dir, group);
      const merged = Block.open(join(this.dir, meta.ulid));
      this.blocks = [...this.blocks.filter((b) => !group.includes(b)), merged];
      for (const b of group) this.removeBlock(b);
      written++;
      this.compactions++;
    }
    for (const b of blocksBeyondRetention(this.blocks, { retentionMs: this.options.retentionMs ?? 15 * 24 * HOUR, retentionBytes: this.options.retentionBytes ?? 0 })) {
      this.blocks = this.blocks.filter((x) => x !== b);
      this.removeBlock(b);
      this.retentionDeleted++;
    }
    this.downsample();
    return written;
  }

  /** Builds the downsampled days that are due and applies each tier's retention. */
  private downsample(again = false): number {
    if (this.blocks.length === 0) return 0;
    const newest = Math.max(...this.blocks.map((b) => b.maxTime));
    let n = 0;
    // Finest first: a coarser tier's newest, not yet whole range is made from the finer one's blocks.
    this.tiers.forEach((t, i) => {
      n += t.build(this.listBlocks(), again, this.tiers[i - 1]);
      t.applyRetention(newest);
    });
    return n;
  }

  /**
   * Builds every downsampled block again from the raw blocks it was made from, where they all
   * remain (Tier.build), and the missing ones; returns blocks written.
   */
  async rebuildDownsampled(): Promise<number> {
    this.check();
    return this.downsample(true);
  }

  /** The downsampled tiers, finest first. */
  listTiers(): readonly Tier[] {
    return this.tiers;
  }

  /** Rewrites blocks that carry tombstones so deleted samples leave the disk. */
  async cleanTombstones(): Promise<number> {
    this.check();
    let n = 0;
    for (const b of this.blocks.filter((x) => x.tombstones.length > 0)) {
      const meta = compactBlocks(this.dir, [b]);
      this.blocks = [...this.blocks.filter((x) => x !== b), Block.open(join(this.dir, meta.ulid))];
      this.removeBlock(b);
      n++;
    }
    return n;
  }

  private removeBlock(b: Block): void {
    b.release();
    removeBlockDir(b.dir);
  }

  /**
   * delete_series: samples of matching series in [start, end] disappear from reads at once; blocks
   * get durable tombstones (data removed on compaction), the head drops them and logs the deletion.
   */
  async deleteSeries(matchers: readonly LabelMatcher[], start: number, end: number): Promise<void> {
    this.check();
    const mint = Math.max(start, Number.MIN_SAFE_INTEGER);
    const maxt = Math.min(end, Number.MAX_SAFE_INTEGER);
    for (const b of this.blocks) {
      if (b.maxTime <= mint || b.minTime > maxt) continue;
      if (b.select(matchers).length > 0) b.addTombstone({ matchers: [...matchers], mint, maxt });
    }
    for (const t of this.tiers) t.addTombstone({ matchers: [...matchers], mint, maxt });
    this.head.deleteSeries(matchers, mint, maxt);
    this.wal?.flush();
  }

  /**
   * Writes a consistent copy into `dir` (which must not exist or be empty): blocks are hard-linked
   * (copied across devices), the head is written as one more block. Everything happens in one
   * synchronous step, so no append interleaves.
   */
  async snapshot(dir: string): Promise<string[]> {
    this.check();
    mkdirSync(dir, { recursive: true });
    const ids: string[] = [];
    for (const b of this.blocks) {
      const dst = join(dir, b.id);
      mkdirSync(dst);
      for (const f of readdirSync(b.dir)) {
        if (f === 'tombstones.json') copyFileSync(join(b.dir, f), join(dst, f));
        else {
          try {
            linkSync(join(b.dir, f), join(dst, f));
          } catch {
            copyFileSync(join(b.dir, f), join(dst, f));
          }
        }
      }
      fsyncDir(dst);
      ids.push(b.id);
    }
    const min = this.head.minTime();
    if (Number.isFinite(min)) {
      // The head's own chunks: encoding the whole head into long ones would hold the thread that long.
      const meta = persistHeadRange(this.head, dir, min, this.head.maxT + 1, { chunks: 'head' });
      ids.push(meta.ulid);
    }
    fsyncDir(dir);
    return ids;
  }

  querier(mint: number, maxt: number): Querier {
    this.check();
    const blocks = this.listBlocks().filter((b) => b.maxTime > mint && b.minTime <= maxt);
    const raw = new TsdbQuerier(blocks, this.head, mint, maxt);
    return new RollupQuerier(raw, this.tiers);
  }

  /**
   * Blocks, oldest first; blocks starting together in the order they were written. Reads and
   * compaction merge overlapping blocks in this order, and of two samples at one timestamp keep
   * the first (the value stored first).
   */
  listBlocks(): readonly Block[] {
    return [...this.blocks].sort(blockOrder);
  }

  stats(): TsdbStats {
    return {
      ...this.head.stats,
      headSeries: this.head.numSeries,
      blocks: this.blocks.length,
      blockBytes: this.blocks.reduce((n, b) => n + b.sizeBytes(), 0),
      walPendingBytes: this.wal?.pendingBytes ?? 0,
      headCheckpoints: this.checkpointsWritten,
      compactions: this.compactions,
      backfillHeld: this.head.backfillHeld,
      backfillFlushes: this.backfillFlushes,
      blocksDeletedByRetention: this.retentionDeleted,
    };
  }

  /** Flushes and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.checkpointWritten();
    if (this.closed) return;
    this.wal?.close();
    for (const b of this.blocks) b.release();
    for (const t of this.tiers) t.release();
    this.closed = true;
  }
}

/** Label equality ignoring empty values (which the TSDB drops). */
function sameLabelSet(stored: Labels, given: Labels): boolean {
  let n = 0;
  for (const k in given) {
    if (given[k] === '') continue;
    if (stored[k] !== given[k]) return false;
    n++;
  }
  return n === Object.keys(stored).length;
}

function blockOrder(a: Block, b: Block): number {
  return a.minTime - b.minTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Opens the blocks in `dir`, removing unfinished `.tmp` blocks and parents of compacted blocks. */
function loadBlocks(dir: string): Block[] {
  const blocks: Block[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f.endsWith('.tmp')) {
      rmSync(p, { recursive: true, force: true });
      continue;
    }
    if (f === 'wal' || isHeadCheckpointEntry(f) || !statSync(p).isDirectory() || !existsSync(join(p, 'meta.json'))) continue;
    blocks.push(Block.open(p));
  }
  const parents = new Set(blocks.flatMap((b) => b.meta.compaction.parents));
  for (const b of blocks.filter((x) => parents.has(x.id))) {
    b.release();
    removeBlockDir(b.dir);
  }
  return blocks.filter((b) => !parents.has(b.id));
}
