import { compareStrings, isValidLabelName, type Labels } from '../../../schemas/labels.js';
import { PromqlEvalError } from '../errors.js';
import type { AggregateExpr } from '../parser/ast.js';
import type { EvalContext } from './eval-context.js';
import { splitHistogramAggregation } from './aggregate-histograms.js';
import { kahanSumInc } from './kahan.js';
import { labelsKey } from './label-keys.js';
import { limitRatioKeeps } from './limit-ratio.js';
import { checkCounterName, WINDOW_FUNCTIONS } from './functions/rate.js';
import { formatGoG, goQuote } from './go-format.js';
import { formatFloatF, quantile } from './quantile.js';
import type { Sample, Value, Vector } from './types.js';

interface Group {
  labels: Labels;
  count: number;
  value: number;
  c: number;
  mean: number;
  incremental: boolean;
  values: number[] | null;
  heap: Sample[] | null;
  /**
   * The group's metric name goes at the end when any of its inputs' would (delayed removal:
   * `sum by (__name__) (rate(x[5m]))` answers without a name).
   */
  dropName: boolean;
}

/** One output group of an aggregation; shared by every input series that falls into it. */
export interface GroupInfo {
  readonly key: string;
  readonly labels: Labels;
}

export interface GroupingCache {
  readonly bySeries: Map<Labels, GroupInfo>;
  readonly byKey: Map<string, GroupInfo>;
}

export function groupingCache(e: AggregateExpr, ctx: EvalContext): GroupingCache {
  let gc = ctx.nodeCache.get(e) as GroupingCache | undefined;
  if (!gc) {
    gc = { bySeries: new Map(), byKey: new Map() };
    ctx.nodeCache.set(e, gc);
  }
  return gc;
}

/** The group of a series, cached per query and node (series label objects repeat every step). */
export function groupingOf(e: AggregateExpr, l: Labels, gc: GroupingCache): GroupInfo {
  let g = gc.bySeries.get(l);
  if (g === undefined) {
    g = groupOfLabels(e, l, gc);
    gc.bySeries.set(l, g);
  }
  return g;
}

/**
 * The group of a series, not remembered for the series: for callers that meet each series once
 * (series-major aggregation). A `by` group's key is built from the series' labels directly, and
 * its labels object only for a new group.
 */
export function groupOfLabels(e: AggregateExpr, l: Labels, gc: GroupingCache): GroupInfo {
  if (e.without) {
    const o: Record<string, string> = {};
    for (const k in l) if (k !== '__name__' && !e.grouping.includes(k)) o[k] = l[k];
    return groupOfKey(labelsKey(o), o, gc);
  }
  let key = '';
  for (const n of keyNames(e)) {
    const v = l[n];
    if (v !== undefined && v !== '') key += n + '\xff' + v + '\xff';
  }
  let g = gc.byKey.get(key);
  if (g === undefined) {
    const o: Record<string, string> = {};
    for (const n of e.grouping) if (l[n] !== undefined && l[n] !== '') o[n] = l[n];
    g = { key, labels: o };
    gc.byKey.set(key, g);
  }
  return g;
}

function groupOfKey(key: string, labels: Labels, gc: GroupingCache): GroupInfo {
  let g = gc.byKey.get(key);
  if (g === undefined) {
    g = { key, labels };
    gc.byKey.set(key, g);
  }
  return g;
}

const keyNamesCache = new WeakMap<AggregateExpr, readonly string[]>();

/**
 * A `by` clause's names as labelsKey orders a group's labels: sorted, once each, without
 * `__proto__` (which a group's labels object does not take as a property).
 */
function keyNames(e: AggregateExpr): readonly string[] {
  let names = keyNamesCache.get(e);
  if (names === undefined) {
    names = [...new Set(e.grouping)].filter((n) => n !== '__proto__').sort(compareStrings);
    keyNamesCache.set(e, names);
  }
  return names;
}

const tmp = { s: 0, c: 0 };

export function evalAggregate(e: AggregateExpr, t: number, ctx: EvalContext): Value {
  let param = NaN;
  let label = '';
  if (e.param) {
    const p = ctx.eval(e.param, t);
    if (p.kind === 'scalar') param = p.v;
    else if (p.kind === 'string') label = p.v;
  }
  // The fused path computes float windows only.
  const fused = ctx.hasHistograms || ctx.hasStartTimestamps ? null : fusedRangeAggregate(e, t, ctx);
  if (fused) return fused;
  const inV = ctx.eval(e.expr, t);
  let input: Vector = inV.kind === 'vector' ? inV.v : [];
  let extra: Vector | null = null;
  if (ctx.hasHistograms) {
    const gc = groupingCache(e, ctx);
    ({ input, extra } = splitHistogramAggregation(e, input, t, ctx, (l) => groupingOf(e, l, gc)));
  }
  const op = e.op;
  if (op === 'topk' || op === 'bottomk' || op === 'limitk') {
    if (Number.isNaN(param)) throw new PromqlEvalError('Parameter value is NaN');
    if (param >= 2 ** 63) throw new PromqlEvalError(`Scalar value ${param} overflows int64`);
    const k = Math.trunc(param);
    if (k < 1) return { kind: 'vector', v: [] };
    return { kind: 'vector', v: kAggregate(e, input, k, ctx) };
  }
  if (op === 'limit_ratio') {
    if (Number.isNaN(param)) throw new PromqlEvalError('Ratio value is NaN');
    let r = param;
    if (r < -1 || r > 1) {
      ctx.warn(`ratio value should be between -1 and 1, got ${formatGoG(r)}, capping to ${r < 0 ? -1 : 1}`, e.param!.pos);
      r = r < 0 ? -1 : 1;
    }
    return { kind: 'vector', v: input.filter((s) => limitRatioKeeps(r, s.metric)) };
  }
  if (op === 'quantile' && (Number.isNaN(param) || param < 0 || param > 1)) {
    ctx.warn(`quantile value should be between 0 and 1, got ${formatGoG(param)}`, e.param!.pos);
  }
  if (op === 'count_values') {
    if (!isValidLabelName(label)) throw new PromqlEvalError(`invalid label name ${goQuote(label)}`);
    return { kind: 'vector', v: countValues(e, input, label, t, ctx) };
  }
  const groups = new Map<GroupInfo, Group>();
  const gc = groupingCache(e, ctx);
  for (let i = 0; i < input.length; i++) {
    const s = input[i];
    const g = groupingOf(e, s.metric, gc);
    let grp = groups.get(g);
    const f = s.f;
    if (grp === undefined) {
      grp = { labels: g.labels, count: 1, value: f, c: 0, mean: f, incremental: false, values: null, heap: null, dropName: s.dropName };
      if (op === 'stddev' || op === 'stdvar') grp.value = Number.isFinite(f) ? 0 : NaN;
      if (op === 'quantile') grp.values = [f];
      if (op === 'group') grp.value = 1;
      groups.set(g, grp);
      continue;
    }
    grp.count++;
    if (s.dropName) grp.dropName = true;
    switch (op) {
      case 'sum':
        kahanSumInc(f, grp.value, grp.c, tmp);
        grp.value = tmp.s;
        grp.c = tmp.c;
        break;
      case 'avg': avgInc(grp, f); break;
      case 'max': if (grp.value < f || Number.isNaN(grp.value)) grp.value = f; break;
      case 'min': if (grp.value > f || Number.isNaN(grp.value)) grp.value = f; break;
      case 'stddev': case 'stdvar': {
        const delta = f - grp.mean;
        grp.mean += delta / grp.count;
        grp.value += delta * (f - grp.mean);
        break;
      }
      case 'quantile': grp.values!.push(f); break;
      default: break;
    }
  }
  const out: Vector = [];
  for (const g of groups.values()) {
    let v: number;
    switch (op) {
      case 'sum': v = g.value + g.c; break;
      case 'avg': v = g.incremental ? g.mean + g.c : (g.value + g.c) / g.count; break;
      case 'count': v = g.count; break;
      case 'group': v = 1; break;
      case 'stdvar': v = g.value / g.count; break;
      case 'stddev': v = Math.sqrt(g.value / g.count); break;
      case 'quantile': v = quantile(param, g.values!); break;
      default: v = g.value;
    }
    out.push({ metric: g.labels, f: v, t, dropName: g.dropName });
  }
  if (extra !== null) out.push(...extra);
  return { kind: 'vector', v: out };
}

const FUSABLE = new Set(['sum', 'avg', 'count', 'group', 'min', 'max']);

/**
 * `sum by (...) (rate(x[5m]))` and kin: the per-window values go straight into the groups,
 * without materializing one sample per series per step (the hot path of dashboards).
 */
function fusedRangeAggregate(e: AggregateExpr, t: number, ctx: EvalContext): Value | null {
  if (!FUSABLE.has(e.op) || (!e.without && e.grouping.includes('__name__'))) return null;
  let inner = e.expr;
  while (inner.type === 'paren') inner = inner.expr;
  if (inner.type !== 'call' || inner.args.length !== 1) return null;
  const wf = WINDOW_FUNCTIONS[inner.func];
  const arg = inner.args[0];
  if (!wf || arg.type !== 'matrix_selector' || arg.modifier !== null) return null;
  const m = ctx.eval(arg, t);
  if (m.kind !== 'matrix') return null;
  const start = m.refTime - m.range;
  const end = m.refTime;
  const gc = groupingCache(e, ctx);
  const groups = new Map<GroupInfo, Group>();
  const op = e.op;
  let lastChecked: string | undefined = '\0';
  for (const w of m.v) {
    if (w.hi - w.lo < wf.min) continue;
    if (wf.counter && w.metric.__name__ !== lastChecked) {
      lastChecked = w.metric.__name__;
      checkCounterName(w, inner, ctx);
    }
    const f = wf.f(w, start, end);
    const g = groupingOf(e, w.metric, gc);
    const grp = groups.get(g);
    if (grp === undefined) {
      // Never grouped by __name__ (see above): the name is not in the labels to drop.
      groups.set(g, { labels: g.labels, count: 1, value: op === 'group' ? 1 : f, c: 0, mean: f, incremental: false, values: null, heap: null, dropName: false });
      continue;
    }
    grp.count++;
    switch (op) {
      case 'sum':
        kahanSumInc(f, grp.value, grp.c, tmp);
        grp.value = tmp.s;
        grp.c = tmp.c;
        break;
      case 'avg': avgInc(grp, f); break;
      case 'max': if (grp.value < f || Number.isNaN(grp.value)) grp.value = f; break;
      case 'min': if (grp.value > f || Number.isNaN(grp.value)) grp.value = f; break;
      default: break;
    }
  }
  const out: Vector = [];
  for (const g of groups.values()) {
    let v: number;
    switch (op) {
      case 'sum': v = g.value + g.c; break;
      case 'avg': v = g.incremental ? g.mean + g.c : (g.value + g.c) / g.count; break;
      case 'count': v = g.count; break;
      case 'group': v = 1; break;
      default: v = g.value;
    }
    out.push({ metric: g.labels, f: v, t, dropName: false });
  }
  return { kind: 'vector', v: out };
}

function avgInc(g: Group, f: number): void {
  if (!g.incremental) {
    kahanSumInc(f, g.value, g.c, tmp);
    if (tmp.s !== Infinity && tmp.s !== -Infinity) {
      g.value = tmp.s;
      g.c = tmp.c;
      return;
    }
    g.incremental = true;
    g.mean = g.value / (g.count - 1);
    g.c /= g.count - 1;
  }
  if (g.mean === Infinity || g.mean === -Infinity) {
    if ((f === Infinity || f === -Infinity) && (g.mean > 0) === (f > 0)) return;
    if (Number.isFinite(f)) return;
  }
  const cur = g.mean + g.c;
  kahanSumInc(f / g.count - cur / g.count, g.mean, g.c, tmp);
  g.mean = tmp.s;
  g.c = tmp.c;
}

function countValues(e: AggregateExpr, input: Vector, label: string, t: number, ctx: EvalContext): Vector {
  const groups = new Map<string, { labels: Labels; n: number; dropName: boolean }>();
  const gc = groupingCache(e, ctx);
  for (const s of input) {
    const base = groupingOf(e, s.metric, gc).labels;
    // A histogram counts under its printed form, as Prometheus' String() writes it.
    const labels = { ...base, [label]: s.h === undefined ? formatFloatF(s.f) : s.h.toString() };
    const k = labelsKey(labels);
    const g = groups.get(k);
    if (g) {
      g.n++;
      if (s.dropName) g.dropName = true;
    } else groups.set(k, { labels, n: 1, dropName: s.dropName });
  }
  return [...groups.values()].map((g) => ({ metric: g.labels, f: g.n, t, dropName: g.dropName }));
}

/** Go's container/heap over `less`, so ties resolve as in Prometheus. */
function heapUp(h: Sample[], j: number, less: (a: Sample, b: Sample) => boolean): void {
  while (j > 0) {
    const i = ((j - 1) / 2) | 0;
    if (i === j || !less(h[j], h[i])) break;
    [h[i], h[j]] = [h[j], h[i]];
    j = i;
  }
}
function heapDown(h: Sample[], i0: number, n: number, less: (a: Sample, b: Sample) => boolean): void {
  let i = i0;
  while (true) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2], h[j1])) j = j2;
    if (!less(h[j], h[i])) break;
    [h[i], h[j]] = [h[j], h[i]];
    i = j;
  }
}

const topLess = (a: Sample, b: Sample) => (Number.isNaN(a.f) && !Number.isNaN(b.f)) || a.f < b.f;
const bottomLess = (a: Sample, b: Sample) => (Number.isNaN(a.f) && !Number.isNaN(b.f)) || a.f > b.f;

function kAggregate(e: AggregateExpr, input: Vector, k: number, ctx: EvalContext): Vector {
  const groups = new Map<GroupInfo, Sample[]>();
  const less = e.op === 'topk' ? topLess : bottomLess;
  const gc = groupingCache(e, ctx);
  for (const s of input) {
    const key = groupingOf(e, s.metric, gc);
    let h = groups.get(key);
    if (!h) {
      h = [];
      groups.set(key, h);
    }
    if (e.op === 'limitk') {
      if (h.length < k) h.push(s);
      continue;
    }
    if (h.length < k) {
      h.push(s);
      heapUp(h, h.length - 1, less);
    } else if (e.op === 'topk' ? h[0].f < s.f || (Number.isNaN(h[0].f) && !Number.isNaN(s.f)) : h[0].f > s.f || (Number.isNaN(h[0].f) && !Number.isNaN(s.f))) {
      h[0] = s;
      if (k > 1) heapDown(h, 0, h.length, less);
    }
  }
  const out: Vector = [];
  for (const h of groups.values()) {
    if (e.op !== 'limitk') h.sort((a, b) => (less(a, b) ? 1 : less(b, a) ? -1 : 0));
    out.push(...h);
  }
  return out;
}
