import type { Labels } from '../../../schemas/labels.js';
import { KahanHistogramSum } from '../../../schemas/native-histogram/index.js';
import type { AggregateExpr } from '../parser/ast.js';
import type { EvalContext } from './eval-context.js';
import { HistogramMean } from './histogram-mean.js';
import { combineError, combineNotes, ignoringResetHints, ResetHintsSeen } from './histogram-binary.js';
import type { Vector } from './types.js';

/** Aggregations that take every sample whatever its type. */
const ANY_SAMPLE = new Set(['count', 'group', 'limitk', 'limit_ratio', 'count_values']);

/**
 * The native-histogram part of an aggregation, as Prometheus 3 has it: `sum` and `avg` add the
 * histograms of a group (a group holding floats and histograms yields nothing, with a warning);
 * `count`, `group`, `limitk`, `limit_ratio` take histograms like floats; the other aggregations
 * ignore them (an info annotation). Returns the float samples left for the float aggregation and
 * the histogram groups' results.
 */
export function splitHistogramAggregation<G extends { readonly labels: Labels }>(e: AggregateExpr, input: Vector, t: number, ctx: EvalContext, groupOf: (l: Labels) => G): { input: Vector; extra: Vector | null } {
  let any = false;
  for (const s of input) if (s.h !== undefined) { any = true; break; }
  if (!any || ANY_SAMPLE.has(e.op)) return { input, extra: null };
  if (e.op !== 'sum' && e.op !== 'avg') {
    ctx.info(`ignored histogram in ${e.op} aggregation`, e.pos);
    return { input: input.filter((s) => s.h === undefined), extra: null };
  }
  const kinds = new Map<G, { floats: boolean; histograms: boolean }>();
  for (const s of input) {
    const g = groupOf(s.metric);
    let k = kinds.get(g);
    if (k === undefined) kinds.set(g, (k = { floats: false, histograms: false }));
    if (s.h === undefined) k.floats = true;
    else k.histograms = true;
  }
  const floats: Vector = [];
  const sums = new Map<G, { sum: KahanHistogramSum | HistogramMean; hints: ResetHintsSeen; failed: boolean; dropName: boolean; name: string }>();
  for (const s of input) {
    const g = groupOf(s.metric);
    const k = kinds.get(g)!;
    if (!k.histograms) {
      floats.push(s);
      continue;
    }
    if (k.floats) continue;
    let acc = sums.get(g);
    if (acc === undefined) sums.set(g, (acc = { sum: e.op === 'avg' ? new HistogramMean() : new KahanHistogramSum(), hints: new ResetHintsSeen(), failed: false, dropName: false, name: s.metric.__name__ ?? '' }));
    if (acc.failed) continue;
    if (s.dropName) acc.dropName = true;
    try {
      // Prometheus places what adding reconciled at the aggregated expression, not the
      // aggregation, and reports conflicting resets per group from the hints it saw.
      combineNotes(ignoringResetHints(acc.sum.add(s.h!)), 'aggregation', e.expr.pos, ctx);
      acc.hints.see(s.h!);
    } catch (err) {
      combineError(err, acc.name, e.pos, ctx);
      acc.failed = true;
    }
  }
  for (const k of kinds.values()) {
    if (k.floats && k.histograms) {
      ctx.warn('encountered a mix of histograms and floats for aggregation', e.pos);
      break;
    }
  }
  const extra: Vector = [];
  for (const [g, acc] of sums) {
    if (acc.failed) continue;
    acc.hints.note('aggregation', e.expr.pos, ctx);
    const h = acc.sum.result()!;
    extra.push({ metric: g.labels, f: 0, t, dropName: acc.dropName, h: h.compact() });
  }
  return { input: floats, extra };
}
