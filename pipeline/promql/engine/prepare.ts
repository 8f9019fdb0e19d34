import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { compiledMatcher, selectHints } from '../../tsdb/index.js';
import type { LabelMatcher, Querier, SelectHints, Series } from '../../tsdb/querier.js';
import type { Call, Expr, VectorSelector } from '../parser/ast.js';
import { walk } from '../parser/walk.js';
import { infoNameMatchers } from './functions/info-matchers.js';
import { atTime, durationMs, type DurationScope } from './durations.js';
import { readsRollup } from './rollup-plan.js';
import { subsetSelects } from './subset-selects.js';
import { presenceSelectors, valueFreeSelectors } from './value-free-selectors.js';
import type { SelectedSeries } from './eval-context.js';
import type { SampleLimit } from './sample-limit.js';

interface Need {
  min: number;
  max: number;
}

/** Walks the tree and computes, for every selector, the time range its samples must cover. */
export function selectorRanges(e: Expr, mint: number, maxt: number, scope: DurationScope & { lookback: number; subqueryStep: (e: Expr) => number }, out: Map<VectorSelector, Need>): void {
  const add = (vs: VectorSelector, lo: number, hi: number) => {
    const prev = out.get(vs);
    if (prev) {
      prev.min = Math.min(prev.min, lo);
      prev.max = Math.max(prev.max, hi);
    } else {
      out.set(vs, { min: lo, max: hi });
    }
  };
  const ref = (at: VectorSelector['at'], offset: VectorSelector['offset']): [number, number] => {
    const a = atTime(at, scope);
    const off = durationMs(offset, scope);
    return a !== null ? [a - off, a - off] : [mint - off, maxt - off];
  };
  switch (e.type) {
    case 'number': case 'string': return;
    case 'vector_selector': {
      const [lo, hi] = ref(e.at, e.offset);
      add(e, lo - scope.lookback, e.smoothed ? hi + scope.lookback : hi);
      return;
    }
    case 'matrix_selector': {
      const [lo, hi] = ref(e.vector.at, e.vector.offset);
      // Extended ranges also read the samples around the window (within the lookback delta).
      const ext = e.modifier === null ? 0 : scope.lookback;
      add(e.vector, lo - durationMs(e.range, scope) - ext, hi + ext);
      return;
    }
    case 'subquery': {
      const [lo, hi] = ref(e.at, e.offset);
      const range = durationMs(e.range, scope);
      selectorRanges(e.expr, lo - range - scope.subqueryStep(e), hi, scope, out);
      return;
    }
    case 'paren': case 'unary': selectorRanges(e.expr, mint, maxt, scope, out); return;
    case 'call':
      // info()'s second argument is not a selection of its own (see loadInfoSeries).
      for (const a of e.func === 'info' ? e.args.slice(0, 1) : e.args) selectorRanges(a, mint, maxt, scope, out);
      return;
    case 'aggregate':
      selectorRanges(e.expr, mint, maxt, scope, out);
      if (e.param) selectorRanges(e.param, mint, maxt, scope, out);
      return;
    case 'binary':
      selectorRanges(e.lhs, mint, maxt, scope, out);
      selectorRanges(e.rhs, mint, maxt, scope, out);
      return;
  }
}

/** Converts a querier series; staleness markers are filtered out of the arrays ranges use. */
export function toSelected(s: Series): SelectedSeries {
  if (s.presence != null) return { labels: s.labels, ts: s.timestamps, vs: s.values, stale: null, rts: s.timestamps, rvs: s.values, presence: s.presence };
  const selected = s.histograms != null ? toSelectedWithHistograms(s) : toSelectedFloats(s);
  return s.startTimestamps != null ? withStartTimestamps(s, selected) : selected;
}

/** Adds a series' start timestamps to its selection, for `ts` and (markers left out) `rts`. */
function withStartTimestamps(s: Series, selected: SelectedSeries): SelectedSeries {
  const sts = s.startTimestamps!;
  const st = s.stale;
  if (st === null) return { ...selected, sts, rsts: sts };
  const rsts: number[] = [];
  for (let i = 0; i < sts.length; i++) if (st[i] !== 1) rsts.push(sts[i]);
  return { ...selected, sts, rsts };
}

function toSelectedFloats(s: Series): SelectedSeries {
  const st = s.stale;
  let hasStale = false;
  if (st) for (let i = 0; i < st.length; i++) if (st[i] === 1) { hasStale = true; break; }
  if (!hasStale) return { labels: s.labels, ts: s.timestamps, vs: s.values, stale: null, rts: s.timestamps, rvs: s.values };
  const rts: number[] = [];
  const rvs: number[] = [];
  for (let i = 0; i < s.timestamps.length; i++) {
    if (st![i] === 1) continue;
    rts.push(s.timestamps[i]);
    rvs.push(s.values[i]);
  }
  return { labels: s.labels, ts: s.timestamps, vs: s.values, stale: st, rts, rvs };
}

function toSelectedWithHistograms(s: Series): SelectedSeries {
  const hs = s.histograms!;
  const st = s.stale;
  const rts: number[] = [];
  const rvs: number[] = [];
  const rhs: (FloatHistogram | null)[] = [];
  for (let i = 0; i < s.timestamps.length; i++) {
    if (st !== null && st[i] === 1) continue;
    rts.push(s.timestamps[i]);
    rvs.push(s.values[i]);
    rhs.push(hs[i]);
  }
  return { labels: s.labels, ts: s.timestamps, vs: s.values, stale: st, rts, rvs, hs, rhs };
}

/** Whether any selected series has start timestamps (evaluation then steps through windows carrying them). */
export function selectionsHaveStartTimestamps(selections: Iterable<readonly SelectedSeries[]>): boolean {
  for (const list of selections) for (const s of list) if (s.sts != null) return true;
  return false;
}

/** Whether any selected series holds a native histogram (evaluation then takes the histogram-aware paths). */
export function selectionsHaveHistograms(selections: Iterable<readonly SelectedSeries[]>): boolean {
  for (const list of selections) for (const s of list) if (s.hs != null) return true;
  return false;
}

/** What one query reads: per selector the range its samples must cover, and [mint, maxt] over all. */
export interface QueryNeeds {
  readonly selectors: Map<VectorSelector, Need>;
  readonly mint: number;
  readonly maxt: number;
}

/**
 * Every selector's time range for a query over [start, end], with offsets, `@` and subqueries
 * applied, and the querier range covering them all (Prometheus's FindMinMaxTime).
 */
export function queryNeeds(root: Expr, scope: DurationScope & { lookback: number; defaultSubqueryStep: number }): QueryNeeds {
  const selectors = new Map<VectorSelector, Need>();
  selectorRanges(root, scope.start, scope.end, {
    ...scope,
    subqueryStep: (e) => {
      if (e.type !== 'subquery') return 0;
      const s = e.step ? durationMs(e.step, scope) : scope.defaultSubqueryStep;
      return s > 0 ? s : scope.defaultSubqueryStep;
    },
  }, selectors);
  let mint = Infinity;
  let maxt = -Infinity;
  for (const n of selectors.values()) {
    if (n.min < mint) mint = n.min;
    if (n.max > maxt) maxt = n.max;
  }
  let hasInfo = false;
  walk(root, (e) => {
    if (e.type === 'call' && e.func === 'info') hasInfo = true;
  });
  if (hasInfo) {
    // info() reads its info series from one lookback delta before its selectors' ranges.
    mint = Math.min(mint, scope.start - scope.lookback) - scope.lookback;
    maxt = Math.max(maxt, scope.end);
  }
  if (mint > maxt) return { selectors, mint: scope.start, maxt: scope.end };
  return { selectors, mint, maxt };
}

/** Every selector's series (and every info() call's info series), selected once per query. */
export interface Selections {
  readonly selections: Map<VectorSelector, SelectedSeries[]>;
  readonly infoSeries: Map<Call, SelectedSeries[]>;
  readonly warnings: string[];
}

/**
 * Selects every selector's series once per query; `start`/`lookback` bound info() reads. Every
 * select is charged to `limit`: before decoding where the storage can tell its size, else once
 * it answered.
 */
export async function loadSelections(root: Expr, querier: Querier, needs: QueryNeeds, start: number, end: number, lookback: number, limit: SampleLimit): Promise<Selections> {
  const warnings: string[] = [];
  const selections = new Map<VectorSelector, SelectedSeries[]>();
  const valueFree = valueFreeSelectors(root);
  const presence = presenceSelectors(root);
  // A select answers another's only with series of the same kind: samples, timestamps only, or presence.
  const subsets = subsetSelects(needs.selectors, (a, b) => valueFree.has(a) === valueFree.has(b) && presence.has(a) === presence.has(b) && !readsRollup(a) && !readsRollup(b));
  const selects = new Map<VectorSelector, Promise<{ series: Series[]; selected: SelectedSeries[] }>>();
  const hintsOf = (vs: VectorSelector): SelectHints => {
    const need = needs.selectors.get(vs)!;
    if (presence.has(vs)) return selectHints({ start: need.min, end: need.max, timestampsOnly: true, presenceLookback: lookback });
    return selectHints({ start: need.min, end: need.max, timestampsOnly: valueFree.has(vs) ? true : undefined });
  };
  for (const vs of needs.selectors.keys()) {
    if (subsets.has(vs)) continue;
    selects.set(vs, (async () => {
      const budget = limit.forSelect();
      const set = await querier.select(vs.matchers, selectHints(hintsOf(vs), { budget }));
      budget.settle(set.series);
      warnings.push(...set.warnings);
      return { series: set.series, selected: set.series.map(toSelected) };
    })());
  }
  for (const [vs, subset] of subsets) {
    selects.set(vs, selects.get(subset.of)!.then((broad) => {
      const kept = subset.extra.length === 0 ? broad : keptBy(broad, subset.extra);
      // Counted, recorded and charged as its own select would have been.
      querier.answered?.(vs.matchers, hintsOf(vs), { series: kept.series, warnings: [] });
      limit.forSelect().settle(kept.series);
      return kept;
    }));
  }
  await Promise.all([...selects].map(async ([vs, answer]) => {
    selections.set(vs, (await answer).selected);
  }));
  const infoSeries = await loadInfoSeries(root, querier, needs.selectors, start, end, lookback, warnings, limit);
  return { selections, infoSeries, warnings };
}

/** The series of a select that every one of `matchers` accepts (an absent label is the empty string). */
function keptBy(broad: { series: Series[]; selected: SelectedSeries[] }, matchers: readonly LabelMatcher[]): { series: Series[]; selected: SelectedSeries[] } {
  const compiled = matchers.map(compiledMatcher);
  const series: Series[] = [];
  const selected: SelectedSeries[] = [];
  broad.series.forEach((s, i) => {
    if (!compiled.every((m) => m.matches(s.labels[m.name] ?? ''))) return;
    series.push(s);
    selected.push(broad.selected[i]);
  });
  return { series, selected };
}

/** Selects the info series (`target_info` by default) every info() call joins against. */
async function loadInfoSeries(root: Expr, querier: Querier, needs: Map<VectorSelector, Need>, start: number, end: number, lookback: number, warnings: string[], limit: SampleLimit): Promise<Map<Call, SelectedSeries[]>> {
  const out = new Map<Call, SelectedSeries[]>();
  const calls: Call[] = [];
  walk(root, (e) => {
    if (e.type === 'call' && e.func === 'info') calls.push(e);
  });
  for (const call of calls) {
    let min = start - lookback;
    let max = end;
    walk(call.args[0], (e) => {
      const need = e.type === 'vector_selector' ? needs.get(e) : undefined;
      if (need) {
        min = Math.min(min, need.min);
        max = Math.max(max, need.max);
      }
    });
    const budget = limit.forSelect();
    const set = await querier.select(infoNameMatchers(call), selectHints({ start: min - lookback, end: max, budget }));
    budget.settle(set.series);
    warnings.push(...set.warnings);
    out.set(call, set.series.map(toSelected));
  }
  return out;
}
