import { constants } from 'node:fs';
import { open, readFile, rename, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BusRecord } from '../bus.js';
import { CorruptLogError } from './errors.js';
import { decompressValue } from '../record-compression.js';
import { checkFrame, decodeFrame, FRAME_PREFIX_BYTES, frameCodec, frameOffset, frameRecordCount, frameTimestamp, isRunFrame, runFrameContent, type StoredCodec } from './record-frame.js';
import { runRecords } from './run-frame.js';
import { SegmentIndex } from './segment-index.js';

/** Limits and hooks a segment needs from its partition. */
export interface SegmentOptions {
  readonly indexIntervalBytes: number;
  readonly maxRecordBytes: number;
  readonly log: (level: 'warn' | 'error', msg: string, fields: Record<string, unknown>) => void;
}

/** What a read found at one position: a record frame, or a run frame whose records come later. */
type ReadItem =
  | { readonly record: BusRecord; readonly codec: StoredCodec; readonly position: number }
  | { readonly run: Buffer; readonly position: number };

/** Per-record facts the writer hands over after a successful write, to update the index. */
export interface WrittenFrame {
  readonly offset: number;
  readonly timestampMs: number;
  readonly length: number;
}

const SCAN_CHUNK = 4 << 20;

/**
 * Writes to the active segment are synced by the write itself (O_DSYNC): a group commit is one
 * pwritev on the thread pool instead of a pwritev and then an fdatasync, half the round trips per
 * partition per commit, and the same durability (the write returns once its data and the file
 * size are on disk). Where the platform has no O_DSYNC, an fdatasync follows the write.
 */
const DSYNC: number = constants.O_DSYNC ?? 0;
const CREATE_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | DSYNC;
const ACTIVE_FLAGS = constants.O_RDWR | DSYNC;
/** writev takes at most IOV_MAX (1024) buffers at once. */
const IOV_MAX = 1024;

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

/**
 * One log file of a partition: records with consecutive offsets from `baseOffset`. Only the bytes
 * below `size` are complete and synced; readers never look past it. The last segment of a
 * partition is the active one the writer appends to; the others are sealed and immutable.
 */
export class Segment {
  /** Synced, readable bytes. */
  size = 0;
  /** Offset after the last record below `size`. */
  nextOffset: number;
  maxTimestamp = -Infinity;
  readonly index: SegmentIndex;
  private refs = 0;
  private retired = false;
  /**
   * Bytes of records per byte of file in the runs read last (1 until a run is read): a read of a
   * compacted segment asks the file for about what its budget needs, not five times that.
   */
  private expansion = 1;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly fh: FileHandle,
    private readonly opts: SegmentOptions,
  ) {
    this.nextOffset = baseOffset;
    this.index = new SegmentIndex(opts.indexIntervalBytes);
  }

  get file(): string {
    return join(this.dir, segmentFileName(this.baseOffset));
  }

  get indexFile(): string {
    return join(this.dir, segmentFileName(this.baseOffset).replace(/\.log$/, '.index'));
  }

  get recordCount(): number {
    return this.nextOffset - this.baseOffset;
  }

  /** Creates an empty segment file (the caller syncs the directory). */
  static async create(dir: string, baseOffset: number, opts: SegmentOptions): Promise<Segment> {
    const fh = await open(join(dir, segmentFileName(baseOffset)), CREATE_FLAGS);
    return new Segment(dir, baseOffset, fh, opts);
  }

  /**
   * Opens an existing segment. A sealed one with a matching index file is trusted as written;
   * otherwise every frame is checked and anything after the last good one is cut off (a torn tail
   * after a crash, or damage), which is logged, never fatal.
   */
  static async open(dir: string, baseOffset: number, sealed: boolean, opts: SegmentOptions): Promise<Segment> {
    const fh = await open(join(dir, segmentFileName(baseOffset)), sealed ? 'r' : ACTIVE_FLAGS);
    const seg = new Segment(dir, baseOffset, fh, opts);
    const fileSize = (await fh.stat()).size;
    if (sealed && (await seg.loadIndex(fileSize))) return seg;
    const { goodBytes, reason } = await seg.scan(fileSize);
    if (goodBytes < fileSize) {
      opts.log('warn', 'embedded bus: truncating torn or corrupt log tail', {
        file: seg.file,
        position: goodBytes,
        droppedBytes: fileSize - goodBytes,
        reason,
      });
      if (sealed) {
        await fh.close();
        await truncate(seg.file, goodBytes);
        return Segment.open(dir, baseOffset, sealed, opts);
      }
      await fh.truncate(goodBytes);
      await fh.sync();
    }
    if (sealed) await seg.writeIndex();
    return seg;
  }

  private async loadIndex(fileSize: number): Promise<boolean> {
    let buf: Buffer;
    try {
      buf = await readFile(this.indexFile);
    } catch {
      return false;
    }
    const parsed = SegmentIndex.deserialize(buf, this.opts.indexIntervalBytes, fileSize);
    if (!parsed) return false;
    this.index.offsets = parsed.index.offsets;
    this.index.positions = parsed.index.positions;
    this.index.maxBefore = parsed.index.maxBefore;
    this.size = fileSize;
    this.nextOffset = parsed.nextOffset;
    this.maxTimestamp = parsed.maxTimestamp;
    return true;
  }

  /** Walks and verifies every frame, building the index; returns where the valid data ends. */
  private async scan(fileSize: number): Promise<{ goodBytes: number; reason: string }> {
    let pos = 0;
    while (pos < fileSize) {
      const want = Math.min(SCAN_CHUNK, fileSize - pos);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.fh.read(buf, 0, want, pos);
      const chunk = buf.subarray(0, bytesRead);
      let p = 0;
      while (p < chunk.length) {
        const check = checkFrame(chunk, p, this.opts.maxRecordBytes, true);
        if (check.ok) {
          const bad = this.accept(chunk, p, pos + p, check.length);
          if (bad) return { goodBytes: pos + p, reason: bad };
          p += check.length;
          continue;
        }
        const atEof = pos + chunk.length >= fileSize;
        if (!check.incomplete || atEof) return { goodBytes: pos + p, reason: check.reason };
        if (p > 0) break; // the frame continues in the next chunk
        // A single frame longer than the chunk: read it whole.
        const len = chunk.readUInt32LE(0) + 8;
        if (pos + len > fileSize) return { goodBytes: pos, reason: check.reason };
        const big = Buffer.allocUnsafe(len);
        await this.fh.read(big, 0, len, pos);
        const c2 = checkFrame(big, 0, this.opts.maxRecordBytes, true);
        if (!c2.ok) return { goodBytes: pos, reason: c2.reason };
        const bad = this.accept(big, 0, pos, len);
        if (bad) return { goodBytes: pos, reason: bad };
        p = len;
        break;
      }
      pos += p;
    }
    return { goodBytes: pos, reason: '' };
  }

  /** Indexes a verified frame found by `scan`; returns why it does not belong here, if so. */
  private accept(buf: Buffer, p: number, position: number, length: number): string | undefined {
    const off = frameOffset(buf, p);
    if (off !== this.nextOffset) return `offset ${off} where ${this.nextOffset} was expected`;
    this.observe(off, position, frameTimestamp(buf, p), length, frameRecordCount(buf, p));
    return undefined;
  }

  /** Indexes a frame at `position` that holds `count` records from `offset` (a run holds many). */
  private observe(offset: number, position: number, timestampMs: number, length: number, count = 1): void {
    this.index.observe(offset, position, this.maxTimestamp);
    if (timestampMs > this.maxTimestamp) this.maxTimestamp = timestampMs;
    this.nextOffset = offset + count;
    this.size = position + length;
  }

  /** Appends encoded frames at the end and syncs them; on failure cuts the file back. */
  async append(buffers: Buffer[], frames: readonly WrittenFrame[]): Promise<void> {
    const start = this.size;
    try {
      // More frames than one writev takes go as one buffer, so the commit is still one synced write.
      const parts = buffers.length > IOV_MAX ? [Buffer.concat(buffers)] : buffers;
      const want = parts.reduce((n, b) => n + b.length, 0);
      const { bytesWritten } = await this.fh.writev(parts, start);
      if (bytesWritten !== want) throw new Error(`short write (${bytesWritten} of ${want} bytes)`);
      if (DSYNC === 0) await this.fh.datasync();
    } catch (err) {
      await this.fh.truncate(start).catch(() => undefined);
      throw err;
    }
    let pos = start;
    for (const f of frames) {
      this.observe(f.offset, pos, f.timestampMs, f.length);
      pos += f.length;
    }
  }

  /**
   * Reads records from `fromOffset` (>= baseOffset, < nextOffset), up to about `maxBytes` (at
   * least one record). Checksums are verified.
   */
  async read(fromOffset: number, maxBytes: number, topic: string, partition: number): Promise<BusRecord[]> {
    const entry = this.index.floorByOffset(fromOffset);
    let pos = this.index.positions.length > 0 ? this.index.positions[entry] : 0;
    const end = this.size;
    // Compressed values and runs are inflated together below.
    const items: ReadItem[] = [];
    let bytes = 0;
    const take = (buf: Buffer, p: number, position: number, length: number): void => {
      if (isRunFrame(buf, p)) {
        if (frameOffset(buf, p) + frameRecordCount(buf, p) <= fromOffset) return;
        items.push({ run: buf.subarray(p, p + length), position });
        const { rawLength } = runFrameContent(buf, p);
        bytes += rawLength; // what its records weigh once inflated
        this.expansion = Math.max(1, rawLength / length);
        return;
      }
      if (frameOffset(buf, p) < fromOffset) return;
      items.push({ record: decodeFrame(buf, p, topic, partition), codec: frameCodec(buf, p), position });
      bytes += length;
    };
    this.refs++;
    try {
      while (pos < end && bytes < maxBytes) {
        const want = Math.min(end - pos, Math.max(Math.ceil((maxBytes - bytes) / this.expansion), 64 << 10) + this.opts.indexIntervalBytes);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await this.fh.read(buf, 0, want, pos);
        const chunk = buf.subarray(0, bytesRead);
        let p = 0;
        while (p < chunk.length && bytes < maxBytes) {
          const check = checkFrame(chunk, p, this.opts.maxRecordBytes, true);
          if (!check.ok) {
            if (!check.incomplete) throw new CorruptLogError(this.file, pos + p, check.reason);
            if (p === 0) {
              // One frame longer than the buffer: read exactly it.
              const len = chunk.readUInt32LE(0) + 8;
              const big = Buffer.allocUnsafe(len);
              await this.fh.read(big, 0, len, pos);
              const c2 = checkFrame(big, 0, this.opts.maxRecordBytes, true);
              if (!c2.ok) throw new CorruptLogError(this.file, pos, c2.reason);
              take(big, 0, pos, len);
              p = len;
            }
            break;
          }
          take(chunk, p, pos + p, check.length);
          p += check.length;
        }
        pos += p;
      }
    } finally {
      this.refs--;
      if (this.retired && this.refs === 0) await this.fh.close().catch(() => undefined);
    }
    return this.inflate(items, fromOffset, topic, partition);
  }

  /** Records with their values as produced: compressed values and runs inflated. */
  private async inflate(items: readonly ReadItem[], fromOffset: number, topic: string, partition: number): Promise<BusRecord[]> {
    // Runs inflate on the thread pool, together; record frames need no promise each.
    const runs: (BusRecord[] | undefined)[] = [];
    const inflating: Promise<void>[] = [];
    items.forEach((item, i) => {
      if (!('run' in item)) return;
      inflating.push(
        runRecords(item.run, 0, topic, partition, this.opts.maxRecordBytes).then(
          (records) => void (runs[i] = records),
          (err: unknown) => {
            throw new CorruptLogError(this.file, item.position, `run of records from offset ${frameOffset(item.run, 0)}: ${(err as Error).message}`);
          },
        ),
      );
    });
    if (inflating.length > 0) await Promise.all(inflating);
    const out: BusRecord[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if ('run' in item) {
        for (const r of runs[i]!) if (r.offset >= fromOffset) out.push(r);
        continue;
      }
      const r = item.record;
      if (item.codec === 'none') {
        out.push(r);
        continue;
      }
      try {
        out.push({ ...r, value: decompressValue(item.codec, r.value) });
      } catch (err) {
        throw new CorruptLogError(this.file, item.position, `record at offset ${r.offset}: its ${item.codec} value does not decompress (${(err as Error).message})`);
      }
    }
    return out;
  }

  /** Whether the segment's first frame is a run: compaction rewrote it (it writes runs only from the start). */
  async startsWithRun(): Promise<boolean> {
    if (this.size < FRAME_PREFIX_BYTES + 1) return false;
    const head = Buffer.alloc(FRAME_PREFIX_BYTES + 1);
    await this.holding(() => this.fh.read(head, 0, head.length, 0));
    return isRunFrame(head, 0);
  }

  /** Runs `fn` with the file held open: retiring the segment meanwhile closes it only after. */
  private async holding<T>(fn: () => Promise<T>): Promise<T> {
    this.refs++;
    try {
      return await fn();
    } finally {
      this.refs--;
      if (this.retired && this.refs === 0) await this.fh.close().catch(() => undefined);
    }
  }

  /** First offset in this segment whose timestamp is >= `timestampMs`, or undefined. */
  async offsetForTimestamp(timestampMs: number, topic: string, partition: number): Promise<number | undefined> {
    if (this.maxTimestamp < timestampMs) return undefined;
    const entry = this.index.floorByTimestamp(timestampMs);
    let from = this.index.offsets.length > 0 ? this.index.offsets[entry] : this.baseOffset;
    // Held across its reads: compaction or retention may retire the segment between two of them.
    return this.holding(async () => {
      while (from < this.nextOffset) {
        const records = await this.read(from, 1 << 20, topic, partition);
        if (records.length === 0) return undefined;
        for (const r of records) if (r.timestampMs >= timestampMs) return r.offset;
        from = records[records.length - 1].offset + 1;
      }
      return undefined;
    });
  }

  /** Persists the index of a sealed segment (temp file + rename; a lost one is rebuilt). */
  async writeIndex(): Promise<void> {
    const tmp = `${this.indexFile}.tmp`;
    await writeFile(tmp, this.index.serialize(this.size, this.nextOffset, this.maxTimestamp));
    await rename(tmp, this.indexFile);
  }

  async close(): Promise<void> {
    if (this.refs === 0) await this.fh.close().catch(() => undefined);
  }

  /** Stops being used (replaced by a compacted copy, or deleted); the handle closes once in-flight reads finish. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.refs === 0) await this.fh.close().catch(() => undefined);
  }

  /** Removes the files; the handle closes once in-flight reads finish. */
  async delete(): Promise<void> {
    await unlink(this.file).catch(() => undefined);
    await unlink(this.indexFile).catch(() => undefined);
    await this.retire();
  }
}
