import type { Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { PromqlEvalError } from '../errors.js';
import type { Call, Expr, VectorSelector } from '../parser/ast.js';
import { EvalContext, type AbortProbe, type SelectedSeries } from './eval-context.js';
import { evaluate } from './evaluator.js';
import type { GroupParts } from './group-cells.js';
import { histogramStatsSelectors, withHistogramStats } from './histogram-stats.js';
import { compareLabels, dropMetricName, labelsKey } from './label-keys.js';
import { selectionsHaveHistograms, selectionsHaveStartTimestamps } from './prepare.js';
import type { RowMatrix } from './row-matrix.js';
import { precomputeSteps } from './series-major.js';
import type { StepMatrix } from './step-matrix.js';
import type { QueryResult, QueryValue, ResultSeries, Value } from './types.js';

/** The engine settings evaluation needs (those of EngineOptions that are plain data). */
export interface EvalSettings {
  readonly lookbackDelta: number;
  readonly defaultSubqueryStep: number;
  readonly maxSamples: number;
  readonly seriesMajor: boolean;
}

/**
 * A query whose series are selected: everything left is computation, which needs no storage and
 * so can run on any thread. `interval` 0 is an instant query at `start`.
 */
export interface EvalJob {
  readonly query: string;
  readonly expr: Expr;
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  readonly selections: Map<VectorSelector, SelectedSeries[]>;
  readonly infoSeries: Map<Call, SelectedSeries[]>;
  /** Warnings from selecting (e.g. a shard that could not be read). */
  readonly warnings: readonly string[];
  /** Wall-clock time (ms since the epoch) past which the query times out. */
  readonly deadline: number;
  readonly settings: EvalSettings;
  /** Aggregation operands whose rows were computed ahead, by the evaluation threads that split the query. */
  readonly rowMatrices?: ReadonlyMap<Expr, RowMatrix>;
  /** Aggregations whose groups were computed ahead, part by part, by the evaluation threads that split the query. */
  readonly groupParts?: ReadonlyMap<Expr, GroupParts>;
}

/**
 * `j` as a job with every field, in one order. Jobs are made in several places (the engine, a
 * split's parts and its joined job, a worker's unpacked one); made as literals and spreads they
 * had several hidden classes, and code reading jobs (evaluationCost, jobContext) deoptimized on
 * each new one ("wrong map") in warm queries.
 */
export function evalJob(j: EvalJob): EvalJob {
  return {
    query: j.query, expr: j.expr, start: j.start, end: j.end, interval: j.interval, selections: j.selections, infoSeries: j.infoSeries,
    warnings: j.warnings, deadline: j.deadline, settings: j.settings, rowMatrices: j.rowMatrices, groupParts: j.groupParts,
  };
}

/** Evaluates a selected query on the calling thread (synchronously: nothing is awaited). */
export function evaluateJob(job: EvalJob, signal?: AbortProbe): QueryResult {
  const ctx = jobContext(job, signal);
  const value = job.interval === 0 ? instant(job, ctx) : range(job, ctx);
  return { value, warnings: [...ctx.warnings], infos: [...ctx.infos] };
}

/** The evaluation state of `job` before any of it is computed. */
export function jobContext(job: EvalJob, signal?: AbortProbe): EvalContext {
  const s = job.settings;
  const ctx = new EvalContext(
    job.query, job.start, job.end, job.interval, s.lookbackDelta, s.defaultSubqueryStep, s.maxSamples, job.deadline, signal,
  );
  ctx.eval = (e, t) => evaluate(e, t, ctx);
  const statsOnly = histogramStatsSelectors(job.expr);
  for (const [vs, series] of job.selections) ctx.selections.set(vs, statsOnly.has(vs) ? series.map(withHistogramStats) : series);
  for (const [call, series] of job.infoSeries) ctx.infoSeries.set(call, series);
  for (const w of job.warnings) ctx.warnings.add(w);
  ctx.hasHistograms = selectionsHaveHistograms(job.selections.values()) || selectionsHaveHistograms(job.infoSeries.values());
  ctx.hasStartTimestamps = selectionsHaveStartTimestamps(job.selections.values());
  ctx.rowMatrices = job.rowMatrices ?? null;
  ctx.groupParts = job.groupParts ?? null;
  return ctx;
}

function instant(job: EvalJob, ctx: EvalContext): QueryValue {
  ctx.checkAbort('query evaluation');
  return instantValue(evaluate(job.expr, job.start, ctx), job.start);
}

function range(job: EvalJob, ctx: EvalContext): QueryValue {
  const { expr, start, end, interval: step } = job;
  const maxSamples = job.settings.maxSamples;
  // The series-major paths compute floats only.
  if (job.settings.seriesMajor && !ctx.hasHistograms && !ctx.hasStartTimestamps) {
    ctx.stepMatrices = precomputeSteps(expr, ctx);
    let root = expr;
    while (root.type === 'paren') root = root.expr;
    const m = ctx.stepMatrices.get(root);
    const series = m === undefined ? null : matrixResult(m, ctx, maxSamples);
    if (series !== null) return { resultType: 'matrix', result: series };
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
      for (const s of v.v) addPoint(rows, s.metric, s.dropName, ts, s.f, s.h);
      total += v.v.length;
    }
    if (total > maxSamples) ctx.addSamples(total);
  }
  const series = [...rows.values()];
  series.sort((a, b) => compareLabels(a.metric, b.metric));
  return { resultType: 'matrix', result: series };
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

function addPoint(rows: Map<string, ResultSeries>, metric: Labels, dropName: boolean, t: number, v: number, h?: FloatHistogram): void {
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
  if (h !== undefined) {
    r.histograms ??= new Array<FloatHistogram | null>(r.timestamps.length - 1).fill(null);
    r.histograms.push(h);
  } else r.histograms?.push(null);
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
        return s.h === undefined ? { metric, t, v: s.f } : { metric, t, v: s.f, h: s.h };
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
        const metric = w.dropName ? dropMetricName(w.metric) : w.metric;
        const hs = w.hs ?? null;
        if (hs === null) return { metric, timestamps, values };
        const histograms: (FloatHistogram | null)[] = [];
        for (let i = w.lo; i < w.hi; i++) histograms.push(hs[i]);
        return { metric, timestamps, values, histograms };
      });
      result.sort((a, b) => compareLabels(a.metric, b.metric));
      return { resultType: 'matrix', result };
    }
  }
}
