import { SampleBuffer } from '../chunks/index.js';
import { writeBlock, type BlockMeta, type BlockSeriesInput, type ChunkData } from '../block/index.js';
import type { Head } from '../head/index.js';

/**
 * Writes the head's samples in [mint, maxt) as a block. In-order chunks never straddle a chunk
 * range, so they are copied as they are; a series with out-of-order samples, histograms or start
 * timestamps in range is merged and re-encoded.
 */
export function persistHeadRange(head: Head, blocksDir: string, mint: number, maxt: number): BlockMeta {
  const input: BlockSeriesInput[] = [];
  const buf = new SampleBuffer(256);
  head.forEachSeries((s) => {
    let chunks: ChunkData[] = [];
    let merge = false;
    for (let i = 0; i < s.chunkCount; i++) {
      const minT = s.chunkMinT(i);
      const maxT = s.chunkMaxT(i);
      if (maxT < mint || minT >= maxt) continue;
      if (minT >= mint && maxT < maxt) chunks.push({ encoding: s.chunkEncoding(i), bytes: s.chunkBytes(i), minT, maxT });
      else merge = true;
    }
    const app = s.app;
    if (app !== null && app.count > 0 && !(app.maxT < mint || app.minT >= maxt)) {
      if (app.minT >= mint && app.maxT < maxt) chunks.push(s.openChunkBest()!);
      else merge = true;
    }
    // Histograms and start timestamps go into mixed chunks with the series' floats.
    if (s.hasOutOfOrder || s.histT !== null || s.startT !== null) merge = true;
    if (merge) {
      buf.clear();
      s.collect(buf, mint, maxt - 1);
      chunks = buf.encodeBestChunks();
    }
    if (chunks.length > 0) input.push({ labels: s.labels, chunks });
  });
  return writeBlock(blocksDir, input, { minTime: mint, maxTime: maxt });
}
