import type { Labels } from '../../../schemas/labels.js';
import type { Querier, Queryable } from '../../tsdb/querier.js';
import { PromqlEvalError } from '../errors.js';
import type { Expr } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { typeOf } from '../parser/type-check.js';
import { EvalContext, type EngineOptions } from './eval-context.js';
import { evaluate } from './evaluator.js';
import { compareLabels, dropMetricName, labelsKey } from './label-keys.js';
import { loadSelections, queryNeeds } from './prepare.js';
import { precomputeSteps } from './series-major.js';
import type { StepMatrix } from './step-matrix.js';
import type { QueryResult, QueryValue, ResultSeries, Value } from './types.js';

export interface QueryOptions {
  readonly signal?: AbortSignal;
}

/** A query already parsed (e.g. rewritten by a caller); `text` is used for annotation positions. */
export interface ParsedQuery {
  readonly text: string;
  readonly expr: Expr;
}

function parsed(query: string | ParsedQuery): ParsedQuery {
  return typeof query === 'string' ? { text: query, expr: parseExpr(query) } : query;
}

const DEFAULTS = {
  lookbackDelta: 5 * 60_000,
  defaultSubqueryStep: 60_000,
  maxSamples: 50_000_000,
  timeoutMs: 120_000,
  seriesMajor: true,
};

function isQueryable(q: Querier | Queryable): q is Queryable {
  return typeof (q as Queryable).querier === 'function';
}

/**
 * The PromQL engine: parses, selects every series once per query, computes a range query's hot
 * nodes series-major (series-major.ts), and evaluates the rest step by step.
 */
export class Engine {
  private readonly opts: Required<EngineOptions>;

  constructor(opts: EngineOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts } as Required<EngineOptions>;
  }

  /** Evaluates `query` at `timeMs`. */
  async instantQuery(q: Querier | Queryable, queryIn: string | ParsedQuery, timeMs: number, o: QueryOptions = {}): Promise<QueryResult> {
    const { text: query, expr } = parsed(queryIn);
    const ctx = await this.context(q, query, expr, timeMs, timeMs, 0, o);
    try {
      ctx.checkAbort('query evaluation');
      const v = evaluate(expr, timeMs, ctx);
      return this.finish(ctx, instantValue(v, timeMs));
    } finally {
      await ctx.querier.close();
    }
  }

  /** Evaluates `query` at every step from `start` to `end` inclusive (ms); returns a matrix. */
  async rangeQuery(q: Querier | Queryable, queryIn: string | ParsedQuery, start: number, end: number, step: number, o: QueryOptions = {}): Promise<QueryResult> {
    if (end < start) throw new PromqlEvalError('end timestamp must not be before start time');
    if (step <= 0) throw new PromqlEvalError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    const { text: query, expr } = parsed(queryIn);
    const t = typeOf(expr);
    if (t !== 'scalar' && t !== 'vector') {
      throw new PromqlEvalError(`invalid expression type "${t === 'matrix' ? 'range vector' : t}" for range query, must be Scalar or instant Vector`);
    }
    const ctx = await this.context(q, query, expr, start, end, step, o);
    try {
      if (this.opts.seriesMajor) {
        ctx.stepMatrices = precomputeSteps(expr, ctx);
        let root = expr;
        while (root.type === 'paren') root = root.expr;
        const m = ctx.stepMatrices.get(root);
        const series = m === undefined ? null : matrixResult(m, ctx, this.opts.maxSamples);
        if (series !== null) return this.finish(ctx, { resultType: 'matrix', result: series });
      }
      // Rows are keyed by their final labels (names dropped where due), so series that differ
      // only by a dropped name merge unless they collide at the same step.
      const rows = new Map<string, ResultSeries>();
      let total = 0;
      for (let ts = start; ts <= end; ts += step) {
        ctx.checkAbort('query evaluation');
        ctx.currentSamples = total;
        const v = evaluate(expr, ts, ctx);
        if (v.kind === 'scalar') {
          addPoint(rows, {}, false, ts, v.v);
          total++;
        } else if (v.kind === 'vector') {
          for (const s of v.v) addPoint(rows, s.metric, s.dropName, ts, s.f);
          total += v.v.length;
        }
        if (total > this.opts.maxSamples) ctx.addSamples(total);
      }
      const series = [...rows.values()];
      series.sort((a, b) => compareLabels(a.metric, b.metric));
      return this.finish(ctx, { resultType: 'matrix', result: series });
    } finally {
      await ctx.querier.close();
    }
  }

  private async context(q: Querier | Queryable, query: string, expr: Expr, start: number, end: number, interval: number, o: QueryOptions): Promise<EvalContext> {
    const needs = queryNeeds(expr, {
      start, end, interval, lookback: this.opts.lookbackDelta, defaultSubqueryStep: this.opts.defaultSubqueryStep,
    });
    // The querier covers what the selectors read: offsets and @ may reach past [start, end].
    const querier = isQueryable(q) ? q.querier(needs.mint, needs.maxt) : q;
    const ctx = new EvalContext(
      query, querier, start, end, interval, this.opts.lookbackDelta, this.opts.defaultSubqueryStep,
      this.opts.maxSamples, this.opts.timeoutMs, o.signal,
    );
    ctx.eval = (e, t) => evaluate(e, t, ctx);
    const warnings = await loadSelections(expr, ctx, needs);
    for (const w of warnings) ctx.warnings.add(w);
    return ctx;
  }

  private finish(ctx: EvalContext, value: QueryValue): QueryResult {
    return { value, warnings: [...ctx.warnings], infos: [...ctx.infos] };
  }
}

/**
 * The result matrix straight from a root computed series-major, with the step loop's sample
 * accounting; null when two rows end up with the same labels (the step loop decides then).
 */
function matrixResult(m: StepMatrix, ctx: EvalContext, maxSamples: number): ResultSeries[] | null {
  const steps = ctx.steps;
  const rows: ResultSeries[] = [];
  const counts = new Float64Array(steps);
  const keys = new Set<string>();
  for (let r = 0; r < m.metrics.length; r++) {
    const base = r * m.rowStride;
    let row: ResultSeries | null = null;
    for (let k = 0; k < steps; k++) {
      const i = base + k * m.stepStride;
      if (m.present[i] === 0) continue;
      if (row === null) {
        const metric = m.dropName[r] ? dropMetricName(m.metrics[r]) : m.metrics[r];
        const key = labelsKey(metric);
        if (keys.has(key)) return null;
        keys.add(key);
        row = { metric, timestamps: [], values: [] };
        rows.push(row);
      }
      row.timestamps.push(ctx.start + k * ctx.interval);
      row.values.push(m.values[i]);
      counts[k]++;
    }
  }
  let total = 0;
  for (let k = 0; k < steps; k++) {
    ctx.checkAbort('query evaluation');
    ctx.currentSamples = total;
    ctx.addSamples(m.samples[k]);
    total += counts[k];
    if (total > maxSamples) ctx.addSamples(total);
  }
  rows.sort((a, b) => compareLabels(a.metric, b.metric));
  return rows;
}

function addPoint(rows: Map<string, ResultSeries>, metric: Labels, dropName: boolean, t: number, v: number): void {
  const m = dropName ? dropMetricName(metric) : metric;
  const k = labelsKey(m);
  let r = rows.get(k);
  if (!r) {
    r = { metric: m, timestamps: [], values: [] };
    rows.set(k, r);
  } else if (r.timestamps[r.timestamps.length - 1] === t) {
    throw new PromqlEvalError('vector cannot contain metrics with the same labelset');
  }
  r.timestamps.push(t);
  r.values.push(v);
}

function instantValue(v: Value, t: number): QueryValue {
  switch (v.kind) {
    case 'scalar': return { resultType: 'scalar', result: { t, v: v.v } };
    case 'string': return { resultType: 'string', result: { t, v: v.v } };
    case 'vector': {
      const seen = new Set<string>();
      const result = v.v.map((s) => {
        const metric = s.dropName ? dropMetricName(s.metric) : s.metric;
        const k = labelsKey(metric);
        if (seen.has(k)) throw new PromqlEvalError('vector cannot contain metrics with the same labelset');
        seen.add(k);
        return { metric, t, v: s.f };
      });
      return { resultType: 'vector', result };
    }
    case 'matrix': {
      const result: ResultSeries[] = v.v.map((w) => {
        const timestamps: number[] = [];
        const values: number[] = [];
        for (let i = w.lo; i < w.hi; i++) {
          timestamps.push(w.ts[i]);
          values.push(w.vs[i]);
        }
        return { metric: w.dropName ? dropMetricName(w.metric) : w.metric, timestamps, values };
      });
      result.sort((a, b) => compareLabels(a.metric, b.metric));
      return { resultType: 'matrix', result };
    }
  }
}
