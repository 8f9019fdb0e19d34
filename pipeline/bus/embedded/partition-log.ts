import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BusRecord, ProduceRecord, StartPosition } from '../bus.js';
import { compressValue, type BusCompression } from '../record-compression.js';
import { InvalidArgumentError, LogWriteError } from './errors.js';
import { encodeFrame } from './record-frame.js';
import { RecentRecords } from './recent-records.js';
import { Segment, type SegmentOptions, type WrittenFrame } from './segment.js';
import { writeCompactedCopy, type SegmentCompactionOptions } from './segment-compaction.js';
import { syncDir } from './sync-dir.js';

export interface PartitionLogOptions extends SegmentOptions {
  /** Size at which the active segment is sealed and a new one started. */
  readonly segmentBytes: number;
  readonly now: () => number;
  /** How record values are stored (records read back are always as produced). */
  readonly compression: BusCompression;
  /** Value bytes of the records appended last that readers get from memory (recent-records.ts); 0 or absent: none. */
  readonly recentBytes?: number;
}

/**
 * What the log need no longer keep for its readers' sake: records below `belowOffset` (what every
 * group that stores the partition elsewhere has made durable), once older than `windowMs`.
 */
export interface RetentionRelease {
  readonly belowOffset: number;
  readonly windowMs: number;
}

/** What compacting one sealed segment did. */
export interface SegmentCompaction {
  readonly file: string;
  readonly records: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

interface PendingAppend {
  readonly records: readonly ProduceRecord[];
  /** Per record, its value compressed (undefined: stored as it is). */
  readonly compressed: readonly (Buffer | undefined)[];
  readonly resolve: (firstOffset: number) => void;
  readonly reject: (err: unknown) => void;
}

interface DataWaiter {
  readonly offset: number;
  readonly resolve: () => void;
}

/**
 * One partition: a directory of segment files. Appends are group-committed: every produce call
 * that arrives while a write+fsync runs joins the next one, so one fsync acknowledges many calls.
 * `high` only moves once the bytes are synced, so readers never see a record that a crash could
 * take back (as Kafka's high watermark trails the log end until replicas have it).
 */
export class PartitionLog {
  private readonly segments: Segment[];
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Set<DataWaiter>();
  /** Per segment base offset, its first record's timestamp, once read (see durablePartOld). */
  private readonly firstTimestamps = new Map<number, number>();
  /** Base offsets of sealed segments compaction has rewritten or found not worth rewriting. */
  private readonly settled = new Set<number>();
  private closed = false;
  private readonly recent: RecentRecords;
  /** When records were last appended (the log's clock); an idle active segment may be sealed for compaction. */
  private lastAppendAt: number;
  /** Frame bytes appended since open, and when sealIfIdle last saw more than a trickle of them arrive. */
  private appendedBytes = 0;
  private trickleMark = { at: 0, bytes: 0 };

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    segments: Segment[],
    private readonly opts: PartitionLogOptions,
  ) {
    this.segments = segments;
    this.recent = new RecentRecords(topic, partition, opts.recentBytes ?? 0);
    this.lastAppendAt = opts.now();
    this.trickleMark = { at: this.lastAppendAt, bytes: 0 };
  }

  /** Opens (recovering a torn tail) or creates the partition directory. */
  static async open(dir: string, topic: string, partition: number, opts: PartitionLogOptions): Promise<PartitionLog> {
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    for (const n of names) if (n.endsWith('.tmp')) await unlink(join(dir, n)).catch(() => undefined);
    const bases = names
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    const segments: Segment[] = [];
    for (let i = 0; i < bases.length; i++) {
      segments.push(await Segment.open(dir, bases[i], i < bases.length - 1, opts));
    }
    if (segments.length === 0) {
      segments.push(await Segment.create(dir, 0, opts));
      await syncDir(dir);
    }
    return new PartitionLog(topic, partition, dir, segments, opts);
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /** First retained offset. */
  get low(): number {
    return this.segments[0].baseOffset;
  }

  /** Offset the next acknowledged record gets; everything below is synced. */
  get high(): number {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Appends records (validated by the caller) and resolves with the first one's offset once synced. */
  append(records: readonly ProduceRecord[]): Promise<number> {
    if (this.closed) return Promise.reject(new LogWriteError(this.topic, this.partition, this.active.file, 'closed'));
    // Compressed by the calling turn, outside the exclusive write, so the previous write's fsync
    // overlaps it.
    const codec = this.opts.compression;
    let compressed: (Buffer | undefined)[] = [];
    try {
      if (codec !== 'none') compressed = records.map((r) => compressValue(codec, r.value));
    } catch (err) {
      return Promise.reject(new LogWriteError(this.topic, this.partition, this.active.file, `compressing a record value (${codec}): ${(err as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ records, compressed, resolve, reject });
      // Let every produce call of this tick join the first write.
      this.flushing ??= new Promise((r) => setImmediate(r)).then(() => this.flushLoop());
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.exclusive(() => this.writeBatch(batch)).catch((err: unknown) => {
          for (const item of batch) item.reject(err);
        });
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    const seg = this.active;
    const now = this.opts.now();
    let offset = seg.nextOffset;
    const buffers: Buffer[] = [];
    const frames: WrittenFrame[] = [];
    const firsts: number[] = [];
    const produced: ProduceRecord[] = [];
    const stamps: number[] = [];
    for (let b = 0; b < batch.length; b++) {
      const item = batch[b];
      firsts.push(offset);
      for (let i = 0; i < item.records.length; i++) {
        const r = item.records[i];
        const timestampMs = r.timestampMs ?? now;
        const stored = item.compressed[i];
        const buf = encodeFrame({
          offset, timestampMs, key: r.key ?? null, headers: r.headers,
          value: stored ?? r.value, codec: stored === undefined ? 'none' : this.opts.compression,
        });
        buffers.push(buf);
        frames.push({ offset, timestampMs, length: buf.length });
        produced.push(r);
        stamps.push(timestampMs);
        offset++;
      }
    }
    try {
      await seg.append(buffers, frames);
    } catch (err) {
      const e = new LogWriteError(this.topic, this.partition, seg.file, err);
      this.opts.log('error', e.message, { topic: this.topic, partition: this.partition });
      for (const item of batch) item.reject(e);
      this.recent.clear();
      return;
    }
    if (produced.length > 0) this.recent.add(firsts[0], produced, stamps);
    this.lastAppendAt = now;
    for (const b of buffers) this.appendedBytes += b.length;
    batch.forEach((item, i) => item.resolve(firsts[i]));
    this.notify();
    if (seg.size >= this.opts.segmentBytes) {
      // A failed roll is not fatal: writing goes on into the current segment and rolls later.
      await this.roll().catch((err: unknown) =>
        this.opts.log('error', 'embedded bus: rolling segment failed', { file: seg.file, error: String(err) }),
      );
    }
  }

  /** Seals the active segment and starts a new one at the high watermark. */
  private async roll(): Promise<void> {
    const seg = this.active;
    await seg.writeIndex();
    const next = await Segment.create(this.dir, seg.nextOffset, this.opts);
    await syncDir(this.dir);
    this.segments.push(next);
  }

  private notify(): void {
    const high = this.high;
    for (const w of this.waiters) {
      if (w.offset < high) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  /** Resolves once a record at `offset` is readable (or at once if it is); `cancel` forgets it. */
  waitFor(offset: number): { promise: Promise<void>; cancel: () => void } {
    if (offset < this.high || this.closed) return { promise: Promise.resolve(), cancel: () => undefined };
    let waiter!: DataWaiter;
    const promise = new Promise<void>((resolve) => {
      waiter = { offset, resolve };
    });
    this.waiters.add(waiter);
    return { promise, cancel: () => this.waiters.delete(waiter) };
  }

  /**
   * Reads records from `from` on (about `maxBytes` of them, at least one if any exists) and the
   * offset to continue at. Offsets missing from the log (dropped by recovery) are skipped.
   */
  async read(from: number, maxBytes: number): Promise<{ records: BusRecord[]; next: number }> {
    let i = this.segmentIndexFor(from);
    let at = Math.max(from, this.low);
    const kept = at < this.high ? this.recent.from(at, maxBytes) : undefined;
    if (kept !== undefined) return { records: kept, next: kept[kept.length - 1].offset + 1 };
    while (i < this.segments.length) {
      const seg = this.segments[i];
      if (at < seg.nextOffset) {
        const records = await seg.read(at, maxBytes, this.topic, this.partition);
        if (records.length > 0) return { records, next: records[records.length - 1].offset + 1 };
      }
      i++;
      if (i < this.segments.length) at = Math.max(at, this.segments[i].baseOffset);
      else at = Math.max(at, this.high);
    }
    return { records: [], next: at };
  }

  /**
   * `reader` (a consumer group) took every record before `next`: the records kept in memory that
   * every such reader took are let go (recent-records.ts).
   */
  readerAt(reader: string, next: number): void {
    this.recent.passed(reader, next);
  }

  /** `reader` no longer reads this partition (its group let it go): it holds no records in memory back. */
  forgetReader(reader: string): void {
    this.recent.forget(reader);
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The offset a start position or seek target means on this partition. */
  async resolve(to: StartPosition): Promise<number> {
    if (to === 'earliest') return this.low;
    if (to === 'latest') return this.high;
    if ('offset' in to) {
      if (!Number.isSafeInteger(to.offset) || to.offset < 0) {
        throw new InvalidArgumentError(`offset ${to.offset} is not a non-negative integer`, {
          topic: this.topic,
          partition: this.partition,
        });
      }
      return to.offset;
    }
    if (!Number.isFinite(to.timestampMs)) {
      throw new InvalidArgumentError(`timestamp ${to.timestampMs} is not a number`, { topic: this.topic, partition: this.partition });
    }
    return this.offsetForTimestamp(to.timestampMs);
  }

  /** First offset whose record timestamp is >= `timestampMs`, or `high` when there is none. */
  async offsetForTimestamp(timestampMs: number): Promise<number> {
    for (const seg of [...this.segments]) {
      const found = await seg.offsetForTimestamp(timestampMs, this.topic, this.partition);
      if (found !== undefined) return found;
    }
    return this.high;
  }

  /**
   * Deletes the oldest sealed segments that are wholly older than `retentionMs` or that push the
   * partition over `retentionBytes` (-1 disables either), and, given `released`, those wholly
   * below its offset whose newest record is older than its window. An active segment whose records
   * all qualify is rolled first so it can go too. Returns how many segments were deleted.
   */
  async enforceRetention(retentionMs: number, retentionBytes: number, released?: RetentionRelease): Promise<number> {
    return this.exclusive(async () => {
      const now = this.opts.now();
      const cutoff = now - retentionMs;
      const releasable = (s: Segment): boolean =>
        released !== undefined && s.nextOffset <= released.belowOffset && s.maxTimestamp < now - released.windowMs;
      const expired = (s: Segment): boolean => retentionMs >= 0 && s.maxTimestamp < cutoff;
      if (this.active.recordCount > 0 && (expired(this.active) || releasable(this.active) || (await this.durablePartOld(released, now)))) await this.roll();
      let total = this.sizeBytes;
      let deleted = 0;
      while (this.segments.length > 1) {
        const s = this.segments[0];
        const oversize = retentionBytes >= 0 && total > retentionBytes;
        if (s.recordCount !== 0 && !expired(s) && !oversize && !releasable(s)) break;
        this.segments.shift();
        this.firstTimestamps.delete(s.baseOffset);
        this.settled.delete(s.baseOffset);
        total -= s.size;
        deleted++;
        await s.delete();
      }
      return deleted;
    });
  }

  /**
   * Whether the active segment starts with records that are durable and older than the window:
   * it is rolled then, so they can go once the rest of it is durable too. Without this a slow
   * partition's segment (64 MiB) would hold days of records its readers no longer need.
   */
  private async durablePartOld(released: RetentionRelease | undefined, now: number): Promise<boolean> {
    const seg = this.active;
    if (released === undefined || seg.baseOffset >= released.belowOffset) return false;
    let first = this.firstTimestamps.get(seg.baseOffset);
    if (first === undefined) {
      const [r] = await seg.read(seg.baseOffset, 1, this.topic, this.partition);
      first = r?.timestampMs ?? Number.POSITIVE_INFINITY;
      this.firstTimestamps.set(seg.baseOffset, first);
    }
    return first < now - released.windowMs;
  }

  /**
   * Seals the active segment when nothing, or only a trickle (less than a sixteenth of
   * `minBytes` since the check that saw more), was appended for `idleMs` and it holds at least
   * `minBytes`, so that a partition that stopped receiving gets its tail compacted too (the
   * minimum keeps a quiet topic from being cut into a file per record). The trickle is allowed
   * because producers' watermarks reach every partition every minute: counted as receiving, they
   * kept an idle partition's active segment as written for good. An idle partition also lets
   * the records it kept in memory go (recent-records.ts): its readers that follow the head have
   * long taken them, and after an ingest burst they were tens of megabytes held for nothing; a
   * reader still behind reads the file. Returns whether it sealed.
   */
  async sealIfIdle(idleMs: number, minBytes: number): Promise<boolean> {
    return this.exclusive(async () => {
      if (this.closed) return false;
      const now = this.opts.now();
      if (now - this.lastAppendAt < idleMs) {
        if (this.appendedBytes - this.trickleMark.bytes > minBytes / 16) this.trickleMark = { at: now, bytes: this.appendedBytes };
        if (now - this.trickleMark.at < idleMs) return false;
      }
      this.recent.clear();
      if (this.active.size < minBytes) return false;
      await this.roll();
      return true;
    });
  }

  /** The oldest sealed segment compaction has not rewritten yet, if any. */
  async nextToCompact(): Promise<Segment | undefined> {
    for (const seg of this.segments.slice(0, -1)) {
      if (this.settled.has(seg.baseOffset) || seg.recordCount === 0) continue;
      let compacted: boolean;
      try {
        compacted = await seg.startsWithRun();
      } catch (err) {
        if (this.segments.includes(seg)) throw err;
        continue; // deleted by retention meanwhile
      }
      if (!compacted) return seg;
      this.settled.add(seg.baseOffset);
    }
    return undefined;
  }

  /**
   * Rewrites the sealed segment `seg` as runs of records compressed together (segment-compaction.ts):
   * the copy is written and synced beside it, off the partition's write lock, then renamed over it
   * and the directory synced, so a crash leaves either file whole (a leftover `.tmp` is deleted on
   * open; the old index no longer matches the file's size, so the segment is scanned and indexed
   * again). Readers in flight finish on the old file. Returns undefined when the copy would not be
   * smaller, or the segment went meanwhile (retention) or the log closed.
   */
  async compact(seg: Segment, opts: Omit<SegmentCompactionOptions, 'maxRecordBytes'>): Promise<SegmentCompaction | undefined> {
    let copy;
    try {
      copy = await writeCompactedCopy(seg, this.topic, this.partition, { ...opts, maxRecordBytes: this.opts.maxRecordBytes });
    } catch (err) {
      if (!this.segments.includes(seg)) return undefined; // deleted by retention while it was read
      this.settled.add(seg.baseOffset); // not tried again until the log is opened again
      throw err;
    }
    if (copy === undefined) {
      if (!opts.stopped()) this.settled.add(seg.baseOffset);
      return undefined;
    }
    const done = copy;
    return this.exclusive(async () => {
      const i = this.segments.indexOf(seg);
      if (this.closed || i < 0 || i === this.segments.length - 1) {
        await unlink(done.file).catch(() => undefined);
        return undefined;
      }
      await rename(done.file, seg.file);
      await syncDir(this.dir);
      this.segments[i] = await Segment.open(this.dir, seg.baseOffset, true, this.opts);
      this.settled.add(seg.baseOffset);
      await seg.retire();
      return { file: seg.file, records: done.records, bytesBefore: seg.size, bytesAfter: done.bytes };
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Finishes queued writes, wakes waiters, closes files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.lock;
    this.recent.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
    for (const s of this.segments) await s.close();
  }
}
