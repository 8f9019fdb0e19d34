import { SampleBuffer } from '../chunks/index.js';
import type { LabelMatcher, Querier, SelectHints, Series, SeriesSet } from '../querier.js';
import { labelsOnlySeries, sortSeries, sortedUnique } from '../series-order.js';
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
    const buf = new SampleBuffer(256);
    for (const id of this.block.select(matchers)) {
      const s = this.block.series[id];
      buf.clear();
      this.block.collect(id, buf, mint, maxt);
      if (buf.length === 0) continue;
      out.push(hints.labelsOnly ? labelsOnlySeries(s.labels) : { labels: s.labels, ...buf.columns() });
    }
    return { series: sortSeries(out), warnings: [] };
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
