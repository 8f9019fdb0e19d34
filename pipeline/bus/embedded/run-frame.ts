import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants } from 'node:zlib';
import type { BusRecord } from '../bus.js';
import { checkFrame, decodeFrame, encodeRunFrame, frameCodec, frameOffset, frameRecordCount, isRunFrame, runFrameContent } from './record-frame.js';
import { decodeDictionaryRun, type SampleLayout } from './series-dictionary-run.js';

/**
 * Runs: consecutive records of a sealed segment stored as one frame (record-frame.ts): version 3,
 * their version 1 frames concatenated and compressed with brotli (label strings repeat from one
 * sample batch to the next, which a compressor sees across records and not within one), or
 * version 5 (4 as written before), their series-dictionary form (series-dictionary-run.ts)
 * compressed with brotli.
 * Asynchronous on purpose (node:zlib's thread pool): a run of 1 MiB takes some 10 ms to compress,
 * which compaction does in the background, off the event loop.
 */
const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/**
 * Quality 5: on the system benchmark's samples topic (1 MiB runs of a partition's records) 3.5
 * bytes per sample for about 0.4-0.6 µs of CPU per sample, against 4.0 at quality 3 for 0.2 and
 * 4.9 at quality 1; higher qualities gave no fewer bytes (busy-machine component measurement).
 */
const BROTLI_QUALITY = 5;

/**
 * node:zlib's one-call functions work through a stream of `chunkSize` (16 KiB by default) output
 * buffers, each a trip from the thread pool back to the event loop and a copy when they are
 * joined; a run is known to fit in one buffer of its raw size, in or out.
 */
function oneChunk(bytes: number): number {
  return Math.max(bytes, constants.Z_MIN_CHUNK);
}

/** Compresses the concatenated version 1 frames of consecutive records (or their series-dictionary form). */
export function compressRun(raw: Buffer): Promise<Buffer> {
  return compress(raw, {
    chunkSize: oneChunk(raw.length),
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

/** The concatenated version 1 frames a run's `compressed` content inflates to, which must be `rawLength` bytes. */
export async function inflateRun(compressed: Buffer, rawLength: number): Promise<Buffer> {
  // The chunk size only sizes the output buffer: a run inflating to more takes further buffers and
  // fails the length check.
  const raw = await decompress(compressed, { chunkSize: oneChunk(rawLength) });
  if (raw.length !== rawLength) throw new Error(`run inflates to ${raw.length} bytes, its header says ${rawLength}`);
  return raw;
}

/** A run frame for the records whose version 1 frames, concatenated, are `raw`. */
export function runFrame(raw: Buffer, compressed: Buffer, firstOffset: number, recordCount: number, maxTimestampMs: number): Buffer {
  return encodeRunFrame({ firstOffset, recordCount, maxTimestampMs, rawLength: raw.length, compressed });
}

/** A run frame (version 5; 4 for the `columns` layout) for records whose series-dictionary form (series-dictionary-run.ts) is `dictionary`. */
export function dictionaryRunFrame(rawLength: number, dictionary: Buffer, compressed: Buffer, firstOffset: number, recordCount: number, maxTimestampMs: number, layout: SampleLayout = 'chunks'): Buffer {
  return encodeRunFrame({ firstOffset, recordCount, maxTimestampMs, rawLength, compressed, dictionaryLength: dictionary.length, seriesChunks: layout === 'chunks' });
}

/**
 * The records of the (already checked) run frame at `pos`: a version 3 run's every frame checked
 * (checksum included) after inflation, a version 4 or 5 run's values rebuilt. Throws with the reason
 * when the run does not decode to records.
 */
export async function runRecords(buf: Buffer, pos: number, topic: string, partition: number, maxRecordBytes: number): Promise<BusRecord[]> {
  if (!isRunFrame(buf, pos)) throw new Error('not a run frame');
  const { compressed, rawLength, dictionaryLength, seriesChunks } = runFrameContent(buf, pos);
  if (dictionaryLength === undefined) return recordsOfFrames(await inflateRun(compressed, rawLength), topic, partition, maxRecordBytes);
  const dictionary = await inflateRun(compressed, dictionaryLength);
  return await decodeDictionaryRun(dictionary, seriesChunks ? 'chunks' : 'columns', frameOffset(buf, pos), frameRecordCount(buf, pos), topic, partition, maxRecordBytes);
}

/** Decodes concatenated version 1 frames (values stored as they are, as compaction writes them). */
export function recordsOfFrames(raw: Buffer, topic: string, partition: number, maxRecordBytes: number): BusRecord[] {
  const out: BusRecord[] = [];
  let p = 0;
  while (p < raw.length) {
    const check = checkFrame(raw, p, maxRecordBytes, true);
    if (!check.ok) throw new Error(`record ${out.length} of the run at byte ${p}: ${check.reason}`);
    if (isRunFrame(raw, p) || frameCodec(raw, p) !== 'none') throw new Error(`record ${out.length} of the run at byte ${p} is not a plain record frame`);
    out.push(decodeFrame(raw, p, topic, partition));
    p += check.length;
  }
  return out;
}
