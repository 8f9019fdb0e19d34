import type { Labels } from '../../schemas/labels.js';
import type { Block } from './block/index.js';
import { canonicalKey } from './canonical-key.js';
import { SampleBuffer } from './chunks/index.js';
import type { Head, MemSeries } from './head/index.js';
import { blockHeadLinks } from './block-head-links.js';
import { inHeadOrder } from './head-series-ranks.js';
import { MergeQuerier } from './merge-querier.js';
import type { LabelMatcher, Querier, SelectHints, Series, SeriesSet } from './querier.js';
import { ColumnSlabs, DecodePlanner, decodedSeries, sharedDecodePool, type DecodePool } from './select-decode/index.js';

interface Entry {
  readonly labels: Labels;
  /**
   * Its row in the select's block id table: the series id in each of the querier's blocks (by
   * the block's index, oldest first), -1 where the block has none in range. One table a select,
   * not an array an entry.
   */
  readonly row: number;
  /** The head series of its labels, read or not: it places the entry in the head's order. */
  readonly link: MemSeries | null;
  /** The head series, read after the blocks. */
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
  /** Label reads' querier, made on first use: a select of samples (most queries) needs none. */
  private merged: MergeQuerier | null = null;

  /** `blocks` sorted by minTime; each overlaps [mint, maxt]. */
  constructor(
    private readonly blocks: readonly Block[],
    private readonly head: Head,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly decoder: DecodePool = sharedDecodePool(),
  ) {}

  private labelReads(): MergeQuerier {
    this.merged ??= new MergeQuerier([...this.blocks.map((b) => b.querier(this.mint, this.maxt)), this.head.querier(this.mint, this.maxt)]);
    return this.merged;
  }

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    if (hints.labelsOnly) return this.labelReads().select(matchers, hints);
    const mint = Math.max(this.mint, hints.start);
    const maxt = Math.min(this.maxt, hints.end);
    if (mint > maxt) return { series: [], warnings: [] };
    // Entries in the order they were made.
    const list: Entry[] = [];
    const width = this.blocks.length;
    let blockIds = new Int32Array(0);
    const newEntry = (labels: Labels, link: MemSeries | null): Entry => {
      const row = list.length;
      if ((row + 1) * width > blockIds.length) {
        const grown = new Int32Array(Math.max(64 * width, blockIds.length * 2)).fill(-1);
        grown.set(blockIds);
        blockIds = grown;
      }
      const e: Entry = { labels, row, link, head: null, bound: 0 };
      list.push(e);
      return e;
    };
    // A series' parts are joined by the ref of its head series (row + 1 by ref, 0 for none yet):
    // block series find theirs through their block's links (block-head-links.ts). Only block
    // series the head has none for are keyed by canonical labels.
    let rowOfRef: Int32Array | null = null;
    let keyed: Map<string, Entry> | null = null;
    let loose = 0;
    const headSeries = this.head.select(matchers);
    for (let i = 0; i < headSeries.length; i++) {
      const s = headSeries[i];
      if (s.minT > maxt) continue;
      const n = s.sampleBound(mint, maxt);
      if (n === 0) continue;
      const e = newEntry(s.labels, s);
      e.head = s;
      e.bound += n;
      loose += s.looseSampleCount;
      if (width > 0) (rowOfRef ??= new Int32Array(this.head.refLimit))[s.ref] = e.row + 1;
    }
    for (let b = 0; b < this.blocks.length; b++) {
      const block = this.blocks[b];
      if (block.maxTime <= mint || block.minTime > maxt) continue;
      const ids = block.select(matchers);
      if (ids.length === 0) continue;
      const links = blockHeadLinks(block, this.head);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        const n = block.sampleBound(id, mint, maxt);
        if (n === 0) continue;
        const s = links.of(id);
        let e: Entry;
        if (s !== null) {
          rowOfRef ??= new Int32Array(this.head.refLimit);
          const r = rowOfRef[s.ref];
          if (r > 0) e = list[r - 1];
          else {
            e = newEntry(s.labels, s);
            rowOfRef[s.ref] = e.row + 1;
          }
        } else {
          const labels = block.series[id].labels;
          const key = canonicalKey(labels);
          const found = (keyed ??= new Map()).get(key);
          if (found !== undefined) e = found;
          else {
            e = newEntry(labels, null);
            keyed.set(key, e);
          }
        }
        blockIds[e.row * width + b] = id;
        e.bound += n;
      }
    }
    let remaining = 0;
    for (const e of list) remaining += e.bound;
    // The columns are sized by these bounds: what the select holds is charged before it is decoded.
    hints.budget?.load(remaining);
    // A select planned for another process (SelectHints.plans) is planned whatever its size.
    // Weighed by the whole select (every shard's part), not this part alone: shards read one
    // after the other each decoded in place would hold this thread for their sum while the
    // decode threads idle.
    const inPlace = hints.plans === undefined && this.decoder.decodesInPlace(remaining, hints.parts);
    // Threads that have to start boot while this one sorts and plans.
    if (!inPlace && hints.plans === undefined) this.decoder.startWorkersFor(remaining);
    // Canonical label order: by the head's ranks of its series when every entry has one (no key
    // comparisons), else the keys sorted by the default order (UTF-16 code units, as `<` compares
    // them) without a comparator call per comparison, then their entries.
    const sorted = inHeadOrder(this.head, list, (e) => e.link) ?? inKeyOrder(byCanonicalKey(list));
    if (!inPlace) return this.decodeInWorkers(sorted, blockIds, mint, maxt, hints, loose);
    // Series' columns are cut from shared slabs, sized by the overlapping chunks' sample counts
    // (ColumnSlabs; the query's pooled ones first). Shared memory: a query evaluated in a worker
    // thread (promql/eval-pool) reads the columns where they were decoded instead of a copy.
    const slabs = hints.slabs;
    const valuesUnused = hints.timestampsOnly === true;
    const columns = new ColumnSlabs(remaining, () => slabs?.take() ?? null, valuesUnused);
    const buf = new SampleBuffer(0);
    buf.valuesUnused = valuesUnused;
    const out: Series[] = [];
    for (const e of sorted) {
      columns.cut(e.bound);
      buf.attach(columns.t, columns.v);
      this.collect(e, blockIds, buf, mint, maxt);
      if (buf.length === 0 && buf.histogramCount === 0) continue;
      out.push(this.detached(e.labels, buf, hints));
    }
    return { series: out, warnings: [] };
  }

  /**
   * A large select: planned here, decoded by the pool's workers into slabs they allocate (or the
   * plan handed to SelectHints.plans). Series that hold native histograms are decoded here, in
   * their own arrays. `loose`: how many loose samples the head series hold at most (the
   * planner's arrays are made that size).
   */
  private async decodeInWorkers(sorted: readonly Entry[], ids: Int32Array, mint: number, maxt: number, hints: SelectHints, loose: number): Promise<SeriesSet> {
    // A plan for another process is decoded there into columns (select-chunks-wire.ts), never summed up.
    const presence = hints.plans === undefined ? hints.presenceLookback : undefined;
    const plan = new DecodePlanner(mint, maxt, hints.timestampsOnly === true, { looseSamples: loose, series: sorted.length }, hints.plans === undefined, presence);
    // out[i] is a series decoded here, or null for the planned series next in order.
    const out: (Series | null)[] = [];
    const planned: Labels[] = [];
    let buf: SampleBuffer | null = null;
    for (let i = 0; i < sorted.length; i++) {
      const e = sorted[i];
      plan.beginSeries(e.bound);
      for (let b = 0, at = e.row * this.blocks.length; b < this.blocks.length; b++, at++) if (ids[at] >= 0) plan.block(this.blocks[b], ids[at]);
      if (e.head !== null) e.head.collect(plan, mint, maxt);
      if (plan.endSeries()) {
        planned.push(e.labels);
        out.push(null);
        continue;
      }
      buf ??= new SampleBuffer(0);
      buf.attach(new Float64Array(e.bound), new Float64Array(e.bound));
      this.collect(e, ids, buf, mint, maxt);
      if (buf.length > 0 || buf.histogramCount > 0) out.push(this.detached(e.labels, buf, hints));
    }
    if (hints.plans !== undefined) {
      if (planned.length > 0) hints.plans.add(planned, plan.jobs(1).jobs[0]);
      return { series: out.filter((s): s is Series => s !== null), warnings: [] };
    }
    const { results, first } = await this.decoder.decode(plan, hints.slabs);
    const decoded = decodedSeries(results, first, planned);
    const series: Series[] = [];
    let next = 0;
    for (let i = 0; i < out.length; i++) {
      const d = out[i] ?? decoded[next++];
      if (d !== null) series.push(d);
    }
    return { series, warnings: [] };
  }

  labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.labelReads().labelNames(matchers);
  }

  labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.labelReads().labelValues(name, matchers);
  }

  close(): Promise<void> {
    return this.merged === null ? Promise.resolve() : this.merged.close();
  }

  /**
   * A series decoded in place: without values (SelectHints.timestampsOnly) the columns cut none
   * (ColumnSlabs), so the timestamps stand in for them. Histogram columns are the buffer's own.
   */
  private detached(labels: Labels, buf: SampleBuffer, hints: SelectHints): Series {
    const c = buf.detach();
    return { labels, ...c, values: hints.timestampsOnly === true && c.histograms === undefined ? c.timestamps : c.values };
  }

  /** Decodes an entry's samples in [mint, maxt] into `buf`: its blocks oldest first, then the head. */
  private collect(e: Entry, ids: Int32Array, buf: SampleBuffer, mint: number, maxt: number): void {
    for (let b = 0, at = e.row * this.blocks.length; b < this.blocks.length; b++, at++) if (ids[at] >= 0) this.blocks[b].collect(ids[at], buf, mint, maxt);
    if (e.head !== null) e.head.collect(buf, mint, maxt);
  }
}

/** Entries keyed by their canonical labels (distinct: one entry a label set). */
function byCanonicalKey(list: readonly Entry[]): Map<string, Entry> {
  const byKey = new Map<string, Entry>();
  for (const e of list) byKey.set(canonicalKey(e.labels), e);
  return byKey;
}

/** Entries sorted by their keys. */
function inKeyOrder(byKey: ReadonlyMap<string, Entry>): Entry[] {
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}
