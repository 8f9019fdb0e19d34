import { SampleBuffer } from '../chunks/index.js';
import { writeBlock, type BlockMeta, type BlockSeriesInput, type ChunkData } from '../block/index.js';
import type { Head, MemSeries } from '../head/index.js';
import { headRangeSources, isLoneChunk } from './head-range-sources.js';
import { COMPACTED_SAMPLES_PER_CHUNK, encodeLongChunks } from './long-chunks.js';
import type { PreparedHeadRange } from './prepared-head-range.js';

/**
 * How a head range is written: `long`, each series in the long chunks compaction writes (the
 * head's chunks hold at most 120 samples), series `prepared` holds unchanged chunks for not
 * encoded again; `head`, in-order chunks copied as they are, for a write that must not encode the
 * whole head in one synchronous step (a snapshot).
 */
export type HeadRangeLayout = { readonly chunks: 'long'; readonly prepared?: PreparedHeadRange } | { readonly chunks: 'head' };

/** Writes the head's samples in [mint, maxt) as a block. */
export function persistHeadRange(head: Head, blocksDir: string, mint: number, maxt: number, layout: HeadRangeLayout = { chunks: 'long' }): BlockMeta {
  const input: BlockSeriesInput[] = [];
  const buf = new SampleBuffer(COMPACTED_SAMPLES_PER_CHUNK);
  const prepared = layout.chunks === 'long' ? layout.prepared : undefined;
  const long = layout.chunks === 'long';
  head.forEachSeries((s) => {
    const chunks = prepared?.chunksOf(s, mint, maxt) ?? headRangeChunks(s, mint, maxt, buf, long);
    if (chunks.length > 0) input.push({ labels: s.labels, chunks });
  });
  return writeBlock(blocksDir, input, { minTime: mint, maxTime: maxt });
}

/**
 * One series' samples in [mint, maxt) as a block stores them. In-order chunks in range are copied
 * as they are when `long` is false, or when there is one (already in its smaller encoding:
 * re-encoding gives the same chunk); otherwise the samples are collected (out-of-order ones
 * merged, histograms and start timestamps joined into mixed chunks) and re-encoded into long chunks.
 */
function headRangeChunks(s: MemSeries, mint: number, maxt: number, buf: SampleBuffer, long: boolean): ChunkData[] {
  const sources = headRangeSources(s, mint, maxt);
  if (sources !== null && (!long || isLoneChunk(sources))) {
    const chunks: ChunkData[] = sources.closed.map((i) => ({ encoding: s.chunkEncoding(i), bytes: s.chunkBytes(i), minT: s.chunkMinT(i), maxT: s.chunkMaxT(i) }));
    if (sources.open) chunks.push(s.openChunkBest()!);
    return chunks;
  }
  buf.clear();
  s.collect(buf, mint, maxt - 1);
  return encodeLongChunks(buf);
}
