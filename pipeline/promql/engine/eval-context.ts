import type { Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { PresenceSummary } from '../../tsdb/querier.js';
import type { SelectSlabPool } from '../../tsdb/shared-memory/index.js';
import { lineColumn, PromqlTimeoutError, PromqlTooManySamplesError, type PositionRange } from '../errors.js';
import type { Call, Expr, SubqueryExpr, VectorSelector } from '../parser/ast.js';
import type { Evaluator } from './engine.js';
import type { GroupParts } from './group-cells.js';
import type { RowMatrix } from './row-matrix.js';
import type { StepMatrix } from './step-matrix.js';
import type { Value, Vector } from './types.js';

/** A selected series, its samples column-wise; `rts`/`rvs` exclude staleness markers (for ranges). */
export interface SelectedSeries {
  readonly labels: Labels;
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
  readonly stale: ArrayLike<number> | null;
  readonly rts: ArrayLike<number>;
  readonly rvs: ArrayLike<number>;
  /** Native-histogram samples beside `vs` and `rvs` (null where a float); absent without any. */
  readonly hs?: ArrayLike<FloatHistogram | null> | null;
  readonly rhs?: ArrayLike<FloatHistogram | null> | null;
  /** Start timestamps beside `ts` and `rts` (0 where a sample has none); absent without any. */
  readonly sts?: ArrayLike<number> | null;
  readonly rsts?: ArrayLike<number> | null;
  /**
   * Where the series is present, in place of its samples (the columns are empty): a select for
   * `count`/`group` of an instant selector (SelectHints.presenceLookback). Absent or null otherwise.
   */
  readonly presence?: PresenceSummary | null;
}

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (ms). Prometheus's default: 5m. */
  readonly lookbackDelta?: number;
  /** Step of a subquery written without one (`[1h:]`), ms. */
  readonly defaultSubqueryStep?: number;
  /** Most samples a query may load from storage, and hold at once while it evaluates. */
  readonly maxSamples?: number;
  /** Query timeout in ms (in addition to any AbortSignal). */
  readonly timeoutMs?: number;
  /**
   * Evaluate range queries' hot nodes series-major before stepping (default true). Off, every
   * node runs step by step: the reference the series-major path is tested against.
   */
  readonly seriesMajor?: boolean;
  /** Where selected queries are computed; on the calling thread when absent. */
  readonly evaluator?: Evaluator;
  /**
   * Where a query's selects cut their columns (SelectHints.slabs): leased per query and given
   * back once it is evaluated; without it, each select's columns are its own.
   */
  readonly slabs?: SelectSlabPool;
}

/**
 * What evaluation reads to learn that its query was canceled: an AbortSignal on the thread that
 * started the query, or a flag in shared memory in an evaluation worker.
 */
export interface AbortProbe {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/** Per-query state shared by the evaluator, operators and functions. */
export class EvalContext {
  readonly selections = new Map<VectorSelector, SelectedSeries[]>();
  /** Info series per info() call. */
  readonly infoSeries = new Map<Call, SelectedSeries[]>();
  readonly subqueryCache = new Map<SubqueryExpr, Map<number, Vector>>();
  readonly invariantCache = new Map<Expr, unknown>();
  /** Per-node caches that live for one query (grouping keys, matching signatures, cursors). */
  readonly nodeCache = new Map<object, unknown>();
  readonly warnings = new Set<string>();
  readonly infos = new Set<string>();
  /** Range queries: nodes computed for every step up front (series-major), or null. */
  stepMatrices: Map<Expr, StepMatrix> | null = null;
  /** Range queries: aggregation operands whose rows were computed ahead (row-matrix.ts), or null. */
  rowMatrices: ReadonlyMap<Expr, RowMatrix> | null = null;
  /** Range queries: aggregations whose groups were computed ahead, part by part (group-cells.ts), or null. */
  groupParts: ReadonlyMap<Expr, GroupParts> | null = null;
  /**
   * Some selected series holds native histograms: functions, aggregations and operators then
   * check their inputs for histogram samples (float-only queries never pay for the checks).
   */
  hasHistograms = false;
  /**
   * Some selected series has start timestamps: evaluation then steps through the windows that
   * carry them (the series-major and fused paths read values and timestamps only).
   */
  hasStartTimestamps = false;
  /** Range queries: the number of steps (evaluation times start, start + interval, ..., end). */
  readonly steps: number;
  /** Samples held by the current step (checked against maxSamples). */
  currentSamples = 0;
  /** The evaluator, injected by the engine (operators and functions recurse through it). */
  eval: (e: Expr, t: number) => Value = () => {
    throw new Error('evaluator not attached');
  };

  constructor(
    readonly query: string,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
    readonly lookback: number,
    readonly defaultSubqueryStep: number,
    readonly maxSamples: number,
    /** Wall-clock time (ms since the epoch) past which the query times out. */
    private readonly deadline: number,
    readonly signal: AbortProbe | undefined,
  ) {
    this.steps = interval > 0 ? Math.floor((end - start) / interval) + 1 : 1;
  }

  warn(msg: string, pos: PositionRange): void {
    this.warnings.add(`PromQL warning: ${msg}${this.where(pos)}`);
  }

  info(msg: string, pos: PositionRange): void {
    this.infos.add(`PromQL info: ${msg}${this.where(pos)}`);
  }

  private where(pos: PositionRange): string {
    const { line, column } = lineColumn(this.query, pos.start);
    return ` (${line}:${column})`;
  }

  addSamples(n: number): void {
    this.currentSamples += n;
    if (this.currentSamples > this.maxSamples) throw new PromqlTooManySamplesError(this.maxSamples);
  }

  /** Throws when `pending` samples about to be added would exceed the limit (they are not added). */
  checkSamplesWith(pending: number): void {
    if (this.currentSamples + pending > this.maxSamples) throw new PromqlTooManySamplesError(this.maxSamples);
  }

  checkAbort(where: string): void {
    if (this.signal?.aborted) throw new PromqlTimeoutError(where, { cause: this.signal.reason });
    if (Date.now() > this.deadline) throw new PromqlTimeoutError(where);
  }
}
