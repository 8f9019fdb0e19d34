import { KahanHistogramSum, type FloatHistogram } from '../../../../schemas/native-histogram/index.js';
import type { Call } from '../../parser/ast.js';
import type { EvalContext } from '../eval-context.js';
import { goQuote } from '../go-format.js';
import { interpolateHistogram } from '../histogram-interpolate.js';
import { HistogramMean } from '../histogram-mean.js';
import { combineError, combineNotes, ignoringResetHints, ResetHintsSeen } from '../histogram-binary.js';
import type { Sample, Value, Vector, Window } from '../types.js';
import { vec, type FunctionImpl } from './function-impl.js';
import { checkStartOverlap, startInRange, windowStartReset } from './start-timestamps.js';

/**
 * Function calls in a query that reads native histograms (Prometheus 3's rules): functions of
 * histograms (`histogram_*`, label functions, `timestamp`, `count_over_time`, ...) see them;
 * `rate`, `increase`, `delta`, `irate`, `idelta`, `resets`, `changes`, `sum_over_time`,
 * `avg_over_time`, `last_over_time` and `first_over_time` compute over them; every other function
 * works on floats only, and histogram samples are left out of its input (in a range holding
 * floats too, with an info annotation).
 */
export function evalCallOverHistograms(impl: FunctionImpl, args: Value[], call: Call, t: number, ctx: EvalContext): Value {
  const f = call.func;
  if (SEES_HISTOGRAMS.has(f) || f.startsWith('histogram_')) return impl(args, call, t, ctx);
  const m = args.find((a) => a.kind === 'matrix');
  if (m !== undefined && m.kind === 'matrix' && m.modifier === 'anchored') {
    const anchored = ANCHORED_OVER_HISTOGRAMS[f];
    // The sample anchoring a range may be a histogram where the range holds none.
    if (anchored !== undefined && m.v.some((w) => hasHistogram(w) || (w.lo > 0 && w.hs?.[w.lo - 1] != null))) return overAnchored(anchored, m, impl, args, call, t, ctx);
  }
  if (m !== undefined && m.kind === 'matrix' && m.modifier === 'smoothed') {
    const smoothed = SMOOTHED_OVER_HISTOGRAMS[f];
    // The samples the boundaries are interpolated from may be histograms where the range holds none.
    if (smoothed !== undefined && m.v.some((w) => w.hs != null)) return smoothed(m, impl, args, call, t, ctx);
  }
  if (m !== undefined && m.kind === 'matrix' && m.v.some(hasHistogram)) {
    const over = RANGE_OVER_HISTOGRAMS[f];
    if (over !== undefined && (m.modifier ?? null) === null) return over(m, impl, args, call, t, ctx);
    const floats: Window[] = [];
    for (const w of m.v) {
      const fw = floatWindow(w);
      if (fw !== w && fw.hi > 0 && fw.hi < w.hi - w.lo) ctx.info(`ignored histograms in a range containing both floats and histograms${forName(w)}`, call.args[args.indexOf(m)].pos);
      if (fw.hi > fw.lo || m.modifier != null) floats.push(fw);
    }
    return impl(args.map((a) => (a === m ? { ...m, v: floats } : a)), call, t, ctx);
  }
  return impl(args.map((a) => (a.kind === 'vector' && a.v.some((s) => s.h !== undefined) ? { kind: 'vector', v: a.v.filter((s) => s.h === undefined) } : a)), call, t, ctx);
}

/** Functions whose implementation takes histogram samples as they are. */
const SEES_HISTOGRAMS = new Set([
  'label_replace', 'label_join', 'timestamp', 'absent', 'absent_over_time', 'present_over_time', 'count_over_time',
  'ts_of_last_over_time', 'ts_of_first_over_time', 'sort_by_label', 'sort_by_label_desc', 'info', 'vector', 'time',
  'start_timestamp',
]);

function hasHistogram(w: Window): boolean {
  const hs = w.hs;
  if (hs == null) return false;
  for (let i = w.lo; i < w.hi; i++) if (hs[i] !== null) return true;
  return false;
}

/** The float samples of a window, as a window of their own. */
function floatWindow(w: Window): Window {
  const hs = w.hs;
  if (hs == null) return w;
  const ts: number[] = [];
  const vs: number[] = [];
  for (let i = w.lo; i < w.hi; i++) {
    if (hs[i] !== null) continue;
    ts.push(w.ts[i]);
    vs.push(w.vs[i]);
  }
  return { metric: w.metric, ts, vs, lo: 0, hi: ts.length, dropName: w.dropName, hs: null };
}

function forName(w: Window): string {
  const name = w.metric.__name__;
  return name === undefined || name === '' ? '' : ` for metric name ${goQuote(name)}`;
}

type MatrixValue = Extract<Value, { kind: 'matrix' }>;
type RangeOverHistograms = (m: MatrixValue, impl: FunctionImpl, args: Value[], call: Call, t: number, ctx: EvalContext) => Value;

/**
 * Runs the float implementation on the float-only windows and `perWindow` on windows holding
 * histograms; a window mixing both warns and yields nothing (unless `mixedOk`).
 */
function split(perWindow: (w: Window, hs: ArrayLike<FloatHistogram | null>, call: Call, t: number, ctx: EvalContext) => Sample | null, mixedOk = false): RangeOverHistograms {
  return (m, impl, args, call, t, ctx) => {
    const floats: Window[] = [];
    const out: Vector = [];
    for (const w of m.v) {
      if (!hasHistogram(w)) {
        floats.push(w);
        continue;
      }
      const hs = w.hs!;
      if (!mixedOk) {
        let mixed = false;
        for (let i = w.lo; i < w.hi; i++) if (hs[i] === null) mixed = true;
        if (mixed) {
          ctx.warn(`encountered a mix of histograms and floats${forName(w)}`, call.args[args.indexOf(m)].pos);
          continue;
        }
      }
      const s = perWindow(w, hs, call, t, ctx);
      if (s !== null) out.push(s);
    }
    const rest = impl(args.map((a) => (a === m ? { ...m, v: floats } : a)), call, t, ctx);
    if (rest.kind === 'vector') out.unshift(...rest.v);
    return vec(out);
  };
}

function matrixPos(call: Call): Call['pos'] {
  return call.args.find((a) => a.type === 'matrix_selector' || a.type === 'subquery')?.pos ?? call.pos;
}

/**
 * Prometheus' histogramRate: last minus first, counter resets added back; null when it cannot be
 * computed. A first sample with the other kind of buckets (exponential or custom) than the last
 * counts as a reset before the second one (only its count matters, for the extrapolation).
 */
function histogramIncrease(w: Window, hs: ArrayLike<FloatHistogram | null>, isCounter: boolean, call: Call, ctx: EvalContext): FloatHistogram | null {
  const pos = matrixPos(call);
  const first = hs[w.lo]!;
  const last = hs[w.hi - 1]!;
  const custom = last.usesCustomBuckets();
  const firstIsReset = first.usesCustomBuckets() !== custom;
  let minSchema = last.schema;
  let notCounter = false;
  for (let i = w.lo; i < w.hi; i++) {
    const h = hs[i]!;
    if (isCounter && h.counterResetHint === 'gauge') notCounter = true;
    if (i === w.lo && firstIsReset) continue;
    if (h.usesCustomBuckets() !== custom) {
      ctx.warn(`vector contains a mix of histograms with exponential and custom buckets schemas${forName(w)}`, pos);
      return null;
    }
    if (h.schema < minSchema) minSchema = h.schema;
  }
  if (notCounter) ctx.warn(`this native histogram metric is not a counter: ${goQuote(w.metric.__name__ ?? '')}`, pos);
  const h = last.copyToSchema(minSchema);
  try {
    // Resets are handled explicitly here, so conflicting reset hints are no news (Prometheus
    // ignores them in rate too); reconciled custom buckets still are.
    if (!firstIsReset) combineNotes(ignoringResetHints(h.sub(first)), 'subtraction', pos, ctx);
    if (isCounter) {
      let prev = firstIsReset ? hs[w.lo + 1]! : first;
      for (let i = w.lo + (firstIsReset ? 2 : 1); i < w.hi; i++) {
        const cur = hs[i]!;
        if (cur.detectReset(prev) || windowStartReset(w, i)) combineNotes(ignoringResetHints(h.add(prev)), 'addition', pos, ctx);
        prev = cur;
      }
    } else if (first.counterResetHint !== 'gauge' || last.counterResetHint !== 'gauge') {
      ctx.warn(`this native histogram metric is not a gauge: ${goQuote(w.metric.__name__ ?? '')}`, pos);
    }
  } catch (err) {
    return combineError(err, w.metric.__name__ ?? '', pos, ctx);
  }
  h.counterResetHint = 'gauge';
  return h.compact();
}

/**
 * The extrapolation factor of Prometheus' extrapolatedRate for a window over [rangeStart,
 * rangeEnd]; `st`, when not 0, is the first sample's start timestamp inside the range, where the
 * increase starts from zero instead of being extrapolated to the range start.
 */
function extrapolationFactor(w: Window, firstCount: number, resultCount: number, rangeStart: number, rangeEnd: number, isCounter: boolean, isRate: boolean, st = 0): number {
  const n = w.hi - w.lo;
  const firstT = w.ts[w.lo];
  const lastT = w.ts[w.hi - 1];
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  let sampledInterval = (lastT - firstT) / 1000;
  const avg = n > 1 ? sampledInterval / (n - 1) : 0;
  const threshold = avg * 1.1;
  if (st !== 0) {
    durationToStart = 0;
    sampledInterval = (lastT - st) / 1000;
  } else {
    if (durationToStart >= threshold) durationToStart = avg / 2;
    if (isCounter && resultCount > 0 && firstCount >= 0) {
      const durationToZero = sampledInterval * (firstCount / resultCount);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
  }
  if (durationToEnd >= threshold) durationToEnd = avg / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000;
  return factor;
}

/** rate/increase/delta of windows of histograms, extrapolated as Prometheus extrapolates floats. */
function rateOverHistograms(isCounter: boolean, isRate: boolean): RangeOverHistograms {
  return (m, impl, args, call, t, ctx) => split((w, hs, c, tt, cx) => {
    const st = isCounter ? startInRange(w, m.refTime - m.range) : 0;
    if (w.hi - w.lo < 2 && st === 0) return null;
    if (isCounter) checkStartOverlap(w, matrixPos(c), cx);
    const h = histogramIncrease(w, hs, isCounter, c, cx);
    if (h === null) return null;
    // Counted from a zero at the start timestamp: the first sample's buckets are all increase.
    if (st !== 0) combineNotes(ignoringResetHints(h.add(hs[w.lo]!)), 'addition', matrixPos(c), cx);
    h.mul(extrapolationFactor(w, hs[w.lo]!.count, h.count, m.refTime - m.range, m.refTime, isCounter, isRate, st));
    return { metric: w.metric, f: 0, t: tt, dropName: true, h };
  })(m, impl, args, call, t, ctx);
}

/** irate/idelta over the last two samples when both are histograms. */
function lastTwoOverHistograms(isRate: boolean): RangeOverHistograms {
  return (m, impl, args, call, t, ctx) => {
    const floats: Window[] = [];
    const out: Vector = [];
    const pos = matrixPos(call);
    for (const w of m.v) {
      const hs = w.hs;
      if (w.hi - w.lo < 2 || hs == null || (hs[w.hi - 1] === null && hs[w.hi - 2] === null)) {
        floats.push(w);
        continue;
      }
      const cur = hs[w.hi - 1];
      const prev = hs[w.hi - 2];
      if (cur === null || prev === null) {
        ctx.warn(`encountered a mix of histograms and floats${forName(w)}`, pos);
        continue;
      }
      const name = goQuote(w.metric.__name__ ?? '');
      if (!isRate && (cur.counterResetHint !== 'gauge' || prev.counterResetHint !== 'gauge')) ctx.warn(`this native histogram metric is not a gauge: ${name}`, pos);
      if (isRate && (cur.counterResetHint === 'gauge' || prev.counterResetHint === 'gauge')) ctx.warn(`this native histogram metric is not a counter: ${name}`, pos);
      let h = cur.copy();
      if (!(isRate && (cur.counterResetHint === 'reset' || cur.detectReset(prev) || windowStartReset(w, w.hi - 1)))) {
        try {
          combineNotes(ignoringResetHints(h.sub(prev)), 'subtraction', pos, ctx);
        } catch (err) {
          combineError(err, w.metric.__name__ ?? '', pos, ctx);
          continue;
        }
      }
      h.counterResetHint = 'gauge';
      h = h.compact();
      if (isRate) h.div((w.ts[w.hi - 1] - w.ts[w.hi - 2]) / 1000);
      out.push({ metric: w.metric, f: 0, t, dropName: true, h });
    }
    const rest = impl(args.map((a) => (a === m ? { ...m, v: floats } : a)), call, t, ctx);
    if (rest.kind === 'vector') out.unshift(...rest.v);
    return vec(out);
  };
}

/** resets/changes over a window with histograms: a change of sample type counts too. */
function countTransitions(reset: boolean) {
  return (w: Window, hs: ArrayLike<FloatHistogram | null>, _call: Call, t: number): Sample => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const a = hs[i - 1];
      const b = hs[i];
      if (a !== null && b !== null) {
        if (reset ? b.detectReset(a) || windowStartReset(w, i) : !b.equals(a)) n++;
      } else if (a === null && b === null) {
        const x = w.vs[i - 1];
        const y = w.vs[i];
        if (reset ? y < x || windowStartReset(w, i) : x !== y && !(Number.isNaN(x) && Number.isNaN(y))) n++;
      } else {
        n++;
      }
    }
    return { metric: w.metric, f: n, t, dropName: true };
  };
}

/** sum_over_time/avg_over_time of histograms (compensated, as `sum` and `avg` aggregate). */
function sumOverHistograms(average: boolean) {
  return (w: Window, hs: ArrayLike<FloatHistogram | null>, call: Call, t: number, ctx: EvalContext): Sample | null => {
    const pos = matrixPos(call);
    const sum = average ? new HistogramMean() : new KahanHistogramSum();
    const hints = new ResetHintsSeen();
    try {
      for (let i = w.lo; i < w.hi; i++) {
        combineNotes(ignoringResetHints(sum.add(hs[i]!)), 'aggregation', pos, ctx);
        hints.see(hs[i]!);
      }
    } catch (err) {
      return combineError(err, w.metric.__name__ ?? '', pos, ctx);
    } finally {
      hints.note('aggregation', pos, ctx);
    }
    const h = sum.result()!;
    return { metric: w.metric, f: 0, t, dropName: true, h: h.compact() };
  };
}

/** last_over_time/first_over_time: the sample itself, histogram or float. */
function edgeSample(last: boolean): RangeOverHistograms {
  return (m, _impl, _args, _call, t) => {
    const out: Vector = [];
    for (const w of m.v) {
      if (w.hi - w.lo < 1) continue;
      const i = last ? w.hi - 1 : w.lo;
      const h = w.hs?.[i] ?? null;
      out.push(h === null ? { metric: w.metric, f: w.vs[i], t, dropName: w.dropName } : { metric: w.metric, f: 0, t, dropName: w.dropName, h });
    }
    return vec(out);
  };
}

/**
 * An `anchored` range of a series holding histograms: its samples preceded by the last sample at
 * or before the range start (within the lookback delta), as a window of its own.
 */
function anchoredWindow(w: Window, start: number, lookback: number): Window {
  const from = w.lo > 0 && w.ts[w.lo - 1] > start - lookback ? w.lo - 1 : w.lo;
  const ts: number[] = [];
  const vs: number[] = [];
  const hs: (FloatHistogram | null)[] = [];
  for (let i = from; i < w.hi; i++) {
    ts.push(w.ts[i]);
    vs.push(w.vs[i]);
    hs.push(w.hs?.[i] ?? null);
  }
  return { metric: w.metric, ts, vs, lo: 0, hi: ts.length, dropName: w.dropName, hs };
}

/**
 * A function over `anchored` ranges: windows holding histograms are anchored and computed by
 * `over` (which sees plain windows), the others by the float implementation with the modifier.
 */
function overAnchored(over: RangeOverHistograms, m: MatrixValue, impl: FunctionImpl, args: Value[], call: Call, t: number, ctx: EvalContext): Value {
  const start = m.refTime - m.range;
  const histograms: Window[] = [];
  const floats: Window[] = [];
  for (const w of m.v) {
    // The anchoring sample counts: a histogram before a range of floats makes a mixed range.
    const a = anchoredWindow(w, start, ctx.lookback);
    if (hasHistogram(a)) histograms.push(a);
    else floats.push(w);
  }
  const anchored: MatrixValue = { ...m, v: histograms, modifier: null };
  const fromHistograms = over(anchored, impl, args.map((a) => (a === m ? anchored : a)), call, t, ctx);
  const fromFloats = impl(args.map((a) => (a === m ? { ...m, v: floats } : a)), call, t, ctx);
  const out: Vector = [];
  if (fromFloats.kind === 'vector') out.push(...fromFloats.v);
  if (fromHistograms.kind === 'vector') out.push(...fromHistograms.v);
  return vec(out);
}

/** rate/increase/delta of anchored windows: last minus first with resets added back, not extrapolated. */
function anchoredIncrease(isCounter: boolean, isRate: boolean): RangeOverHistograms {
  return (m, impl, args, call, t, ctx) => split((w, hs, c, tt, cx) => {
    if (w.hi - w.lo < 1) return null;
    const h = histogramIncrease(w, hs, isCounter, c, cx);
    if (h === null) return null;
    if (isRate) h.div(m.range / 1000);
    return { metric: w.metric, f: 0, t: tt, dropName: true, h };
  })(m, impl, args, call, t, ctx);
}

/**
 * rate/increase/delta of `smoothed` ranges holding histograms: the histograms at the range's
 * boundaries interpolated from the samples around them (within the lookback delta), then the
 * last minus the first with counter resets between samples added back, not extrapolated. An
 * interpolation that crossed a reset already starts from zero, so only resets between real
 * samples (and the one the end boundary crossed) are corrected for.
 */
function smoothedIncrease(isCounter: boolean, isRate: boolean): RangeOverHistograms {
  return (m, impl, args, call, t, ctx) => {
    const start = m.refTime - m.range;
    const end = m.refTime;
    const pos = matrixPos(call);
    const floats: Window[] = [];
    const out: Vector = [];
    for (const w of m.v) {
      const hs = w.hs;
      const hasPrev = w.lo > 0 && w.ts[w.lo - 1] > start - ctx.lookback;
      const hasNext = w.hi < w.ts.length && w.ts[w.hi] <= end + ctx.lookback;
      const from = hasPrev ? w.lo - 1 : w.lo;
      const to = hasNext ? w.hi : w.hi - 1;
      let histograms = 0;
      for (let i = from; i <= to; i++) if (hs?.[i] != null) histograms++;
      if (histograms === 0) {
        floats.push(w);
        continue;
      }
      if (w.hi === w.lo && !(hasPrev && hasNext)) continue;
      if (histograms !== to - from + 1) {
        ctx.warn(`encountered a mix of histograms and floats${forName(w)}`, pos);
        continue;
      }
      const h = (i: number) => hs![i]!;
      const name = goQuote(w.metric.__name__ ?? '');
      let notCounter = false;
      for (let i = from; i <= to; i++) if (h(i).counterResetHint === 'gauge') notCounter = true;
      if (isCounter && notCounter) ctx.warn(`this native histogram metric is not a counter: ${name}`, pos);
      if (!isCounter && (h(from).counterResetHint !== 'gauge' || h(to).counterResetHint !== 'gauge')) ctx.warn(`this native histogram metric is not a gauge: ${name}`, pos);
      let res: FloatHistogram;
      try {
        const first = w.lo < w.hi ? w.lo : w.hi;
        const last = w.hi > w.lo ? w.hi - 1 : w.lo - 1;
        const left = hasPrev ? interpolateHistogram(h(w.lo - 1), w.ts[w.lo - 1], h(first), w.ts[first], start, isCounter) : h(w.lo);
        const right = hasNext ? interpolateHistogram(h(last), w.ts[last], h(w.hi), w.ts[w.hi], end, isCounter) : h(w.hi - 1);
        res = right.copy();
        ignoringResetHints(res.sub(left));
        if (isCounter) {
          for (let i = w.lo + 1; i < w.hi; i++) if (h(i).detectReset(h(i - 1))) ignoringResetHints(res.add(h(i - 1)));
          if (hasNext && w.hi > w.lo && h(w.hi).detectReset(h(last))) ignoringResetHints(res.add(h(last)));
        }
      } catch (err) {
        combineError(err, w.metric.__name__ ?? '', pos, ctx);
        continue;
      }
      res.counterResetHint = 'gauge';
      res.compact();
      if (isRate) res.div(m.range / 1000);
      out.push({ metric: w.metric, f: 0, t, dropName: true, h: res });
    }
    const rest = impl(args.map((a) => (a === m ? { ...m, v: floats } : a)), call, t, ctx);
    if (rest.kind === 'vector') out.unshift(...rest.v);
    return vec(out);
  };
}

const SMOOTHED_OVER_HISTOGRAMS: Record<string, RangeOverHistograms> = {
  rate: smoothedIncrease(true, true),
  increase: smoothedIncrease(true, false),
  delta: smoothedIncrease(false, false),
};

const ANCHORED_OVER_HISTOGRAMS: Record<string, RangeOverHistograms> = {
  rate: anchoredIncrease(true, true),
  increase: anchoredIncrease(true, false),
  delta: anchoredIncrease(false, false),
  resets: split(countTransitions(true), true),
  changes: split(countTransitions(false), true),
};

const RANGE_OVER_HISTOGRAMS: Record<string, RangeOverHistograms> = {
  rate: rateOverHistograms(true, true),
  increase: rateOverHistograms(true, false),
  delta: rateOverHistograms(false, false),
  irate: lastTwoOverHistograms(true),
  idelta: lastTwoOverHistograms(false),
  resets: split(countTransitions(true), true),
  changes: split(countTransitions(false), true),
  sum_over_time: split(sumOverHistograms(false)),
  avg_over_time: split(sumOverHistograms(true)),
  last_over_time: edgeSample(true),
  first_over_time: edgeSample(false),
};
