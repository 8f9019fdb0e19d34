import type { Evaluator } from '../engine/engine.js';
import type { AbortProbe } from '../engine/eval-context.js';
import { evaluateJob, type EvalJob } from '../engine/eval-job.js';
import type { QueryResult } from '../engine/types.js';
import { walk } from '../parser/walk.js';

/**
 * Evaluates small jobs on the calling thread and hands the rest to `pool`. A job is small when it
 * is an instant query without subqueries over at most `maxSamples` selected samples: its cost
 * then grows with those samples only (a subquery or a range query multiplies them by steps), and
 * computing it takes less than a round trip to a worker thread does on a loaded machine. Rules
 * (instant queries, mostly over a few series, evaluated one after another) pay that round trip
 * per rule otherwise.
 */
export class SmallJobsInPlace implements Evaluator {
  constructor(
    private readonly pool: Evaluator,
    readonly maxSamples: number,
  ) {}

  /** Passed on once the query can no longer be small. */
  selecting(loadedSamples: number, interval: number): void {
    if (interval !== 0 || loadedSamples > this.maxSamples) this.pool.selecting?.(loadedSamples, interval);
  }

  async evaluate(job: EvalJob, signal?: AbortSignal): Promise<QueryResult> {
    if (!isSmall(job, this.maxSamples)) return this.pool.evaluate(job, signal);
    return evaluateJob(job, signal as AbortProbe | undefined);
  }
}

function isSmall(job: EvalJob, maxSamples: number): boolean {
  if (job.interval !== 0) return false;
  let samples = 0;
  for (const selections of [job.selections.values(), job.infoSeries.values()]) {
    for (const list of selections) {
      for (const s of list) {
        samples += s.ts.length + (s.stale === null ? 0 : s.rts.length);
        if (samples > maxSamples) return false;
      }
    }
  }
  let subquery = false;
  walk(job.expr, (e) => { if (e.type === 'subquery') subquery = true; });
  return !subquery;
}
