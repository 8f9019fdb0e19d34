import { SampleBuffer } from '../chunks/index.js';
import type { LabelMatcher, Querier, SelectHints, Series, SeriesSet } from '../querier.js';
import { labelsOnlySeries, sortedUnique } from '../series-order.js';
import type { Block } from './block.js';

/** Reads one block over [mint, maxt]. Series ids follow canonical label order already. */
export class BlockQuerier implements Querier {
  constructor(
    private readonly block: Block,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const mint = Math.max(this.mint, hints.start);
    const maxt = Math.min(this.maxt, hints.end);
    const out: Series[] = [];
    if (mint > maxt || this.block.maxTime <= mint || this.block.minTime > maxt) return { series: out, warnings: [] };
    const ids = this.block.select(matchers);
    if (hints.labelsOnly) {
      const buf = new SampleBuffer(256);
      for (const id of ids) {
        buf.clear();
        this.block.collect(id, buf, mint, maxt);
        // `length` counts floats only: a series of histograms alone has none.
        if (buf.length > 0 || buf.histogramCount > 0) out.push(labelsOnlySeries(this.block.series[id].labels));
      }
      return { series: out, warnings: [] };
    }
    // One allocation for every series' columns, sized by the overlapping chunks' sample counts;
    // each series decodes straight into its window and gets views of it (no copies).
    const bounds = new Int32Array(ids.length);
    let total = 0;
    for (let k = 0; k < ids.length; k++) total += bounds[k] = this.block.sampleBound(ids[k], mint, maxt);
    const allT = new Float64Array(total);
    const allV = new Float64Array(total);
    const buf = new SampleBuffer(0);
    let off = 0;
    // Ids ascend in canonical label order (the index is written sorted), so no sort is needed.
    for (let k = 0; k < ids.length; k++) {
      const n = bounds[k];
      if (n === 0) continue;
      buf.attach(allT.subarray(off, off + n), allV.subarray(off, off + n));
      off += n;
      this.block.collect(ids[k], buf, mint, maxt);
      if (buf.length === 0 && buf.histogramCount === 0) continue;
      out.push({ labels: this.block.series[ids[k]].labels, ...buf.detach() });
    }
    return { series: out, warnings: [] };
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    if (matchers.length === 0) return sortedUnique(this.block.labelNames());
    const names: string[] = [];
    for (const id of this.block.select(matchers)) for (const n in this.block.series[id].labels) names.push(n);
    return sortedUnique(names);
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    if (matchers.length === 0) return sortedUnique(this.block.labelValues(name));
    const values: string[] = [];
    for (const id of this.block.select(matchers)) {
      const v = this.block.series[id].labels[name];
      if (v !== undefined) values.push(v);
    }
    return sortedUnique(values);
  }

  async close(): Promise<void> {}
}
