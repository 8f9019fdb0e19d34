import { open, unlink, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';
import type { BusRecord } from '../bus.js';
import { encodeFrame } from './record-frame.js';
import { compressRun, recordsOfFrames, runFrame } from './run-frame.js';
import type { Segment } from './segment.js';

const decompress = promisify(brotliDecompress);

export interface SegmentCompactionOptions {
  /** Raw bytes (records' version 1 frames) per run: what one compression call sees. */
  readonly runBytes: number;
  readonly maxRecordBytes: number;
  /** Called after each run with the milliseconds its compression and check took; pacing waits here. */
  readonly afterRun: (busyMs: number) => Promise<void>;
  /** Whether to give up (the bus is closing). */
  readonly stopped: () => boolean;
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
 * syncs it. Each run is decompressed again and decoded, and must give back each record's offset,
 * timestamp, key, headers and value exactly as the segment does, or nothing is written (the
 * error says which record). A run that would not be smaller stays as its records' plain frames.
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
  const flush = async (): Promise<void> => {
    const start = performance.now();
    const out = await encodeRun(pending, frames, pendingBytes, topic, partition, opts.maxRecordBytes);
    const busyMs = performance.now() - start;
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

/** One run frame for `records` (or their plain frames when that is not smaller), checked by decoding it back. */
async function encodeRun(records: readonly BusRecord[], frames: readonly Buffer[], rawBytes: number, topic: string, partition: number, maxRecordBytes: number): Promise<Buffer> {
  const raw = Buffer.concat(frames, rawBytes);
  const compressed = await compressRun(raw);
  let maxTimestampMs = -Infinity;
  for (const r of records) if (r.timestampMs > maxTimestampMs) maxTimestampMs = r.timestampMs;
  const frame = runFrame(raw, compressed, records[0].offset, records.length, maxTimestampMs);
  if (frame.length >= raw.length) return raw;
  const back = await decompress(compressed);
  if (!back.equals(raw)) throw new Error(`the run from offset ${records[0].offset} does not inflate to what was compressed`);
  const decoded = recordsOfFrames(back, topic, partition, maxRecordBytes);
  if (decoded.length !== records.length) throw new Error(`the run from offset ${records[0].offset} decodes to ${decoded.length} records, not ${records.length}`);
  for (let i = 0; i < records.length; i++) {
    const why = difference(records[i], decoded[i]);
    if (why !== undefined) throw new Error(`the run from offset ${records[0].offset} does not give back record ${records[i].offset}: ${why}`);
  }
  return frame;
}

/** What differs between a record and its copy, or undefined when nothing does. */
function difference(a: BusRecord, b: BusRecord): string | undefined {
  if (a.offset !== b.offset) return `offset ${b.offset}`;
  if (a.timestampMs !== b.timestampMs) return `timestamp ${b.timestampMs}`;
  if ((a.key === null) !== (b.key === null) || (a.key !== null && b.key !== null && !a.key.equals(b.key))) return 'key';
  if (!a.value.equals(b.value)) return 'value';
  const names = Object.keys(a.headers);
  const otherNames = Object.keys(b.headers);
  if (names.length !== otherNames.length || names.some((n, i) => n !== otherNames[i] || !a.headers[n].equals(b.headers[n]))) return 'headers';
  return undefined;
}
