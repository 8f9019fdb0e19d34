import type { Querier, Queryable } from '../../tsdb/querier.js';
import type { SelectSlabPool } from '../../tsdb/shared-memory/index.js';
import { PromqlEvalError } from '../errors.js';
import type { Expr } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { typeOf } from '../parser/type-check.js';
import type { AbortProbe, EngineOptions } from './eval-context.js';
import { evalJob, evaluateJob, type EvalJob, type EvalSettings } from './eval-job.js';
import { loadSelections, queryNeeds } from './prepare.js';
import { SampleLimit } from './sample-limit.js';
import { SlabLeasedQuerier } from './slab-leased-querier.js';
import type { QueryResult } from './types.js';

export interface QueryOptions {
  readonly signal?: AbortSignal;
}

/** A query already parsed (e.g. rewritten by a caller); `text` is used for annotation positions. */
export interface ParsedQuery {
  readonly text: string;
  readonly expr: Expr;
}

/**
 * Where a selected query is computed: the engine evaluates on the calling thread without one;
 * an evaluation pool (promql/eval-pool) runs it in a worker thread, off the caller's event loop.
 */
export interface Evaluator {
  evaluate(job: EvalJob, signal?: AbortSignal): Promise<QueryResult>;
  /**
   * Told, while a query's selects run, how many samples they have loaded so far and the query's
   * step (0: an instant query): an evaluator that runs large jobs in worker threads starts the
   * ones the job will need, so their start overlaps the rest of the selection instead of
   * following it.
   */
  selecting?(loadedSamples: number, interval: number): void;
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
 * The PromQL engine: parses, selects every series once per query (at most `maxSamples` samples
 * loaded, sample-limit.ts), then evaluates (eval-job.ts), computing a range query's hot nodes
 * series-major (series-major.ts) and the rest step by step.
 */
export class Engine {
  private readonly opts: Required<Omit<EngineOptions, 'evaluator' | 'slabs'>>;
  private readonly settings: EvalSettings;
  private readonly evaluator: Evaluator | undefined;
  private readonly slabs: SelectSlabPool | undefined;

  constructor(opts: EngineOptions = {}) {
    const { evaluator, slabs, ...rest } = opts;
    this.opts = { ...DEFAULTS, ...rest } as Required<Omit<EngineOptions, 'evaluator' | 'slabs'>>;
    this.slabs = slabs;
    const o = this.opts;
    this.settings = { lookbackDelta: o.lookbackDelta, defaultSubqueryStep: o.defaultSubqueryStep, maxSamples: o.maxSamples, seriesMajor: o.seriesMajor };
    this.evaluator = evaluator;
  }

  /** Evaluates `query` at `timeMs`. */
  async instantQuery(q: Querier | Queryable, queryIn: string | ParsedQuery, timeMs: number, o: QueryOptions = {}): Promise<QueryResult> {
    return this.run(q, parsed(queryIn), timeMs, timeMs, 0, o);
  }

  /** Evaluates `query` at every step from `start` to `end` inclusive (ms); returns a matrix. */
  async rangeQuery(q: Querier | Queryable, queryIn: string | ParsedQuery, start: number, end: number, step: number, o: QueryOptions = {}): Promise<QueryResult> {
    if (end < start) throw new PromqlEvalError('end timestamp must not be before start time');
    if (step <= 0) throw new PromqlEvalError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    const pq = parsed(queryIn);
    const t = typeOf(pq.expr);
    if (t !== 'scalar' && t !== 'vector') {
      throw new PromqlEvalError(`invalid expression type "${t === 'matrix' ? 'range vector' : t}" for range query, must be Scalar or instant Vector`);
    }
    return this.run(q, pq, start, end, step, o);
  }

  private async run(q: Querier | Queryable, { text, expr }: ParsedQuery, start: number, end: number, interval: number, o: QueryOptions): Promise<QueryResult> {
    // The timeout covers selecting too, as it always has.
    const deadline = Date.now() + this.opts.timeoutMs;
    const needs = queryNeeds(expr, {
      start, end, interval, lookback: this.opts.lookbackDelta, defaultSubqueryStep: this.opts.defaultSubqueryStep,
    });
    // The querier covers what the selectors read: offsets and @ may reach past [start, end].
    const querier = isQueryable(q) ? q.querier(needs.mint, needs.maxt) : q;
    const selecting = this.evaluator?.selecting?.bind(this.evaluator);
    const limit = new SampleLimit(this.opts.maxSamples, selecting === undefined ? undefined : (loaded) => selecting(loaded, interval));
    const lease = this.slabs?.lease();
    try {
      const reads = lease === undefined ? querier : new SlabLeasedQuerier(querier, lease);
      const selected = await loadSelections(expr, reads, needs, start, end, this.opts.lookbackDelta, limit);
      const job = evalJob({ query: text, expr, start, end, interval, ...selected, deadline, settings: this.settings });
      const result = this.evaluator !== undefined ? await this.evaluator.evaluate(job, o.signal) : evaluateJob(job, o.signal as AbortProbe | undefined);
      return { ...result, loadedSamples: limit.loaded };
    } finally {
      // Evaluated, failed or canceled: nothing reads the selected columns any more (an evaluation
      // worker has answered or died, and results are copies), so other queries may reuse them.
      lease?.release();
      await querier.close();
    }
  }
}
