import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { Expr, VectorSelector } from '../parser/ast.js';
import { children } from '../parser/walk.js';
import type { SelectedSeries } from './eval-context.js';

const STATS_FUNCTIONS = new Set(['histogram_count', 'histogram_sum', 'histogram_avg']);
const WHOLE_HISTOGRAM_FUNCTIONS = new Set(['histogram_quantile', 'histogram_quantiles', 'histogram_fraction']);

/**
 * The selectors whose native histograms Prometheus reads through its HistogramStatsIterator
 * (detectHistogramStatsDecoding): those under histogram_count, histogram_sum or histogram_avg,
 * unless a subquery, a function that needs the buckets or a trimming operator stands between.
 */
export function histogramStatsSelectors(root: Expr): Set<VectorSelector> {
  const out = new Set<VectorSelector>();
  const path: Expr[] = [];
  const visit = (e: Expr): void => {
    if (e.type === 'vector_selector') {
      if (readsStatsOnly(path)) out.add(e);
      return;
    }
    path.push(e);
    for (const c of children(e)) visit(c);
    path.pop();
  };
  visit(root);
  return out;
}

function readsStatsOnly(path: readonly Expr[]): boolean {
  let stats = false;
  for (let i = path.length - 1; i >= 0; i--) {
    const p = path[i];
    if (p.type === 'subquery') return false;
    if (p.type === 'binary' && (p.op === '</' || p.op === '>/')) return false;
    if (p.type === 'call') {
      if (STATS_FUNCTIONS.has(p.func)) stats = true;
      else if (WHOLE_HISTOGRAM_FUNCTIONS.has(p.func)) return false;
    }
  }
  return stats;
}

/**
 * A series as the HistogramStatsIterator returns it: each histogram reduced to its schema, count
 * and sum, and an `unknown` counter reset hint replaced by what reset detection against the previous
 * histogram of the series finds (`reset` or `not_reset`), so that aggregating them can report
 * conflicting resets. The iterator detects against the sample it read before; here that is the
 * series' previous histogram, as in a range query that reads every sample in turn.
 */
export function withHistogramStats(s: SelectedSeries): SelectedSeries {
  const hs = s.hs;
  if (hs == null) return s;
  const stats: (FloatHistogram | null)[] = new Array<FloatHistogram | null>(hs.length);
  let prev: FloatHistogram | null = null;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i];
    if (h === null || (s.stale !== null && s.stale[i] === 1)) {
      stats[i] = h;
      continue;
    }
    let hint = h.counterResetHint;
    if (hint === 'unknown' && prev !== null) hint = h.detectReset(prev) ? 'reset' : 'not_reset';
    // The schema stays so that mixing exponential and custom buckets is still noticed.
    stats[i] = new FloatHistogram({ schema: h.schema, count: h.count, sum: h.sum, counterResetHint: hint });
    prev = h;
  }
  const rhs: (FloatHistogram | null)[] = [];
  for (let i = 0; i < stats.length; i++) if (s.stale === null || s.stale[i] !== 1) rhs.push(stats[i]);
  return { ...s, hs: stats, rhs };
}
