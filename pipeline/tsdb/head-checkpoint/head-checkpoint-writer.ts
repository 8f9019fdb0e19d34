import { copyFileSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ByteWriter } from '../block/index.js';
import { ENCODING_XOR, SampleBuffer, type EncodedChunk } from '../chunks/index.js';
import type { Head } from '../head/index.js';
import { CHECKPOINT_PREFIX, CHUNKS_FILE_KIND, chunksFileName, listCheckpoints, OPEN_FILE, OPEN_FILE_KIND, SERIES_FILE_KIND, seriesFileName, writeCheckpointManifest, type ChunkPart } from './checkpoint-manifest.js';
import { RecordFileWriter } from './record-file.js';

export interface HeadCheckpointWriterOptions {
  /** Series per turn of the event loop: the writer yields between slices of the head this size. */
  readonly seriesPerPart?: number;
}

/** What the newest checkpoint a writer wrote holds that the next one may link. */
interface Linkable {
  readonly dir: string;
  readonly chunks: readonly ChunkPart[];
  readonly series: readonly string[];
  /** Series refs below this are in the series files. */
  readonly refLimit: number;
  /** Series the series files name (live or not). */
  readonly named: number;
  /** The head's `rewrites` when it was written. */
  readonly rewrites: number;
  /** The head's `minValidTime` when it was written. */
  readonly minValidTime: number;
  /** Per chunk file, the start of its oldest chunk. */
  readonly chunkMinT: ReadonlyMap<string, number>;
}

/**
 * Writes head checkpoints of one TSDB directory (FORMAT.md, "Head checkpoint"), incrementally:
 * a closed in-order chunk is written once, into a chunk file that later checkpoints hard-link
 * into their own directory while the head holds any of its chunks, and a series' labels once,
 * into a series file linked the same way; each checkpoint writes the chunks closed
 * since the one before, the labels of series new since, and the open file: each series' open
 * chunk as it is, or all of a series with out-of-order samples, histograms or start timestamps.
 * The first checkpoint of a writer, the first after a deletion rewrote series or after a failed
 * one, and one that would link too much that the head no longer holds, write everything again
 * (a new base).
 *
 * A write yields to the event loop between slices of series, and compresses and fsyncs off it.
 * The position it covers is the caller's as the write starts; appends made while it runs may be
 * in it or not, series by series, which a restart applying the caller's log again from that
 * position takes as duplicates. Calls must not overlap (the TSDB serializes them with its flushes).
 */
export class HeadCheckpointWriter {
  private readonly seriesPerPart: number;
  /** Null: the next checkpoint is a new base. */
  private last: Linkable | null = null;

  constructor(
    private readonly tsdbDir: string,
    options: HeadCheckpointWriterOptions = {},
  ) {
    this.seriesPerPart = options.seriesPerPart ?? 8192;
    if (!(Number.isSafeInteger(this.seriesPerPart) && this.seriesPerPart >= 1)) throw new RangeError(`seriesPerPart must be a positive integer, got ${this.seriesPerPart}`);
  }

  /**
   * Writes the head as a checkpoint covering `position`: `head-checkpoint.<seq>.tmp/` gets the
   * linked and new files and `checkpoint.json`, every file fsynced; it is then renamed to
   * `head-checkpoint.<seq>`, the TSDB directory fsynced, and older checkpoints deleted. The steps
   * before its first yield run synchronously with the caller. Resolves to the checkpoint's
   * directory, or to null when a deletion rewrote series while it was written (nothing is kept;
   * the next one is a new base).
   */
  async write(head: Head, position: number, sources: Iterable<string>): Promise<string | null> {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`head checkpoint position must be a non-negative integer, got ${position}`);
    const existing = listCheckpoints(this.tsdbDir);
    const seq = existing.length > 0 ? existing[existing.length - 1].seq + 1 : 1;
    const name = CHECKPOINT_PREFIX + String(seq).padStart(8, '0');
    const tmp = join(this.tsdbDir, `${name}.tmp`);
    const sourceList = [...sources];
    const maxT = Number.isFinite(head.maxT) ? head.maxT : null;
    const minValidTime = head.minValidTime;
    const rewrites = head.rewrites;
    const limit = head.refLimit;
    const prev = this.last;
    // Until it succeeds, the next checkpoint cannot count on this one's files.
    this.last = null;
    const live = prev === null || prev.rewrites !== rewrites ? null : prev.chunks.filter((p) => p.maxT >= minValidTime);
    // A cut since the last checkpoint leaves the chunk files that straddle it holding chunks the
    // blocks now hold too (all of one written while history was ingested): once per cut, a base
    // drops them.
    const holdsCut = live !== null && prev!.minValidTime !== minValidTime && live.some((p) => (prev!.chunkMinT.get(p.file) ?? Infinity) < minValidTime);
    // Links stay few, and series files name not much more than the head holds.
    const base = live === null || holdsCut || live.length + prev!.series.length > 256 || prev!.named > 2 * head.numSeries + this.seriesPerPart;
    const linkedChunks = base ? [] : live;
    const linkedSeries = base ? [] : prev!.series;
    const namedFrom = base ? 1 : prev!.refLimit;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const p of linkedChunks) linkFile(join(prev!.dir, p.file), join(tmp, p.file));
    for (const f of linkedSeries) linkFile(join(prev!.dir, f), join(tmp, f));

    const seriesFile = seriesFileName(seq);
    const chunksFile = chunksFileName(seq);
    const seriesOut = new RecordFileWriter(join(tmp, seriesFile), SERIES_FILE_KIND);
    const chunksOut = new RecordFileWriter(join(tmp, chunksFile), CHUNKS_FILE_KIND);
    const openOut = new RecordFileWriter(join(tmp, OPEN_FILE), OPEN_FILE_KIND);
    const files = [seriesOut, chunksOut, openOut];
    let named = base ? 0 : prev!.named;
    let newlyNamed = 0;
    let openSeries = 0;
    // Per series: the end of its newest closed chunk this checkpoint writes, set once it is in place.
    const written: { ref: number; maxT: number }[] = [];
    let closedMaxT = -Infinity;
    let closedMinT = Infinity;
    let merge: SampleBuffer | null = null;
    const labelsOut = new ByteWriter(1 << 16);
    const closedRecords = new ByteWriter(1 << 16);
    const openRecords = new ByteWriter(1 << 20);
    try {
      for (let from = 1; from < limit; from += this.seriesPerPart) {
        if (from > 1) {
          await nextTurn();
          if (head.rewrites !== rewrites) {
            for (const f of files) f.abandon();
            rmSync(tmp, { recursive: true, force: true });
            return null;
          }
        }
        labelsOut.length = 0;
        closedRecords.length = 0;
        openRecords.length = 0;
        const to = Math.min(limit, from + this.seriesPerPart);
        for (let ref = from; ref < to; ref++) {
          const s = head.series(ref);
          if (s === undefined) continue;
          if (ref >= namedFrom) {
            labelsOut.uvarint(ref);
            labelsOut.uvarint(s.labelCount);
            for (const n in s.labels) {
              labelsOut.str(n);
              labelsOut.str(s.labels[n]);
            }
            newlyNamed++;
          }
          const after = base ? -Infinity : s.checkpointedMaxT;
          const n = s.chunkCount;
          let i = n;
          while (i > 0 && s.chunkMaxT(i - 1) > after) i--;
          if (i < n) {
            const chunks: EncodedChunk[] = [];
            for (let k = i; k < n; k++) chunks.push({ encoding: s.chunkEncoding(k), bytes: s.chunkBytes(k), minT: s.chunkMinT(k), maxT: s.chunkMaxT(k) });
            writeChunks(closedRecords, ref, chunks);
            const maxT = s.chunkMaxT(n - 1);
            written.push({ ref, maxT });
            if (maxT > closedMaxT) closedMaxT = maxT;
            if (s.chunkMinT(i) < closedMinT) closedMinT = s.chunkMinT(i);
          }
          if (s.histT !== null || s.startT !== null) {
            // Mixed or side-column content: all of the series, encoded as a cut would.
            merge ??= new SampleBuffer(256);
            merge.clear();
            s.collect(merge, -Infinity, Infinity);
            const chunks = merge.encodeBestChunks();
            if (chunks.length > 0) writeChunks(openRecords, ref, chunks);
            openSeries++;
          } else {
            // The open chunk and the out-of-order samples as the head holds them (XOR): a restore
            // merges them with the closed chunks, so a backfilled series is not encoded again.
            // (Encoding the open chunk again in the smaller encoding took its bytes after brotli
            // to about half, for some 190 ns of CPU per sample at every checkpoint, which doubled
            // what an incremental checkpoint costs.)
            const chunks: EncodedChunk[] = [];
            const app = s.app;
            if (app !== null && app.count > 0) chunks.push({ encoding: ENCODING_XOR, bytes: app.view(), minT: app.minT, maxT: app.maxT });
            if (s.hasOutOfOrder) for (const c of s.outOfOrderChunks()) chunks.push({ encoding: ENCODING_XOR, bytes: c.bytes, minT: c.minT, maxT: c.maxT });
            if (chunks.length > 0) {
              writeChunks(openRecords, ref, chunks);
              openSeries++;
            }
          }
        }
        await Promise.all([seriesOut.frame(labelsOut), chunksOut.frame(closedRecords), openOut.frame(openRecords)]);
      }
      await Promise.all(files.map((f) => f.finish()));
    } catch (err) {
      for (const f of files) f.abandon();
      throw new Error(`writing head checkpoint ${tmp}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (head.rewrites !== rewrites) {
      rmSync(tmp, { recursive: true, force: true });
      return null;
    }
    named += newlyNamed;
    const series = [...linkedSeries];
    if (newlyNamed > 0) series.push(seriesFile);
    else rmSync(join(tmp, seriesFile));
    if (openSeries === 0) rmSync(join(tmp, OPEN_FILE));
    const chunks = [...linkedChunks];
    if (written.length > 0) chunks.push({ file: chunksFile, maxT: closedMaxT });
    else rmSync(join(tmp, chunksFile));
    await writeCheckpointManifest(tmp, { position, maxT, minValidTime: Number.isFinite(minValidTime) ? minValidTime : null, chunks, series, open: openSeries > 0 ? OPEN_FILE : null, sources: sourceList });
    await fsyncDirectory(tmp);
    const final = join(this.tsdbDir, name);
    renameSync(tmp, final);
    await fsyncDirectory(this.tsdbDir);
    for (const c of existing) rmSync(join(this.tsdbDir, c.name), { recursive: true, force: true });
    for (const w of written) {
      const s = head.series(w.ref);
      if (s !== undefined && w.maxT > s.checkpointedMaxT) s.checkpointedMaxT = w.maxT;
    }
    const chunkMinT = new Map<string, number>();
    for (const p of linkedChunks) chunkMinT.set(p.file, prev!.chunkMinT.get(p.file) ?? -Infinity);
    if (written.length > 0) chunkMinT.set(chunksFile, closedMinT);
    this.last = { dir: final, chunks, series, refLimit: limit, named, rewrites, minValidTime, chunkMinT };
    return final;
  }
}

/** A record of a chunk file or the open file: the series ref, its chunks (encoding, minT, maxT - minT, bytes). */
function writeChunks(w: ByteWriter, ref: number, chunks: readonly EncodedChunk[]): void {
  w.uvarint(ref);
  w.uvarint(chunks.length);
  for (const c of chunks) {
    w.byte(c.encoding);
    w.varint(c.minT);
    w.uvarint(c.maxT - c.minT);
    w.uvarint(c.bytes.length);
    w.bytes(c.bytes);
  }
}

/** fsyncs a directory off the event loop. */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Hard-links a file of the previous checkpoint (copies it where links are refused, as across devices). */
function linkFile(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw new Error(`linking head checkpoint file ${from}: ${(err as Error).message}`, { cause: err });
    copyFileSync(from, to);
  }
}
