import type { Labels } from '../../schemas/labels.js';
import type { Block } from './block/index.js';
import { canonicalKey } from './canonical-key.js';
import { SampleBuffer } from './chunks/index.js';
import type { Head, MemSeries } from './head/index.js';
import { MergeQuerier } from './merge-querier.js';
import type { LabelMatcher, Querier, SelectHints, Series, SeriesSet } from './querier.js';

interface Entry {
  readonly labels: Labels;
  /** Block series ids (with their block) and the head series, oldest block first, head last. */
  readonly blocks: { block: Block; id: number }[];
  head: MemSeries | null;
  bound: number;
}

/** Samples per column slab: 8 × 2^17 = 1 MiB, under glibc's largest mmap threshold (32 MiB). */
const SLAB_SAMPLES = 1 << 17;

/**
 * Reads a Tsdb's blocks and head as one: a series found in several of them is decoded from each
 * source straight into one column window, oldest block first and the head last, so no samples
 * are copied afterwards (a MergeQuerier over separate queriers would decode, then copy). Samples
 * that overlap between sources are sorted and deduplicated, the older source winning. Label-only
 * reads and label APIs go through a MergeQuerier over the same sources.
 */
export class TsdbQuerier implements Querier {
  private readonly merged: MergeQuerier;

  /** `blocks` sorted by minTime; each overlaps [mint, maxt]. */
  constructor(
    private readonly blocks: readonly Block[],
    private readonly head: Head,
    private readonly mint: number,
    private readonly maxt: number,
  ) {
    this.merged = new MergeQuerier([...blocks.map((b) => b.querier(mint, maxt)), head.querier(mint, maxt)]);
  }

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    if (hints.labelsOnly) return this.merged.select(matchers, hints);
    const mint = Math.max(this.mint, hints.start);
    const maxt = Math.min(this.maxt, hints.end);
    if (mint > maxt) return { series: [], warnings: [] };
    const entries = new Map<string, Entry>();
    const entry = (labels: Labels): Entry => {
      const key = canonicalKey(labels);
      let e = entries.get(key);
      if (e === undefined) {
        e = { labels, blocks: [], head: null, bound: 0 };
        entries.set(key, e);
      }
      return e;
    };
    for (const block of this.blocks) {
      if (block.maxTime <= mint || block.minTime > maxt) continue;
      for (const id of block.select(matchers)) {
        const n = block.sampleBound(id, mint, maxt);
        if (n === 0) continue;
        const e = entry(block.series[id].labels);
        e.blocks.push({ block, id });
        e.bound += n;
      }
    }
    for (const s of this.head.select(matchers)) {
      if (s.minT > maxt) continue;
      const n = s.sampleBound(mint, maxt);
      if (n === 0) continue;
      const e = entry(s.labels);
      e.head = s;
      e.bound += n;
    }
    const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // Series' columns are cut from shared slabs, sized by the overlapping chunks' sample counts.
    // Slabs stay below malloc's mmap threshold, so the memory of earlier queries is reused
    // rather than mapped afresh and page-faulted in (a large select spent a fifth of its CPU
    // time in the kernel that way).
    // A small select gets a slab of its own size: zeroing a whole one costs more than the read.
    let remaining = 0;
    for (const e of entries.values()) remaining += e.bound;
    let slabT: Float64Array = new Float64Array(0);
    let slabV = slabT;
    // Shared memory: a query evaluated in a worker thread (promql/eval-pool) reads the columns
    // where they were decoded instead of a copy of them.
    const slab = (n: number): Float64Array => new Float64Array(new SharedArrayBuffer(n * 8));
    let off = 0;
    const buf = new SampleBuffer(0);
    buf.valuesUnused = hints.timestampsOnly === true;
    const out: Series[] = [];
    for (const k of keys) {
      const e = entries.get(k)!;
      if (off + e.bound > slabT.length) {
        const size = Math.max(Math.min(SLAB_SAMPLES, remaining), e.bound);
        slabT = slab(size);
        slabV = slab(size);
        off = 0;
      }
      buf.attach(slabT.subarray(off, off + e.bound), slabV.subarray(off, off + e.bound));
      off += e.bound;
      remaining -= e.bound;
      for (const p of e.blocks) p.block.collect(p.id, buf, mint, maxt);
      if (e.head !== null) e.head.collect(buf, mint, maxt);
      if (buf.length === 0 && buf.histogramCount === 0) continue;
      out.push({ labels: e.labels, ...buf.detach() });
    }
    return { series: out, warnings: [] };
  }

  labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.merged.labelNames(matchers);
  }

  labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.merged.labelValues(name, matchers);
  }

  close(): Promise<void> {
    return this.merged.close();
  }
}
