import { canonicalLabels } from '../../schemas/labels.js';
import { SampleBuffer } from './chunks/index.js';
import type { LabelMatcher, Querier, SelectHints, Series, SeriesSet } from './querier.js';
import { sortedUnique } from './series-order.js';

/**
 * Merges queriers over the same series space (blocks and head): series with equal labels are
 * merged by timestamp, and overlapping samples deduplicated (the earlier querier wins).
 */
export class MergeQuerier implements Querier {
  constructor(private readonly queriers: readonly Querier[]) {}

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const sets = await Promise.all(this.queriers.map((q) => q.select(matchers, hints)));
    if (sets.length === 1) return sets[0];
    const groups = new Map<string, Series[]>();
    const warnings: string[] = [];
    for (const set of sets) {
      warnings.push(...set.warnings);
      for (const s of set.series) {
        const key = canonicalLabels(s.labels);
        const g = groups.get(key);
        if (g === undefined) groups.set(key, [s]);
        else g.push(s);
      }
    }
    const keys = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: Series[] = [];
    const buf = new SampleBuffer(256);
    for (const k of keys) {
      const g = groups.get(k)!;
      if (g.length === 1 || hints.labelsOnly) {
        out.push(g[0]);
        continue;
      }
      buf.clear();
      for (const s of g) for (let i = 0; i < s.timestamps.length; i++) buf.push(s.timestamps[i], s.values[i], s.stale !== null && s.stale[i] === 1);
      out.push({ labels: g[0].labels, ...buf.columns() });
    }
    return { series: out, warnings: sortedUnique(warnings) };
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    const all = await Promise.all(this.queriers.map((q) => q.labelNames(matchers)));
    return sortedUnique(all.flat());
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    const all = await Promise.all(this.queriers.map((q) => q.labelValues(name, matchers)));
    return sortedUnique(all.flat());
  }

  async close(): Promise<void> {
    await Promise.all(this.queriers.map((q) => q.close()));
  }
}
