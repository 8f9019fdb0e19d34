import { HistogramError, type CombineOutcome, type FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { BinaryExpr } from '../parser/ast.js';
import type { EvalContext } from './eval-context.js';
import { trimHistogram } from './histogram-trim.js';

/** The outcome of an operator on a pair with a native histogram in it; null drops the pair. */
export interface HistogramBinopResult {
  readonly f: number;
  readonly h: FloatHistogram | undefined;
  /** For comparisons: whether the pair compared true. */
  readonly keep: boolean;
}

function incompatible(e: BinaryExpr, left: string, right: string, ctx: EvalContext): null {
  ctx.info(`incompatible sample types encountered for binary operator "${e.op}": ${left} ${e.op} ${right}`, e.pos);
  return null;
}

/** Annotations Prometheus adds for what combining two histograms reconciled. */
export function combineNotes(outcome: CombineOutcome, operation: string, pos: BinaryExpr['pos'], ctx: EvalContext): void {
  if (outcome.counterResetCollision) ctx.warn(`conflicting counter resets during histogram ${operation}`, pos);
  if (outcome.nhcbBoundsReconciled) ctx.info(`mismatched custom buckets were reconciled during ${operation}`, pos);
}

/** An outcome whose conflicting reset hints the caller accounts for itself. */
export function ignoringResetHints(outcome: CombineOutcome): CombineOutcome {
  return { ...outcome, counterResetCollision: false };
}

/**
 * How Prometheus reports conflicting counter resets when it sums many histograms (`sum`, `avg`,
 * `sum_over_time`, `avg_over_time`): one warning when both a `reset` and a `not_reset` hint were
 * among them, whatever came first (a gauge first does not hide them).
 */
export class ResetHintsSeen {
  private reset = false;
  private notReset = false;

  see(h: FloatHistogram): void {
    if (h.counterResetHint === 'reset') this.reset = true;
    else if (h.counterResetHint === 'not_reset') this.notReset = true;
  }

  note(operation: string, pos: BinaryExpr['pos'], ctx: EvalContext): void {
    if (this.reset && this.notReset) ctx.warn(`conflicting counter resets during histogram ${operation}`, pos);
  }
}

/** A HistogramError from combining histograms as Prometheus reports it (a warning; the sample is dropped). */
export function combineError(err: unknown, metricName: string, pos: BinaryExpr['pos'], ctx: EvalContext): null {
  if (!(err instanceof HistogramError)) throw err;
  const suffix = metricName === '' ? '' : ` for metric name "${metricName}"`;
  if (err.kind === 'incompatible_schema') ctx.warn(`vector contains a mix of histograms with exponential and custom buckets schemas${suffix}`, pos);
  else ctx.warn(`vector contains histograms with incompatible custom buckets${suffix}`, pos);
  return null;
}

/**
 * Prometheus' vectorElemBinop where a native histogram is involved: histogram × float,
 * histogram ÷ float and float × histogram scale it; histogram ± histogram combine (a difference
 * is a gauge); == and != compare histograms; histogram </ float and histogram >/ float trim it;
 * everything else is an incompatible pair (an info
 * annotation; the pair yields nothing).
 */
export function histogramBinop(e: BinaryExpr, fl: number, hl: FloatHistogram | undefined, fr: number, hr: FloatHistogram | undefined, ctx: EvalContext): HistogramBinopResult | null {
  if (hl === undefined && hr !== undefined) {
    if (e.op === '*') return { f: 0, h: hr.copy().mul(fl).compact(), keep: true };
    return incompatible(e, 'float', 'histogram', ctx);
  }
  if (hl !== undefined && hr === undefined) {
    if (e.op === '*') return { f: 0, h: hl.copy().mul(fr).compact(), keep: true };
    if (e.op === '/') return { f: 0, h: hl.copy().div(fr).compact(), keep: true };
    if (e.op === '</' || e.op === '>/') return { f: 0, h: trimHistogram(hl, fr, e.op === '</'), keep: true };
    return incompatible(e, 'histogram', 'float', ctx);
  }
  if (hl === undefined || hr === undefined) throw new Error('histogramBinop needs a histogram on one side');
  switch (e.op) {
    case '+':
    case '-': {
      const res = hl.copy();
      let outcome: CombineOutcome;
      try {
        outcome = e.op === '+' ? res.add(hr) : res.sub(hr);
      } catch (err) {
        return combineError(err, '', e.pos, ctx);
      }
      combineNotes(outcome, e.op === '+' ? 'addition' : 'subtraction', e.pos, ctx);
      if (e.op === '-') res.counterResetHint = 'gauge';
      return { f: 0, h: res.compact(), keep: true };
    }
    case '==': return { f: 0, h: hl, keep: hl.equals(hr) };
    case '!=': return { f: 0, h: hl, keep: !hl.equals(hr) };
  }
  return incompatible(e, 'histogram', 'histogram', ctx);
}
