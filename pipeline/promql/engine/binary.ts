import type { Labels } from '../../../schemas/labels.js';
import { PromqlEvalError } from '../errors.js';
import type { BinaryExpr, VectorMatching } from '../parser/ast.js';
import type { EvalContext } from './eval-context.js';
import { histogramBinop } from './histogram-binary.js';
import { formatMetric } from './format-metric.js';
import { labelsKey } from './label-keys.js';
import type { Sample, Value, Vector } from './types.js';

export const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^', 'atan2']);

/** The histogram trimming operators: they apply to a histogram on the left and a float on the right only. */
export function isTrimOperator(op: string): boolean {
  return op === '</' || op === '>/';
}

/** A trimming operator between two floats yields nothing, with Prometheus' info annotation. */
function floatTrim(e: BinaryExpr, ctx: EvalContext): void {
  ctx.info(`incompatible sample types encountered for binary operator "${e.op}": float ${e.op} float`, e.pos);
}

/** Go's math.Pow where it differs from `**` (1^x and (-1)^±Inf are 1). */
function pow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return a ** b;
}

/** Applies an operator to two floats: [value, keep]. Comparisons keep the left value. */
export function scalarOp(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    case '^': return pow(a, b);
    case 'atan2': return Math.atan2(a, b);
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
  }
  throw new PromqlEvalError(`operator "${op}" not allowed for scalar operations`);
}

export function evalBinary(e: BinaryExpr, t: number, ctx: EvalContext): Value {
  const l = ctx.eval(e.lhs, t);
  const r = ctx.eval(e.rhs, t);
  const arith = ARITHMETIC.has(e.op);
  if (l.kind === 'scalar' && r.kind === 'scalar') {
    return { kind: 'scalar', v: scalarOp(e.op, l.v, r.v) };
  }
  if (l.kind === 'vector' && r.kind === 'scalar') return vectorScalar(e, l.v, r.v, false, arith, ctx);
  if (l.kind === 'scalar' && r.kind === 'vector') return vectorScalar(e, r.v, l.v, true, arith, ctx);
  if (l.kind !== 'vector' || r.kind !== 'vector') throw new PromqlEvalError('binary expression must contain only scalar and instant vector types');
  const m = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [], fillLeft: null, fillRight: null };
  switch (e.op) {
    case 'and': return { kind: 'vector', v: andUnless(e, l.v, r.v, m, true) };
    case 'unless': return { kind: 'vector', v: andUnless(e, l.v, r.v, m, false) };
    case 'or': return { kind: 'vector', v: or(e, l.v, r.v, m) };
  }
  return { kind: 'vector', v: vectorVector(e, l.v, r.v, m, arith, ctx) };
}

function vectorScalar(e: BinaryExpr, vec: Vector, s: number, swap: boolean, arith: boolean, ctx: EvalContext): Value {
  const out: Vector = [];
  const op = e.op;
  for (let i = 0; i < vec.length; i++) {
    const x = vec[i];
    if (x.h !== undefined) {
      const r = swap ? histogramBinop(e, s, undefined, 0, x.h, ctx) : histogramBinop(e, 0, x.h, s, undefined, ctx);
      if (r === null) continue;
      // A trimmed histogram keeps its series' name, as a comparison's filtered sample does.
      if (isTrimOperator(op)) out.push({ metric: x.metric, f: 0, t: x.t, dropName: x.dropName, h: r.h! });
      else if (arith) out.push({ metric: x.metric, f: r.f, t: x.t, dropName: true, h: r.h! });
      else if (e.bool) out.push({ metric: x.metric, f: r.keep ? 1 : 0, t: x.t, dropName: true });
      else if (r.keep) out.push(x);
      continue;
    }
    if (isTrimOperator(op)) {
      floatTrim(e, ctx);
      continue;
    }
    const a = swap ? s : x.f;
    const b = swap ? x.f : s;
    const v = scalarOp(op, a, b);
    if (arith) {
      out.push({ metric: x.metric, f: v, t: x.t, dropName: true });
    } else if (e.bool) {
      out.push({ metric: x.metric, f: v, t: x.t, dropName: true });
    } else if (v === 1) {
      out.push(x);
    }
  }
  return { kind: 'vector', v: out };
}

const sigCaches = new WeakMap<BinaryExpr, WeakMap<Labels, string>>();

/** The matching signature: the `on` labels' values, or all labels but `ignoring` ones and the name. */
export function signature(e: BinaryExpr, m: VectorMatching, l: Labels): string {
  let cache = sigCaches.get(e);
  if (!cache) {
    cache = new WeakMap();
    sigCaches.set(e, cache);
  }
  let s = cache.get(l);
  if (s !== undefined) return s;
  if (m.on) {
    s = '';
    for (const n of m.labels) s += (l[n] ?? '') + '\xff';
  } else if (m.labels.length === 0) {
    s = labelsKey(withoutName(l));
  } else {
    const o: Record<string, string> = {};
    for (const k in l) if (k !== '__name__' && !m.labels.includes(k)) o[k] = l[k];
    s = labelsKey(o);
  }
  cache.set(l, s);
  return s;
}

function withoutName(l: Labels): Labels {
  if (!('__name__' in l)) return l;
  const o: Record<string, string> = {};
  for (const k in l) if (k !== '__name__') o[k] = l[k];
  return o;
}

function andUnless(e: BinaryExpr, lhs: Vector, rhs: Vector, m: VectorMatching, and: boolean): Vector {
  const sigs = new Set<string>();
  for (const s of rhs) sigs.add(signature(e, m, s.metric));
  return lhs.filter((s) => sigs.has(signature(e, m, s.metric)) === and);
}

function or(e: BinaryExpr, lhs: Vector, rhs: Vector, m: VectorMatching): Vector {
  const sigs = new Set<string>();
  const out: Vector = lhs.slice();
  for (const s of lhs) sigs.add(signature(e, m, s.metric));
  for (const s of rhs) if (!sigs.has(signature(e, m, s.metric))) out.push(s);
  return out;
}

function matchGroupLabels(m: VectorMatching, l: Labels): Labels {
  const o: Record<string, string> = {};
  if (m.on) {
    for (const n of m.labels) if (l[n] !== undefined && l[n] !== '') o[n] = l[n];
  } else {
    for (const k in l) if (k !== '__name__' && !m.labels.includes(k)) o[k] = l[k];
  }
  return o;
}

function matchedLabelsText(m: VectorMatching, l: Labels): string {
  const o: Record<string, string> = {};
  if (m.on) {
    for (const n of m.labels) if (l[n] !== undefined && l[n] !== '') o[n] = l[n];
  } else {
    for (const k in l) if (k !== '__name__' && !m.labels.includes(k)) o[k] = l[k];
  }
  return formatMetric(o);
}

const resultCaches = new WeakMap<BinaryExpr, WeakMap<Labels, Labels>>();

/** The labels of a vector-vector result sample from its left (`ls`) and right (`rs`) operands' labels. */
export function resultMetric(e: BinaryExpr, m: VectorMatching, ls: Labels, rs: Labels): Labels {
  const cacheable = m.include.length === 0;
  let cache: WeakMap<Labels, Labels> | undefined;
  if (cacheable) {
    cache = resultCaches.get(e);
    if (!cache) {
      cache = new WeakMap();
      resultCaches.set(e, cache);
    }
    const hit = cache.get(ls);
    if (hit) return hit;
  }
  let out: Record<string, string>;
  if (m.card === 'one-to-one') {
    out = {};
    if (m.on) {
      for (const n of m.labels) if (ls[n] !== undefined) out[n] = ls[n];
    } else {
      for (const k in ls) if (!m.labels.includes(k)) out[k] = ls[k];
    }
  } else {
    out = { ...ls };
  }
  for (const n of m.include) {
    const v = rs[n];
    if (v !== undefined && v !== '') out[n] = v;
    else delete out[n];
  }
  if (cache) cache.set(ls, out);
  return out;
}

function vectorVector(e: BinaryExpr, lhsIn: Vector, rhsIn: Vector, m: VectorMatching, arith: boolean, ctx: EvalContext): Vector {
  if (m.card === 'many-to-many') throw new PromqlEvalError('many-to-many only allowed for set operators');
  const swapped = m.card === 'one-to-many';
  let lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  // fill_left/fill_right name the sides after group_right's swap (the "many" side is left).
  const fillMany = m.fillLeft;
  const fillOne = m.fillRight;
  const rightSigs = new Map<string, Sample>();
  for (const rs of rhs) {
    const sig = signature(e, m, rs.metric);
    const dup = rightSigs.get(sig);
    if (dup) {
      const side = swapped ? 'left' : 'right';
      throw new PromqlEvalError(
        `found duplicate series for the match group ${matchedLabelsText(m, rs.metric)} on the ${side} hand-side of the operation: [${[formatMetric(rs.metric), formatMetric(dup.metric)].sort().join(', ')}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(sig, rs);
  }
  if (fillMany !== null) {
    // Unmatched "one"-side samples meet a synthesized sample carrying the match group's labels.
    const leftSigs = new Set<string>();
    for (const ls of lhs) leftSigs.add(signature(e, m, ls.metric));
    const extra: Vector = [];
    for (const [sig, rs] of rightSigs) {
      if (!leftSigs.has(sig)) extra.push({ metric: matchGroupLabels(m, rs.metric), f: fillMany, t: rs.t, dropName: false });
    }
    if (extra.length > 0) lhs = lhs.concat(extra);
  }
  if (fillOne !== null) {
    for (const ls of lhs) {
      const sig = signature(e, m, ls.metric);
      if (!rightSigs.has(sig)) rightSigs.set(sig, { metric: matchGroupLabels(m, ls.metric), f: fillOne, t: ls.t, dropName: false });
    }
  }
  const out: Vector = [];
  const matched = new Map<string, Set<string> | null>();
  const op = e.op;
  for (const ls of lhs) {
    const sig = signature(e, m, ls.metric);
    const rs = rightSigs.get(sig);
    if (rs === undefined) continue;
    const fl = swapped ? rs.f : ls.f;
    const fr = swapped ? ls.f : rs.f;
    // Cardinality is checked before comparison filtering, as Prometheus does.
    const metric = resultMetric(e, m, ls.metric, rs.metric);
    const prev = matched.get(sig);
    if (m.card === 'one-to-one') {
      if (prev !== undefined) {
        throw new PromqlEvalError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      matched.set(sig, null);
    } else {
      const k = labelsKey(metric);
      let set = prev;
      if (!set) {
        set = new Set();
        matched.set(sig, set);
      } else if (set.has(k)) {
        throw new PromqlEvalError('multiple matches for labels: grouping labels must ensure unique matches');
      }
      set.add(k);
    }
    if (ls.h !== undefined || rs.h !== undefined) {
      const hl = swapped ? rs.h : ls.h;
      const hr = swapped ? ls.h : rs.h;
      const r = histogramBinop(e, fl, hl, fr, hr, ctx);
      if (r === null) continue;
      if (isTrimOperator(op)) out.push({ metric, f: 0, t: ls.t, dropName: ls.dropName, h: r.h! });
      else if (arith) out.push({ metric, f: r.f, t: ls.t, dropName: true, h: r.h! });
      else if (e.bool) out.push({ metric, f: r.keep ? 1 : 0, t: ls.t, dropName: true });
      else if (r.keep) out.push({ metric, f: fl, t: ls.t, dropName: ls.dropName, h: hl! });
      continue;
    }
    if (isTrimOperator(op)) {
      floatTrim(e, ctx);
      continue;
    }
    let v = scalarOp(op, fl, fr);
    if (!arith) {
      if (e.bool) {
        // v already 0/1
      } else if (v === 0) {
        continue;
      } else {
        v = fl;
      }
    }
    out.push({ metric, f: v, t: ls.t, dropName: arith || e.bool || ls.dropName });
  }
  return out;
}
