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
    const buf = new SampleBuffer(256);
    for (const s of this.head.select(matchers)) {
      if (hints.labelsOnly) {
        if (s.minT <= maxt && (s.maxT >= mint || s.hasOutOfOrder)) out.push(labelsOnlySeries(s.labels));
        continue;
      }
      buf.clear();
      s.collect(buf, mint, maxt);
      if (buf.length === 0) continue;
      out.push({ labels: s.labels, ...buf.columns() });
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
