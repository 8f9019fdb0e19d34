import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { parseExpr } from '../parser/parser.js';
import type { Expr, VectorSelector } from '../parser/ast.js';
import { walk } from '../parser/walk.js';
import type { SelectedSeries } from './eval-context.js';
import { histogramStatsSelectors, withHistogramStats } from './histogram-stats.js';

function selectorNames(q: string): string[] {
  const root: Expr = parseExpr(q);
  const stats = histogramStatsSelectors(root);
  const names: string[] = [];
  walk(root, (e) => {
    if (e.type === 'vector_selector' && stats.has(e as VectorSelector)) names.push(e.name ?? '');
  });
  return names;
}

describe('histogramStatsSelectors', () => {
  it('marks selectors under histogram_count, histogram_sum and histogram_avg, through other functions and aggregations', () => {
    expect(selectorNames('histogram_count(sum(rate(a[5m]))) + histogram_sum(b) + c')).toEqual(['a', 'b']);
  });

  it('leaves out selectors behind a subquery, a function that needs the buckets or a trimming operator', () => {
    expect(selectorNames('histogram_count(increase(a[40m:9m]))')).toEqual([]);
    expect(selectorNames('histogram_count(histogram_quantile(0.5, a))')).toEqual([]);
    expect(selectorNames('histogram_count(a </ 2)')).toEqual([]);
  });
});

describe('withHistogramStats', () => {
  const h = (count: number, hint?: 'gauge') => new FloatHistogram({ count, sum: count, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [count], counterResetHint: hint });

  it('keeps count, sum and schema and turns unknown hints into what reset detection against the previous histogram finds', () => {
    const hs = [h(3), h(5), h(2), h(4, 'gauge')];
    const s: SelectedSeries = { labels: {}, ts: [0, 1, 2, 3], vs: [0, 0, 0, 0], stale: null, rts: [0, 1, 2, 3], rvs: [0, 0, 0, 0], hs, rhs: hs };
    const out = withHistogramStats(s);
    expect(Array.from(out.rhs!, (x) => x!.counterResetHint)).toEqual(['unknown', 'not_reset', 'reset', 'gauge']);
    expect(Array.from(out.rhs!, (x) => [x!.count, x!.sum, x!.positiveBuckets.length])).toEqual([[3, 3, 0], [5, 5, 0], [2, 2, 0], [4, 4, 0]]);
    expect(hs[1].counterResetHint).toBe('unknown');
  });
});
