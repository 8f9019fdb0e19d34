import { SampleBuffer } from '../chunks/index.js';
import type { LabelMatcher, Querier, SelectHints, Series, SeriesSet } from '../querier.js';
import { labelsOnlySeries, sortSeries, sortedUnique } from '../series-order.js';
import type { Head } from './head.js';

/** Reads the head over [mint, maxt]; decodes chunks at select time (no copies kept). */
export class HeadQuerier implements Querier {
  constructor(
    private readonly head: Head,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const mint = Math.max(this.mint, hints.start);
    const maxt = Math.min(this.maxt, hints.end);
    const out: Series[] = [];
    const selected = this.head.select(matchers);
    if (hints.labelsOnly) {
      for (const s of selected) if (s.minT <= maxt && (s.maxT >= mint || s.hasOutOfOrder || s.histT !== null)) out.push(labelsOnlySeries(s.labels));
      return { series: sortSeries(out), warnings: [] };
    }
    // One allocation for every series' columns, sized by the overlapping chunks' sample counts;
    // each series decodes straight into its window and gets views of it (no copies).
    const bounds = new Int32Array(selected.length);
    let total = 0;
    for (let k = 0; k < selected.length; k++) {
      const s = selected[k];
      if (s.minT <= maxt) total += bounds[k] = s.sampleBound(mint, maxt);
    }
    const allT = new Float64Array(total);
    const allV = new Float64Array(total);
    const buf = new SampleBuffer(0);
    let off = 0;
    for (let k = 0; k < selected.length; k++) {
      const n = bounds[k];
      if (n === 0) continue;
      buf.attach(allT.subarray(off, off + n), allV.subarray(off, off + n));
      off += n;
      selected[k].collect(buf, mint, maxt);
      if (buf.length === 0 && buf.histogramCount === 0) continue;
      out.push({ labels: selected[k].labels, ...buf.detach() });
    }
    return { series: sortSeries(out), warnings: [] };
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    if (matchers.length === 0) return sortedUnique(this.head.postings.labelNames());
    const names: string[] = [];
    for (const s of this.head.select(matchers)) for (const n in s.labels) names.push(n);
    return sortedUnique(names);
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    if (matchers.length === 0) return sortedUnique(this.head.postings.labelValues(name));
    const values: string[] = [];
    for (const s of this.head.select(matchers)) {
      const v = s.labels[name];
      if (v !== undefined) values.push(v);
    }
    return sortedUnique(values);
  }

  async close(): Promise<void> {}
}
