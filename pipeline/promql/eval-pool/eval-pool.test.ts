import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { PromqlEvalError, PromqlTimeoutError, PromqlTooManySamplesError } from '../errors.js';
import { MAX_EXPRESSION_DEPTH } from '../parser/parser.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { LoopTurns, loopTurns } from '../../tsdb/index.js';
import { EvalPool, IN_PLACE_COST, SPLIT_COST } from './eval-pool.js';

function store(): MemoryQueryable {
  const s = new MemoryQueryable();
  for (let i = 0; i <= 40; i++) {
    s.append({ __name__: 'req_total', job: 'a' }, i * 15_000, i * 10);
    s.append({ __name__: 'req_total', job: 'b' }, i * 15_000, i * 20);
    s.append({ __name__: 'target_info', job: 'a', team: 'blue' }, i * 15_000, 1);
  }
  s.append({ __name__: 'gone', job: 'a' }, 0, 1);
  s.append({ __name__: 'gone', job: 'a' }, 15_000, NaN, true);
  s.append({ __name__: 'gone', job: 'a' }, 30_000, 3);
  return s;
}

describe('EvalPool', () => {
  // Every query in a worker, however small (these data are).
  const pool = new EvalPool(2, loopTurns, -1);
  afterAll(() => pool.close());
  const inPlace = new Engine();
  const pooled = new Engine({ evaluator: pool });

  it.each([
    ['rate(req_total[1m])'],
    ['sum by (job) (rate(req_total[2m])) / scalar(count(req_total))'],
    ['count_over_time(gone[1m])'],
    ['gone'],
    ['info(req_total, {team=~".+"})'],
    ['max_over_time(req_total[2m:15s])'],
    ['topk(1, req_total) or vector(7)'],
  ])('answers %s as evaluation in place does, instant and range', async (q) => {
    const data = store();
    expect(await pooled.instantQuery(data, q, 300_000)).toEqual(await inPlace.instantQuery(data, q, 300_000));
    expect(await pooled.rangeQuery(data, q, 0, 600_000, 30_000)).toEqual(await inPlace.rangeQuery(data, q, 0, 600_000, 30_000));
  });

  it('answers scalar, string and range-vector instant queries', async () => {
    const data = store();
    for (const q of ['1 + 2', '"text"', 'req_total[1m]']) {
      expect(await pooled.instantQuery(data, q, 300_000)).toEqual(await inPlace.instantQuery(data, q, 300_000));
    }
  });

  it('evaluates the deepest expression the parser accepts', async () => {
    const n = MAX_EXPRESSION_DEPTH - 2;
    const nested = '('.repeat(n) + 'req_total{job="a"}' + ')'.repeat(n);
    expect((await pooled.instantQuery(store(), nested, 300_000)).value).toMatchObject({ result: [{ v: 200 }] });
  });

  it('fails with the error class and message evaluation in place throws', async () => {
    const data = store();
    const dup = 'label_replace(req_total, "job", "x", "", "")';
    await expect(pooled.instantQuery(data, dup, 300_000)).rejects.toThrow(PromqlEvalError);
    await expect(pooled.instantQuery(data, dup, 300_000)).rejects.toThrow('vector cannot contain metrics with the same labelset');
    const small = new Engine({ evaluator: pool, maxSamples: 5 });
    const err = await small.rangeQuery(data, 'req_total', 0, 600_000, 15_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromqlTooManySamplesError);
    expect((err as PromqlTooManySamplesError).limit).toBe(5);
    const slow = new Engine({ evaluator: pool, timeoutMs: 50 });
    const timeout = await slow.instantQuery(data, 'max_over_time(vector(1)[1d:1ms])', 300_000).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(PromqlTimeoutError);
    expect((timeout as Error).message).toBe('query timed out in subquery evaluation');
  });

  it('stops a running query when its signal aborts, with the reason as the cause', async () => {
    const ac = new AbortController();
    const reason = new Error('client closed the connection');
    const running = pooled.instantQuery(store(), 'max_over_time(vector(1)[1d:1ms])', 300_000, { signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(reason), 20);
    const err = await running;
    expect(err).toBeInstanceOf(PromqlTimeoutError);
    expect((err as Error).cause).toBe(reason);
  });

  it('answers a cheap query while a long one computes, then goes on with both workers', async () => {
    const data = store();
    // The long one runs until it is canceled, once the cheap one has answered (not after a
    // timeout, which a loaded machine could reach before the cheap answer).
    const long = new Engine({ evaluator: pool, timeoutMs: 600_000 });
    const cancel = new AbortController();
    const order: string[] = [];
    const hostile = long.instantQuery(data, 'max_over_time(vector(1)[1d:1ms])', 300_000, { signal: cancel.signal })
      .catch(() => undefined).then(() => order.push('long'));
    const cheap = pooled.instantQuery(data, 'sum(req_total)', 300_000).then((r) => {
      order.push('cheap');
      return r;
    });
    expect((await cheap).value).toMatchObject({ result: [{ v: 600 }] });
    cancel.abort(new Error('done waiting'));
    await hostile;
    expect(order).toEqual(['cheap', 'long']);
    expect((await pooled.instantQuery(data, 'sum(req_total)', 300_000)).value).toMatchObject({ result: [{ v: 600 }] });
  });

  it('queues queries beyond its workers and answers each', async () => {
    const data = store();
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => pooled.instantQuery(data, `sum(req_total) + ${i}`, 300_000)));
    expect(answers.map((a) => (a.value as { result: { v: number }[] }).result[0].v)).toEqual([600, 601, 602, 603, 604, 605, 606, 607, 608]);
  });

  it('hands each query to its workers in a turn of the event loop, after the pieces that asked for one before it', async () => {
    class CountingTurns extends LoopTurns {
      taken = 0;
      override take(): Promise<void> {
        this.taken++;
        return super.take();
      }
    }
    const turns = new CountingTurns();
    const p = new EvalPool(1, turns, -1);
    const order: string[] = [];
    const earlier = turns.take().then(() => order.push('earlier piece'));
    const answer = new Engine({ evaluator: p }).instantQuery(store(), 'sum(req_total)', 300_000).then((r) => {
      order.push('query');
      return r;
    });
    expect(((await answer).value as { result: { v: number }[] }).result[0].v).toBe(600);
    await earlier;
    expect(order).toEqual(['earlier piece', 'query']);
    expect(turns.taken).toBe(2);
    await p.close();
  });

  it('fails queries after it is closed, small ones evaluated in place too', async () => {
    for (const inPlace of [IN_PLACE_COST, -1]) {
      const p = new EvalPool(1, loopTurns, inPlace);
      await new Engine({ evaluator: p }).instantQuery(store(), '1', 0);
      await p.close();
      await expect(new Engine({ evaluator: p }).instantQuery(store(), '1', 0)).rejects.toThrow('the query evaluation pool is closed');
    }
  });

  it('evaluates a query cheaper than its in-place cost on the calling thread and a larger one in a worker, with the answers of evaluation in place', async () => {
    class CountingTurns extends LoopTurns {
      taken = 0;
      override take(): Promise<void> {
        this.taken++;
        return super.take();
      }
    }
    const big = new MemoryQueryable();
    for (let s = 0; s < 600; s++) for (let i = 0; i < 600; i++) big.append({ __name__: 'req_total', job: `j${s}` }, i * 15_000, i * s);
    const turns = new CountingTurns();
    const p = new EvalPool(1, turns);
    const engine = new Engine({ evaluator: p });
    // One series over 6 h at 60 s: 1,440 samples and 360 steps, on this thread (no turn taken to hand it over).
    const one = 'rate(req_total{job="j7"}[5m])';
    expect(await engine.rangeQuery(big, one, 0, 8_985_000, 60_000)).toEqual(await inPlace.rangeQuery(big, one, 0, 8_985_000, 60_000));
    expect(turns.taken).toBe(0);
    // 100 series x 600 samples (cost 75,000, as a dashboard's avg_over_time of one metric per host): here too.
    const hundred = 'avg_over_time(req_total{job=~"j[0-9]?[0-9]"}[10m])';
    expect(await engine.rangeQuery(big, hundred, 0, 8_985_000, 60_000)).toEqual(await inPlace.rangeQuery(big, hundred, 0, 8_985_000, 60_000));
    expect(turns.taken).toBe(0);
    // 600 series x 600 samples: to a worker.
    const all = 'sum(rate(req_total[5m]))';
    expect(await engine.rangeQuery(big, all, 0, 8_985_000, 60_000)).toEqual(await inPlace.rangeQuery(big, all, 0, 8_985_000, 60_000));
    expect(turns.taken).toBe(1);
    // A subquery computes for as long as its inner steps make it, whatever it selects: a worker's.
    const sub = 'max_over_time(req_total{job="j7"}[10m:1m])';
    expect(await engine.instantQuery(big, sub, 3_000_000)).toEqual(await inPlace.instantQuery(big, sub, 3_000_000));
    expect(turns.taken).toBe(2);
    await p.close();
  });

  it('warms every worker for the first queries, once, and lets them stop when idle like any other', async () => {
    const p = new EvalPool(2, loopTurns, IN_PLACE_COST, SPLIT_COST, 50);
    try {
      p.warm();
      expect(p.workers).toBe(2);
      p.warm();
      expect(p.workers).toBe(2);
      while (p.workers > 0) await new Promise((r) => setTimeout(r, 20));
      await p.close();
      p.warm();
      expect(p.workers).toBe(0);
    } finally {
      await p.close();
    }
  });

  it('starts the workers a query will need while it selects, before its job is handed over', async () => {
    const unused = new EvalPool(2, loopTurns, IN_PLACE_COST, SPLIT_COST, 50);
    const p = new EvalPool(2);
    try {
      // Loads too small to leave the calling thread start nothing; an instant query needs one
      // worker, a range query costly enough to be split every one.
      unused.selecting(IN_PLACE_COST, 60_000);
      expect(unused.workers).toBe(0);
      unused.selecting(SPLIT_COST, 0);
      expect(unused.workers).toBe(1);
      unused.selecting(SPLIT_COST, 60_000);
      expect(unused.workers).toBe(2);
      // Unused, they stop after their idle time as any idle worker does.
      while (unused.workers > 0) await new Promise((r) => setTimeout(r, 20));

      const big = new MemoryQueryable();
      for (let i = 0; i < 1000; i++) for (let j = 0; j < 400; j++) big.append({ __name__: 'm', i: String(i) }, j * 1000, j);
      const runningAtEvaluation: number[] = [];
      const engine = new Engine({
        evaluator: {
          selecting: (loaded, interval) => p.selecting(loaded, interval),
          evaluate: (job, signal) => {
            runningAtEvaluation.push(p.workers);
            return p.evaluate(job, signal);
          },
        },
      });
      const q = 'sum(count_over_time(m[10m]))';
      expect(await engine.instantQuery(big, q, 400_000)).toEqual(await inPlace.instantQuery(big, q, 400_000));
      expect(runningAtEvaluation).toEqual([1]);
    } finally {
      await unused.close();
      await p.close();
    }
  });

  it('stops workers that waited for a query for its idle time and starts them again for the next one', async () => {
    const p = new EvalPool(2, loopTurns, -1, SPLIT_COST, 50);
    try {
      const engine = new Engine({ evaluator: p });
      const data = store();
      const q = 'sum by (job) (rate(req_total[2m]))';
      const want = await inPlace.rangeQuery(data, q, 0, 600_000, 30_000);
      expect(await engine.rangeQuery(data, q, 0, 600_000, 30_000)).toEqual(want);
      expect(p.workers).toBe(1);
      while (p.workers > 0) await new Promise((r) => setTimeout(r, 20));
      expect(await engine.rangeQuery(data, q, 0, 600_000, 30_000)).toEqual(want);
      expect(p.workers).toBe(1);
    } finally {
      await p.close();
    }
  });
});
