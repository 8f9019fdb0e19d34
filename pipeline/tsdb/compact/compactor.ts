import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { SampleBuffer } from '../chunks/index.js';
import { writeBlock, type Block, type BlockMeta, type BlockSeriesInput } from '../block/index.js';
import { encodeLongChunks } from './long-chunks.js';

/**
 * Merges blocks into one (adjacent ranges, overlapping ones, or one block alone to drop its
 * tombstones). Of samples at equal timestamps one is kept, the one that takes precedence
 * (chunks/sample-precedence.ts), whichever block holds it; tombstones are applied, so the new
 * block has none. The caller deletes the parents afterwards; if it crashes first, opening the
 * database deletes blocks listed as parents of another block.
 */
export function compactBlocks(blocksDir: string, blocks: readonly Block[]): BlockMeta {
  const sorted = [...blocks].sort(byStartThenId);
  const bySeries = new Map<string, { labels: Labels; refs: [Block, number][] }>();
  for (const b of sorted) {
    b.series.forEach((s, id) => {
      const key = canonicalLabels(s.labels);
      const e = bySeries.get(key);
      if (e === undefined) bySeries.set(key, { labels: s.labels, refs: [[b, id]] });
      else e.refs.push([b, id]);
    });
  }
  const input: BlockSeriesInput[] = [];
  const buf = new SampleBuffer(1024);
  // Every series is decoded and re-encoded into long chunks (long-chunks.ts).
  for (const { labels, refs } of bySeries.values()) {
    buf.clear();
    for (const [b, id] of refs) b.collect(id, buf, -Infinity, Infinity);
    const chunks = encodeLongChunks(buf);
    if (chunks.length > 0) input.push({ labels, chunks });
  }
  const sources = [...new Set(sorted.flatMap((b) => b.meta.compaction.sources))];
  return writeBlock(blocksDir, input, {
    minTime: sorted[0].minTime,
    maxTime: Math.max(...sorted.map((b) => b.maxTime)),
    level: Math.max(...sorted.map((b) => b.meta.compaction.level)) + 1,
    sources,
    parents: sorted.map((b) => b.id),
  });
}

/**
 * Picks the next group of blocks to compact: first blocks whose time ranges overlap (out-of-order
 * samples older than the head was cut into blocks of their own; vertical compaction, as
 * Prometheus has it, merges them whatever their size and age); then, for each range above the
 * first, blocks falling inside one aligned window of that range, when the window is complete (the
 * newest block ends at or after its end). Returns null when nothing is due.
 */
export function planCompaction(blocks: readonly Block[], ranges: readonly number[]): Block[] | null {
  if (blocks.length < 2) return null;
  const overlapping = firstOverlappingGroup(blocks);
  if (overlapping !== null) return overlapping;
  const newest = Math.max(...blocks.map((b) => b.maxTime));
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i];
    const windows = new Map<number, Block[]>();
    for (const b of blocks) {
      const w = Math.floor(b.minTime / r) * r;
      if (b.maxTime > w + r) continue;
      const list = windows.get(w);
      if (list === undefined) windows.set(w, [b]);
      else list.push(b);
    }
    const starts = [...windows.keys()].sort((a, b) => a - b);
    for (const w of starts) {
      const group = windows.get(w)!;
      if (group.length >= 2 && w + r <= newest) return group.sort((a, b) => a.minTime - b.minTime);
    }
  }
  return null;
}

/** The oldest set of blocks whose ranges overlap one another, directly or through others. */
function firstOverlappingGroup(blocks: readonly Block[]): Block[] | null {
  const sorted = [...blocks].sort(byStartThenId);
  let group = [sorted[0]];
  let end = sorted[0].maxTime;
  for (const b of sorted.slice(1)) {
    if (b.minTime < end) {
      group.push(b);
      end = Math.max(end, b.maxTime);
      continue;
    }
    if (group.length >= 2) return group;
    group = [b];
    end = b.maxTime;
  }
  return group.length >= 2 ? group : null;
}

function byStartThenId(a: Block, b: Block): number {
  return a.minTime - b.minTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
