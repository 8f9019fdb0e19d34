import { describe, expect, it } from 'vitest';
import { Engine, type Evaluator } from '../engine/engine.js';
import type { EvalJob } from '../engine/eval-job.js';
import type { QueryResult } from '../engine/types.js';
import { PromqlTooManySamplesError } from '../errors.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { SmallJobsInPlace } from './small-jobs-in-place.js';

/** Stands in for the pool: records the queries handed to it, then answers as in place. */
class RecordingPool implements Evaluator {
  readonly queries: string[] = [];
  /** What it was told while queries selected: [samples loaded, step]. */
  readonly selections: [number, number][] = [];
  private readonly inPlace = new Engine();
  constructor(private readonly data: MemoryQueryable) {}
  selecting(loadedSamples: number, interval: number): void {
    this.selections.push([loadedSamples, interval]);
  }
  evaluate(job: EvalJob): Promise<QueryResult> {
    this.queries.push(job.query);
    return job.interval === 0 ? this.inPlace.instantQuery(this.data, job.query, job.start) : this.inPlace.rangeQuery(this.data, job.query, job.start, job.end, job.interval);
  }
}

function store(): MemoryQueryable {
  const s = new MemoryQueryable();
  for (let i = 0; i <= 40; i++) for (const job of ['a', 'b', 'c']) s.append({ __name__: 'req_total', job }, i * 15_000, i * 10);
  return s;
}

describe('SmallJobsInPlace', () => {
  const data = store();
  const pool = new RecordingPool(data);
  const engine = new Engine({ evaluator: new SmallJobsInPlace(pool, 80) });
  const inPlace = new Engine();

  // Over 5 minutes at 15 s, three series: 60 samples for an instant selector, 120 for [10m].
  it('computes an instant query over few samples in place and hands larger ones, subqueries and range queries to the pool, answering alike', async () => {
    const cases: Array<[string, boolean]> = [
      ['sum(req_total)', false],
      ['rate(req_total[2m])', false],
      ['rate(req_total[10m])', true],
      ['max_over_time(vector(1)[1m:15s])', true],
    ];
    for (const [q, pooled] of cases) {
      const before = pool.queries.length;
      expect(await engine.instantQuery(data, q, 600_000)).toEqual(await inPlace.instantQuery(data, q, 600_000));
      expect(pool.queries.length - before).toBe(pooled ? 1 : 0);
    }
    await engine.rangeQuery(data, 'sum(req_total)', 0, 60_000, 30_000);
    expect(pool.queries.at(-1)).toBe('sum(req_total)');
  });

  it('tells the pool of a selection only once the query cannot be small any more', () => {
    const recording = new RecordingPool(data);
    const small = new SmallJobsInPlace(recording, 80);
    small.selecting(80, 0);
    expect(recording.selections).toEqual([]);
    small.selecting(81, 0);
    small.selecting(10, 30_000);
    expect(recording.selections).toEqual([[81, 0], [10, 30_000]]);
  });

  it('fails a small query over the sample limit in place with the engine error', async () => {
    const limited = new Engine({ evaluator: new SmallJobsInPlace(pool, 1000), maxSamples: 10 });
    await expect(limited.instantQuery(data, 'count_over_time(req_total[5m])', 600_000)).rejects.toBeInstanceOf(PromqlTooManySamplesError);
  });
});
