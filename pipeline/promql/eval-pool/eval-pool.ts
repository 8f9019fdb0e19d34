import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Evaluator } from '../engine/engine.js';
import { evaluateJob, type EvalJob } from '../engine/eval-job.js';
import { selectionsHaveHistograms, selectionsHaveStartTimestamps } from '../engine/prepare.js';
import type { PartRows, OperandPart } from '../engine/operand-rows.js';
import { splitOperands, type SplitOperand } from '../engine/split-operands.js';
import type { QueryResult } from '../engine/types.js';
import { PromqlTimeoutError } from '../errors.js';
import { IdleStop, loopTurns, WORKER_IDLE_MS, type LoopTurns } from '../../tsdb/index.js';
import type { JobMessage, ReplyMessage } from './eval-worker.js';
import { evaluationCost } from './evaluation-cost.js';
import { BufferRecycler, errorFromWire, packJob, unpackResult, type WireJob } from './job-wire.js';
import { aggregatedByParts, joinedJob, splitJob } from './split-job.js';

/** A worker's answer to a job: a result, or a split job part's rows. */
type Answer = Exclude<ReplyMessage, { err: unknown }>;

interface Task {
  readonly id: number;
  readonly message: JobMessage;
  readonly transfer: ArrayBuffer[];
  readonly flag: Int32Array;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (answer: Answer) => void;
  readonly reject: (e: Error) => void;
  onAbort?: () => void;
}

interface Slot {
  readonly worker: Worker;
  task: Task | null;
  readonly idle: IdleStop;
}

/**
 * Largest estimated cost (evaluation-cost.ts) of a job evaluated on the calling thread. The
 * calling thread already holds a core and the job's columns; a worker has to be woken (on a
 * busy machine it waits for a core) and the selected samples copied to it, and its answer back.
 * Measured on the system query set (20,000 series x 6 h, 2 cores, load 7-10): avg_over_time of
 * 100 series (cost 180,000) took 13-16 ms in place against 20-40 ms handed to a worker, a rate
 * summed over 50 hosts (270,000) 5-8 ms against 10-18. A job up to this cost holds the thread
 * about as long as the select before it may (IN_PLACE_BELOW samples decoded in place).
 */
export const IN_PLACE_COST = 300_000;

/**
 * Least estimated cost of a job whose evaluation is split across the workers (split-operands.ts):
 * about 10 ms of computation, against which a second round of hand-offs (the parts, then the job
 * that finishes them) is small.
 */
export const SPLIT_COST = 1_000_000;

/**
 * How many times SPLIT_COST a job costs at least to be split when an aggregation's rows are
 * written for one worker to aggregate (sum, avg, topk: see split-job.ts): that worker's part is
 * not parallel, and over 3,200 series x 6 h (a cost of 6 M) the split answered no sooner and took
 * 40 % more CPU, where over 20,000 (36 M) it answered 20 % sooner.
 */
export const ROWS_SPLIT_FACTOR = 8;

/**
 * An evaluation worker's young generation (V8's default is 48 MB: two 16 MB semi-spaces and
 * their overflow). A job's columns arrive in shared memory and its answer leaves as typed
 * arrays, so little it allocates survives a scavenge; at the default each worker kept 34 MB
 * of mostly empty semi-space committed after the system benchmark's query set.
 */
export const EVAL_WORKER_YOUNG_GENERATION_MB = 16;

/** The pool size when none is configured: one worker per core. */
export function defaultEvalWorkers(): number {
  return availableParallelism();
}

/**
 * Evaluates selected queries (EvalJob) in a pool of worker threads, so a query that computes for
 * seconds leaves the event loop of the process that serves it free (health checks, other
 * requests), and queries run in parallel across cores. Workers start on first use, are replaced
 * when one dies and stopped when idle for `idleMs`; jobs wait in arrival order while every worker
 * is busy. Cancellation
 * (timeout, a client gone) sets a flag in shared memory that the evaluator checks where it
 * always has, so answers, errors and their messages are those of evaluating in place.
 */
export class EvalPool implements Evaluator {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly buffers = new BufferRecycler();
  private nextId = 1;
  private closed = false;
  /** Queries whose evaluation was split across the workers. */
  splitQueries = 0;
  /** Split queries finished on the calling thread (only merged groups were left). */
  splitQueriesFinishedInPlace = 0;

  /**
   * `inPlaceCost`: jobs whose estimated cost is at most this are evaluated on the calling thread
   * (-1: none). `splitCost`: jobs whose estimated cost is at least this are split across the
   * workers where their shape allows (-1: none). `idleMs`: how long a worker waits for a job
   * before it is stopped.
   */
  constructor(
    readonly size: number = defaultEvalWorkers(),
    private readonly turns: LoopTurns = loopTurns,
    private readonly inPlaceCost: number = IN_PLACE_COST,
    private readonly splitCost: number = SPLIT_COST,
    private readonly idleMs: number = WORKER_IDLE_MS,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`an evaluation pool needs at least one worker, got ${size}`);
  }

  /** Worker threads running now. */
  get workers(): number {
    return this.slots.length;
  }

  /**
   * Starts every worker that is not running, to wait for jobs as idle ones do: a process that
   * serves queries calls it at start, so its first queries do not wait for threads to start and
   * load the engine (about 100 ms each on a 2-core machine, where a warm query of a dashboard
   * takes tens; a large range query is split across all of them).
   */
  warm(): void {
    if (this.closed) return;
    while (this.slots.length < this.size) {
      const slot = this.spawn();
      slot.worker.unref();
      slot.idle.idle();
    }
  }

  /**
   * Starts the workers a query that has loaded `loadedSamples` so far will be evaluated in, when
   * they are not running: one, or every one for a range query that costs enough to be split
   * (its cost is at least its samples). They wait for the job as idle workers do.
   */
  selecting(loadedSamples: number, interval: number): void {
    if (this.closed || (this.inPlaceCost >= 0 && loadedSamples <= this.inPlaceCost)) return;
    const split = interval !== 0 && this.size > 1 && this.splitCost >= 0 && loadedSamples >= this.splitCost;
    const wanted = split ? this.size : 1;
    while (this.slots.length < wanted) {
      const slot = this.spawn();
      slot.worker.unref();
      slot.idle.idle();
    }
  }

  async evaluate(job: EvalJob, signal?: AbortSignal): Promise<QueryResult> {
    const cost = evaluationCost(job);
    if (this.inPlaceCost >= 0 && cost <= this.inPlaceCost) {
      if (this.closed) throw new Error('the query evaluation pool is closed');
      if (signal?.aborted === true) throw new PromqlTimeoutError('query evaluation', { cause: signal.reason });
      return evaluateJob(job, signal);
    }
    // Packing copies every selected sample: a piece of work of its own among the stores' reads,
    // rather than one more in the turn that selected the query's last shard.
    await this.turns.take();
    if (this.closed) throw new Error('the query evaluation pool is closed');
    if (signal?.aborted === true) throw new PromqlTimeoutError('query evaluation', { cause: signal.reason });
    // The wire format carries float columns only: a query over native histograms or start
    // timestamps runs in place.
    if (selectionsHaveHistograms(job.selections.values()) || selectionsHaveHistograms(job.infoSeries.values()) || selectionsHaveStartTimestamps(job.selections.values())) return evaluateJob(job, signal);
    const abort = new SharedArrayBuffer(4);
    const operands = this.size > 1 && this.splitCost >= 0 && cost >= this.splitCost ? splitOperands(job) : null;
    if (operands !== null) {
      const byParts = operands.map((o) => aggregatedByParts(o, job));
      if (cost >= this.splitCost * ROWS_SPLIT_FACTOR || byParts.every(Boolean)) return this.evaluateSplit(job, operands, byParts, abort, signal);
    }
    const { wire, transfer } = packJob(job, this.buffers);
    return resultOf(await this.run(wire, transfer, abort, signal));
  }

  /**
   * Every worker computes the operands' rows of its part of the series into shared row matrices
   * (or, for count, group, min and max, the aggregation's groups over them), then one worker
   * finishes the job from them (aggregations, what is above them): the same arithmetic in the
   * same order as one thread, so the same answer. What is left after merged groups alone is
   * finished here when it costs less than a hand-off.
   */
  private async evaluateSplit(job: EvalJob, operands: SplitOperand[], byParts: boolean[], abort: SharedArrayBuffer, signal: AbortSignal | undefined): Promise<QueryResult> {
    const split = splitJob(job, operands, byParts, this.size);
    this.splitQueries++;
    const settled = await Promise.allSettled(split.parts.map((part) => {
      const { wire, transfer } = packJob(part.job, this.buffers);
      return this.run(wire, transfer, abort, signal, part.operands);
    }));
    const filled: PartRows[][] = [];
    for (const s of settled) {
      // The first part's error (in part order, not in time) is the query's.
      if (s.status === 'rejected') throw s.reason;
      if (!('rows' in s.value)) throw new Error('a split query part was answered with a result instead of rows');
      filled.push(s.value.rows);
    }
    const joined = joinedJob(job, split, filled);
    if (this.inPlaceCost >= 0 && evaluationCost(joined) <= this.inPlaceCost) {
      if (signal?.aborted === true) throw new PromqlTimeoutError('query evaluation', { cause: signal.reason });
      this.splitQueriesFinishedInPlace++;
      return evaluateJob(joined, signal);
    }
    const { wire, transfer } = packJob(joined, this.buffers);
    return resultOf(await this.run(wire, transfer, abort, signal));
  }

  /** Queues a packed job for the next free worker. */
  private run(wire: WireJob, transfer: ArrayBuffer[], abort: SharedArrayBuffer, signal: AbortSignal | undefined, parts?: readonly OperandPart[]): Promise<Answer> {
    if (this.closed) return Promise.reject(new Error('the query evaluation pool is closed'));
    const id = this.nextId++;
    const message: JobMessage = parts === undefined ? { id, wire, abort } : { id, wire, abort, parts };
    return new Promise<Answer>((resolve, reject) => {
      const task: Task = { id, message, transfer, flag: new Int32Array(abort), signal, resolve, reject };
      if (signal !== undefined) {
        task.onAbort = () => {
          Atomics.store(task.flag, 0, 1);
          const queued = this.queue.indexOf(task);
          if (queued >= 0) {
            this.queue.splice(queued, 1);
            this.settle(task);
            reject(new PromqlTimeoutError('query evaluation', { cause: signal.reason }));
          }
        };
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops every worker; queued and running queries fail. */
  async close(): Promise<void> {
    this.closed = true;
    const gone = new Error('the query evaluation pool is closed');
    for (const t of this.queue.splice(0)) {
      this.settle(t);
      t.reject(gone);
    }
    await Promise.all(this.slots.splice(0).map(async (s) => {
      // A running query fails once its worker has stopped: until then it may read its columns,
      // which the query gives back to be reused when it fails.
      const task = s.task;
      s.task = null;
      s.idle.busy();
      await s.worker.terminate();
      if (task !== null) {
        this.settle(task);
        task.reject(gone);
      }
    }));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.task === null);
      if (slot === undefined && this.slots.length < this.size) slot = this.spawn();
      if (slot === undefined) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.idle.busy();
      // A busy worker keeps the process alive (a script awaiting a query); an idle one does not.
      slot.worker.ref();
      slot.worker.postMessage(task.message, task.transfer);
    }
  }

  /** Stops an idle worker; out of the slots at once, so no job goes to it while it exits. */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0 || slot.task !== null) return;
    this.slots.splice(i, 1);
    void slot.worker.terminate();
  }

  private spawn(): Slot {
    const worker = startWorker();
    const slot: Slot = { worker, task: null, idle: new IdleStop(this.idleMs, () => this.retire(slot)) };
    worker.on('message', (m: ReplyMessage) => {
      const task = slot.task;
      this.buffers.give(m.buffers);
      if (task === null || task.id !== m.id) return;
      slot.task = null;
      worker.unref();
      this.settle(task);
      if ('err' in m) task.reject(errorFromWire(m.err, Atomics.load(task.flag, 0) !== 0 ? task.signal?.reason : undefined));
      else task.resolve(m);
      this.dispatch();
      if (slot.task === null) slot.idle.idle();
    });
    // A worker that dies (out of memory, a crash) fails its query only; another takes its place.
    const fail = (err: Error): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const task = slot.task;
      slot.task = null;
      if (task !== null) {
        this.settle(task);
        task.reject(new Error(`query evaluation worker failed: ${err.message}`, { cause: err }));
      }
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private settle(task: Task): void {
    if (task.onAbort !== undefined) task.signal?.removeEventListener('abort', task.onAbort);
  }
}

function resultOf(answer: Answer): QueryResult {
  if (!('ok' in answer)) throw new Error('a query was answered with rows instead of a result');
  return unpackResult(answer.ok);
}

const shared = new Map<number, EvalPool>();

/**
 * The process' pool of `workers` workers (0 = one per core), made on first use: workers are a
 * resource of the process (its cores), so every engine of it with that setting shares them.
 */
export function sharedEvalPool(workers: number): EvalPool {
  const size = workers > 0 ? workers : defaultEvalWorkers();
  let pool = shared.get(size);
  if (pool === undefined) {
    pool = new EvalPool(size);
    shared.set(size, pool);
  }
  return pool;
}

/**
 * Starts eval-worker: the compiled .js beside this file, or, when running from TypeScript sources
 * (tests, benchmarks under tsx), the .ts through tsx's loader registered inside the worker.
 */
function startWorker(): Worker {
  const self = import.meta.url;
  const resourceLimits = { maxYoungGenerationSizeMb: EVAL_WORKER_YOUNG_GENERATION_MB };
  if (!self.endsWith('.ts')) return new Worker(new URL('./eval-worker.js', self), { resourceLimits });
  const entry = new URL('./eval-worker.ts', self).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}
