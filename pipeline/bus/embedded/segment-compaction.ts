import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { BusRecord } from '../bus.js';
import { encodeFrame } from './record-frame.js';
import { compressRun, dictionaryRunFrame, inflateRun, runFrame } from './run-frame.js';
import { asDictionaryRun } from './series-dictionary-run.js';
import type { Segment } from './segment.js';

export interface SegmentCompactionOptions {
  /** Raw bytes (records' version 1 frames) per run: what one compression call sees. */
  readonly runBytes: number;
  readonly maxRecordBytes: number;
  /** Called after each run with the milliseconds its compression and check took; pacing waits here. */
  readonly afterRun: (busyMs: number) => Promise<void>;
  /** Whether to give up (the bus is closing). */
  readonly stopped: () => boolean;
  /**
   * Awaited between the slices of a run's encoding: in `tidemark up` it holds the rest of a run
   * while queries are answered (a run is some tens of ms of event-loop work in slices of ~5 ms).
   */
  readonly giveWay?: () => Promise<void>;
}

/** A compacted copy of a sealed segment, synced, waiting to be renamed over it. */
export interface CompactedCopy {
  readonly file: string;
  readonly bytes: number;
  readonly records: number;
}

/** Where a segment's compacted copy is written; partition-log.ts deletes `*.tmp` files on open. */
export function compactionTempFile(seg: Segment): string {
  return `${seg.file}.compact.tmp`;
}

/**
 * Writes every record of the sealed segment `seg` as runs (run-frame.ts) to a temporary file and
 * syncs it. Each run is decompressed again and must give back its records' frames byte for byte,
 * or nothing is written (the error says which run). A run that would not be smaller stays as its
 * records' plain frames.
 * Returns undefined when the copy is not smaller than the segment or when stopped; the
 * temporary file is removed then and on any error.
 */
export async function writeCompactedCopy(seg: Segment, topic: string, partition: number, opts: SegmentCompactionOptions): Promise<CompactedCopy | undefined> {
  const file = compactionTempFile(seg);
  const fh = await open(file, 'w');
  let keep = false;
  try {
    const copy = await writeRuns(seg, topic, partition, opts, fh);
    if (copy === undefined || copy.bytes >= seg.size) return undefined;
    await fh.sync();
    keep = true;
    return { file, ...copy };
  } finally {
    await fh.close();
    if (!keep) await unlink(file).catch(() => undefined);
  }
}

async function writeRuns(seg: Segment, topic: string, partition: number, opts: SegmentCompactionOptions, fh: FileHandle): Promise<{ bytes: number; records: number } | undefined> {
  let written = 0;
  let records = 0;
  let pending: BusRecord[] = [];
  let frames: Buffer[] = [];
  let pendingBytes = 0;
  // Time spent giving way is not the run's work: pacing counts only the rest.
  let waitedMs = 0;
  const giveWay = opts.giveWay === undefined ? undefined : async (): Promise<void> => {
    const from = performance.now();
    await opts.giveWay!();
    waitedMs += performance.now() - from;
  };
  const flush = async (): Promise<void> => {
    const start = performance.now();
    waitedMs = 0;
    const out = await encodeRun(pending, frames, pendingBytes, opts.maxRecordBytes, giveWay);
    const busyMs = performance.now() - start - waitedMs;
    const { bytesWritten } = await fh.write(out, 0, out.length, written);
    if (bytesWritten !== out.length) throw new Error(`short write (${bytesWritten} of ${out.length} bytes)`);
    written += out.length;
    records += pending.length;
    pending = [];
    frames = [];
    pendingBytes = 0;
    await opts.afterRun(busyMs);
  };
  let at = seg.baseOffset;
  while (at < seg.nextOffset) {
    if (opts.stopped()) return undefined;
    const batch = await seg.read(at, opts.runBytes, topic, partition);
    if (batch.length === 0) throw new Error(`no record at offset ${at} of ${seg.file} (it ends at ${seg.nextOffset})`);
    for (const r of batch) {
      if (r.offset !== at) throw new Error(`offset ${r.offset} where ${at} was expected in ${seg.file}`);
      const frame = encodeFrame({ offset: r.offset, timestampMs: r.timestampMs, key: r.key, headers: r.headers, value: r.value });
      // A run stays below the largest frame readers accept, and goes once it has its size.
      if (pending.length > 0 && pendingBytes + frame.length > Math.min(opts.runBytes, opts.maxRecordBytes)) {
        await flush();
        if (opts.stopped()) return undefined;
      }
      pending.push(r);
      frames.push(frame);
      pendingBytes += frame.length;
      at++;
    }
  }
  if (pending.length > 0) await flush();
  return { bytes: written, records };
}

/**
 * One run frame for `records` (or their plain frames when that is not smaller): in series-dictionary
 * form (version 5) when some of them are sample batches that rebuild from it (asDictionaryRun
 * checks that the form gives back every record's frame), else their frames compressed (version
 * 3). Checked by inflating it back: the bytes must be what was compressed, compared in one go (the
 * frames come from encodeFrame, whose decoding record-frame.test.ts checks).
 */
async function encodeRun(records: readonly BusRecord[], frames: readonly Buffer[], rawBytes: number, maxRecordBytes: number, giveWay?: () => Promise<void>): Promise<Buffer> {
  const dictionary = await asDictionaryRun(records, frames, maxRecordBytes, giveWay);
  // The frames are joined (4 MiB) only when they are what is compressed or kept.
  const content = dictionary ?? Buffer.concat(frames, rawBytes);
  const compressed = await compressRun(content);
  let maxTimestampMs = -Infinity;
  for (const r of records) if (r.timestampMs > maxTimestampMs) maxTimestampMs = r.timestampMs;
  const first = records[0].offset;
  const frame =
    dictionary === undefined
      ? runFrame(content, compressed, first, records.length, maxTimestampMs)
      : dictionaryRunFrame(rawBytes, dictionary, compressed, first, records.length, maxTimestampMs);
  if (frame.length >= rawBytes) return dictionary === undefined ? content : Buffer.concat(frames, rawBytes);
  const back = await inflateRun(compressed, content.length).catch((err: unknown) => {
    throw new Error(`the run from offset ${first} does not inflate back`, { cause: err });
  });
  if (!back.equals(content)) throw new Error(`the run from offset ${first} does not inflate to what was compressed`);
  return frame;
}
