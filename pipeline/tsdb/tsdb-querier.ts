import type { Labels } from '../../schemas/labels.js';
import type { Block } from './block/index.js';
import { canonicalKey } from './canonical-key.js';
import { SampleBuffer } from './chunks/index.js';
import type { Head, MemSeries } from './head/index.js';
import { MergeQuerier } from './merge-querier.js';
import type { LabelMatcher, Querier, SelectHints, Series, SeriesSet } from './querier.js';
import { ColumnSlabs, DecodePlanner, RESULT_SIZE, sharedDecodePool, type DecodePool } from './select-decode/index.js';

interface Entry {
  readonly labels: Labels;
  /** Block series ids (with their block) and the head series, oldest block first, head last. */
  readonly blocks: { block: Block; id: number }[];
  head: MemSeries | null;
  bound: number;
}

/**
 * Reads a Tsdb's blocks and head as one: a series found in several of them is decoded from each
 * source straight into one column window, oldest block first and the head last, so no samples
 * are copied afterwards (a MergeQuerier over separate queriers would decode, then copy). Samples
 * that overlap between sources are sorted and deduplicated (sample-precedence.ts). Label-only
 * reads and label APIs go through a MergeQuerier over the same sources.
 *
 * The calling thread only plans a large select (matching, sizes, chunk references); its chunks
 * are decoded by a DecodePool's worker threads into shared column slabs, so the event loop stays
 * free while they decode and several selects (shards) decode at once. A small select, and series
 * that hold native histograms, are decoded in place. A select charges its samples to the query's
 * budget (SelectHints.budget) once planned, before any is decoded.
 */
export class TsdbQuerier implements Querier {
  private readonly merged: MergeQuerier;

  /** `blocks` sorted by minTime; each overlaps [mint, maxt]. */
  constructor(
    private readonly blocks: readonly Block[],
    private readonly head: Head,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly decoder: DecodePool = sharedDecodePool(),
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
    let remaining = 0;
    for (const e of entries.values()) remaining += e.bound;
    // The columns are sized by these bounds: what the select holds is charged before it is decoded.
    hints.budget?.load(remaining);
    if (!this.decoder.decodesInPlace(remaining)) return this.decodeInWorkers(keys, entries, mint, maxt, hints);
    // Series' columns are cut from shared slabs, sized by the overlapping chunks' sample counts
    // (ColumnSlabs; the query's pooled ones first). Shared memory: a query evaluated in a worker
    // thread (promql/eval-pool) reads the columns where they were decoded instead of a copy.
    const slabs = hints.slabs;
    const columns = new ColumnSlabs(remaining, () => slabs?.take() ?? null);
    const buf = new SampleBuffer(0);
    buf.valuesUnused = hints.timestampsOnly === true;
    const out: Series[] = [];
    for (const k of keys) {
      const e = entries.get(k)!;
      columns.cut(e.bound);
      buf.attach(columns.t, columns.v);
      collect(e, buf, mint, maxt);
      if (buf.length === 0 && buf.histogramCount === 0) continue;
      out.push({ labels: e.labels, ...buf.detach() });
    }
    return { series: out, warnings: [] };
  }

  /**
   * A large select: planned here, decoded by the pool's workers into slabs they allocate. Series
   * that hold native histograms are decoded here, in their own arrays.
   */
  private async decodeInWorkers(keys: readonly string[], entries: Map<string, Entry>, mint: number, maxt: number, hints: SelectHints): Promise<SeriesSet> {
    const plan = new DecodePlanner(mint, maxt, hints.timestampsOnly === true);
    // out[i] is a series decoded here, or null for the planned series next in order.
    const out: (Series | null)[] = [];
    const planned: Labels[] = [];
    let buf: SampleBuffer | null = null;
    for (const k of keys) {
      const e = entries.get(k)!;
      plan.beginSeries(e.bound);
      for (const p of e.blocks) plan.block(p.block, p.id);
      if (e.head !== null) e.head.collect(plan, mint, maxt);
      if (plan.endSeries()) {
        planned.push(e.labels);
        out.push(null);
        continue;
      }
      buf ??= new SampleBuffer(0);
      buf.attach(new Float64Array(e.bound), new Float64Array(e.bound));
      collect(e, buf, mint, maxt);
      if (buf.length > 0 || buf.histogramCount > 0) out.push({ labels: e.labels, ...buf.detach() });
    }
    const { results, first } = await this.decoder.decode(plan, hints.slabs);
    const decoded: (Series | null)[] = new Array(planned.length).fill(null);
    results.forEach((r, j) => {
      const colT = r.slabT.map((b) => new Float64Array(b));
      const colV = r.slabV.map((b) => new Float64Array(b));
      const c = r.counts;
      for (let i = 0, k = 0; k < c.length; i++, k += RESULT_SIZE) {
        const slab = c[k];
        const off = c[k + 1];
        const n = c[k + 2];
        const at = c[k + 3];
        if (n === 0) continue;
        decoded[first[j] + i] = {
          labels: planned[first[j] + i],
          timestamps: colT[slab].subarray(off, off + n),
          values: colV[slab].subarray(off, off + n),
          stale: at < 0 ? null : r.stale.subarray(at, at + n),
        };
      }
    });
    const series: Series[] = [];
    let next = 0;
    for (const s of out) {
      const d = s ?? decoded[next++];
      if (d !== null) series.push(d);
    }
    return { series, warnings: [] };
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

/** Decodes an entry's samples in [mint, maxt] into `buf`: its blocks oldest first, then the head. */
function collect(e: Entry, buf: SampleBuffer, mint: number, maxt: number): void {
  for (const p of e.blocks) p.block.collect(p.id, buf, mint, maxt);
  if (e.head !== null) e.head.collect(buf, mint, maxt);
}
