import type { Labels } from '../../../../schemas/labels.js';
import type { LabelMatcher } from '../../../tsdb/querier.js';
import { PromqlEvalError } from '../../errors.js';
import { compileSelectorRegexp } from '../../../../schemas/regexp/index.js';
import type { Call, Expr } from '../../parser/ast.js';
import { matchesEmpty } from '../../parser/matchers-empty.js';
import { atTime, durationMs } from '../durations.js';
import type { EvalContext } from '../eval-context.js';
import { upperBound } from '../search.js';
import type { Vector } from '../types.js';
import { argVector, vec, type FunctionImpl } from './function-impl.js';
import { infoDataMatchers, infoNameMatchers } from './info-matchers.js';

const IDENTIFYING = ['instance', 'job'];

function matches(m: LabelMatcher, v: string): boolean {
  switch (m.type) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    case '=~': return compileSelectorRegexp(m.value).test(v);
    case '!~': return !compileSelectorRegexp(m.value).test(v);
  }
}

/**
 * The time the base series were read at: info series are looked up as of the same moment, so
 * `@` and `offset` (also on subqueries) shift the join like they shift the samples.
 */
function referenceTime(e: Expr, t: number, ctx: EvalContext): number {
  switch (e.type) {
    case 'vector_selector': return (atTime(e.at, ctx) ?? t) - durationMs(e.offset, ctx);
    case 'matrix_selector': return referenceTime(e.vector, t, ctx);
    case 'subquery': return referenceTime(e.expr, (atTime(e.at, ctx) ?? t) - durationMs(e.offset, ctx), ctx);
    case 'paren': case 'unary': return referenceTime(e.expr, t, ctx);
    case 'aggregate': return referenceTime(e.expr, t, ctx);
    case 'binary': return referenceTime(e.lhs, t, ctx);
    case 'call': {
      const a = e.args.find((x) => x.type !== 'number' && x.type !== 'string');
      return a ? referenceTime(a, t, ctx) : t;
    }
    default: return t;
  }
}

/**
 * Whether Prometheus would have fetched this info series for `base`: for every identifying label
 * the base series (info series themselves left out) carry, its value is one of theirs.
 */
function identifiesAny(info: Labels, base: Vector, nameMatchers: readonly LabelMatcher[]): boolean {
  const values = new Map<string, Set<string>>();
  for (const s of base) {
    const name = s.metric.__name__;
    if (name !== undefined && nameMatchers.every((m) => matches(m, name))) continue;
    for (const l of IDENTIFYING) {
      const v = s.metric[l];
      if (v === undefined || v === '') continue;
      let set = values.get(l);
      if (set === undefined) values.set(l, (set = new Set()));
      set.add(v);
    }
  }
  if (values.size === 0) return false;
  for (const [l, set] of values) if (!set.has(info[l] ?? '')) return false;
  return true;
}

const info: FunctionImpl = (args, call: Call, t, ctx) => {
  const base = argVector(args[0]);
  const nameMatchers = infoNameMatchers(call);
  const dataMatchers = infoDataMatchers(call);
  const allAcceptEmpty = dataMatchers.every(matchesEmpty);
  const ref = referenceTime(call.args[0], t, ctx);
  const mint = ref - ctx.lookback;
  // Info series alive at the reference time, after the data-label filter.
  const alive: { labels: Labels; ts: number }[] = [];
  for (const s of ctx.infoSeries.get(call) ?? []) {
    const idx = upperBound(s.ts, ref) - 1;
    if (idx < 0 || s.ts[idx] <= mint || (s.stale !== null && s.stale[idx] === 1)) continue;
    if (!dataMatchers.every((m) => matches(m, s.labels[m.name] ?? ''))) continue;
    if (s.hs != null && s.hs[idx] !== null && identifiesAny(s.labels, base, nameMatchers)) {
      throw new PromqlEvalError('info sample should be float');
    }
    alive.push({ labels: s.labels, ts: s.ts[idx] });
  }
  const out: Vector = [];
  for (const s of base) {
    const name = s.metric.__name__;
    if (name !== undefined && nameMatchers.every((m) => matches(m, name))) {
      out.push(s);
      continue;
    }
    const ids = IDENTIFYING.filter((l) => s.metric[l] !== undefined);
    if (ids.length === 0) {
      out.push(s);
      continue;
    }
    // Per info metric name, the matching series with the latest sample wins.
    const byName = new Map<string, { labels: Labels; ts: number }>();
    for (const i of alive) {
      if (!ids.every((l) => i.labels[l] === s.metric[l])) continue;
      const n = i.labels.__name__ ?? '';
      const prev = byName.get(n);
      if (!prev || i.ts > prev.ts) byName.set(n, i);
    }
    if (byName.size === 0) {
      if (allAcceptEmpty) out.push(s);
      continue;
    }
    const add: Record<string, string> = {};
    for (const i of byName.values()) {
      for (const k in i.labels) {
        if (k === '__name__' || IDENTIFYING.includes(k)) continue;
        if (dataMatchers.length > 0 && !dataMatchers.some((m) => m.name === k)) continue;
        if (add[k] !== undefined && add[k] !== i.labels[k]) {
          throw new PromqlEvalError(`conflicting label: ${k} has values ${JSON.stringify(add[k])} and ${JSON.stringify(i.labels[k])} in info series`);
        }
        add[k] = i.labels[k];
      }
    }
    const metric: Record<string, string> = { ...add, ...s.metric };
    out.push({ metric, f: s.f, t: s.t, dropName: s.dropName });
  }
  return vec(out);
};

/** `info(v, [selector])`: adds data labels of matching info series (target_info by default). */
export const INFO_FUNCTIONS: Record<string, FunctionImpl> = { info };
