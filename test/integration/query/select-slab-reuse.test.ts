import { afterAll, describe, expect, it } from 'vitest';
import { Engine, EvalPool, type EvalJob, type Evaluator } from '../../../pipeline/promql/index.js';
import { Head, loopTurns, TurnTakingQuerier, type Queryable } from '../../../pipeline/tsdb/index.js';
import { SelectSlabPool, SLAB_BYTES } from '../../../pipeline/tsdb/shared-memory/index.js';
import { DecodePool } from '../../../pipeline/tsdb/select-decode/index.js';
import { TsdbQuerier } from '../../../pipeline/tsdb/tsdb-querier.js';

const SERIES = 40;
const SAMPLES = 600;
const STEP = 15_000;
const T = (SAMPLES - 1) * STEP;

/** Series `a` hold 1 everywhere and series `b` 1000: one query's columns written into another's show in its sum. */
function head(): Head {
  const h = new Head();
  for (const [name, value] of [['a', 1], ['b', 1000]] as const) {
    for (let i = 0; i < SERIES; i++) {
      const ref = h.ref({ __name__: name, i: String(i) });
      for (let j = 0; j < SAMPLES; j++) h.appendRef(ref, j * STEP, value);
    }
  }
  return h;
}

/**
 * Every select cut into two parts decoded by worker threads (a timestamps and a values slab
 * each), or every select decoded in place (one pair of slabs); `slabs`: what one query takes.
 */
const decoders = {
  'decode threads': { decoder: new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1 }), slabs: 4 },
  'in place': { decoder: new DecodePool({ size: 1, inPlaceBelow: Infinity }), slabs: 2 },
};
/** Every query evaluated in a worker thread, which reads the columns where they were decoded. */
const evaluation = new EvalPool(1, loopTurns, -1);
afterAll(async () => {
  await evaluation.close();
  for (const d of Object.values(decoders)) await d.decoder.close();
});

/**
 * Holds the evaluation of `sum(a)` (after its selects, before its evaluation worker reads the
 * columns) until `open`, so another query selects and decodes while the first still needs its slabs.
 */
class HeldEvaluator implements Evaluator {
  holding = 0;
  private opened!: () => void;
  private readonly gate = new Promise<void>((r) => (this.opened = r));

  async evaluate(job: EvalJob, signal?: AbortSignal) {
    if (job.query === 'sum(a)') {
      this.holding++;
      await this.gate;
    }
    return evaluation.evaluate(job, signal);
  }

  open(): void {
    this.opened();
  }
}

describe('select slab pool', () => {
  for (const [how, { decoder, slabs }] of Object.entries(decoders)) {
    it(`lends no slab of a query that is still to be evaluated to another query (${how})`, async () => {
      const h = head();
      // Stores close their TSDB querier right after each select, long before the query is evaluated.
      const queryable: Queryable = { querier: (mint, maxt) => new TurnTakingQuerier(() => new TsdbQuerier([], h, mint, maxt, decoder), loopTurns) };
      // Room for one query's slabs: a query that selects while another holds them finds the pool exhausted.
      const pool = new SelectSlabPool(slabs * SLAB_BYTES);
      const held = new HeldEvaluator();
      const engine = new Engine({ evaluator: held, slabs: pool });

      const first = engine.instantQuery(queryable, 'sum(a)', T);
      while (held.holding === 0) await new Promise((r) => setImmediate(r));
      const leasedByFirst = pool.stats.pooledBytes - pool.stats.freeBytes;

      const second = await engine.instantQuery(queryable, 'sum(b)', T);
      const leasedWhileSecond = pool.stats.pooledBytes - pool.stats.freeBytes;
      held.open();
      // Had the second query decoded into the first one's slabs, the first would sum its 1000s.
      expect((await first).value).toEqual({ resultType: 'vector', result: [{ metric: {}, t: T, v: SERIES }] });
      expect(second.value).toEqual({ resultType: 'vector', result: [{ metric: {}, t: T, v: 1000 * SERIES }] });
      // The first query's slabs stayed its own while the second selected, which found none free.
      expect(leasedByFirst).toBe(slabs * SLAB_BYTES);
      expect(leasedWhileSecond).toBe(leasedByFirst);
      expect(pool.stats.exhausted).toBeGreaterThan(0);
      expect(pool.stats.freeBytes).toBe(pool.stats.pooledBytes);

      // Once the first is answered, its slabs are the next query's.
      const exhausted = pool.stats.exhausted;
      const third = await engine.instantQuery(queryable, 'sum(b)', T);
      expect(third.value).toEqual({ resultType: 'vector', result: [{ metric: {}, t: T, v: 1000 * SERIES }] });
      expect(pool.stats.exhausted).toBe(exhausted);
    });
  }

  it('lets the slabs a larger query needed go once two windows of smaller queries passed, and answers the same from what it kept', async () => {
    const h = head();
    const decoder = decoders['decode threads'].decoder;
    const queryable: Queryable = { querier: (mint, maxt) => new TurnTakingQuerier(() => new TsdbQuerier([], h, mint, maxt, decoder), loopTurns) };
    const pool = new SelectSlabPool(64 * SLAB_BYTES, 60_000, 50);
    // As a query process has it: the decode threads that wrote into dropped slabs collect.
    let drops = 0;
    pool.onDrop(() => {
      drops++;
      void decoder.collect();
    });
    const engine = new Engine({ evaluator: evaluation, slabs: pool });
    const small = async () => (await engine.rangeQuery(queryable, 'sum(a)', 0, T, 60_000)).value;
    const answer = await small();
    const smallNeeds = pool.stats.pooledBytes;
    // Two selects at once: twice the slabs.
    await engine.rangeQuery(queryable, 'sum(a) + sum(b)', 0, T, 60_000);
    const largeNeeds = pool.stats.pooledBytes;
    expect(largeNeeds).toBeGreaterThan(smallNeeds);
    // The smaller query keeps coming, a few times a window.
    for (let i = 0; i < 200 && pool.stats.pooledBytes > smallNeeds; i++) {
      expect(await small()).toEqual(answer);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(pool.stats).toMatchObject({ pooledBytes: smallNeeds, freeBytes: smallNeeds, trimmedBytes: largeNeeds - smallNeeds });
    expect(drops).toBe(1);
    // What it kept is what it needs: it makes no slab again.
    expect(await small()).toEqual(answer);
    expect(pool.stats).toMatchObject({ pooledBytes: smallNeeds, exhausted: 0 });
  });

  it('gets a failed query\'s slabs back, selects still decoding when it failed included', async () => {
    const h = head();
    const queryable: Queryable = { querier: (mint, maxt) => new TurnTakingQuerier(() => new TsdbQuerier([], h, mint, maxt, decoders['decode threads'].decoder), loopTurns) };
    const pool = new SelectSlabPool(64 * SLAB_BYTES);
    // A limit one selector's samples fit in and two do not: the second select to charge fails the query.
    const engine = new Engine({ evaluator: evaluation, slabs: pool, maxSamples: SERIES * SAMPLES * 1.5 });
    await expect(engine.rangeQuery(queryable, 'sum(a) + sum(b)', 0, T, 60_000)).rejects.toThrow(/too many samples|query processing would load too many samples/i);
    // The select that was decoding gives its slabs back when it ends.
    while (pool.stats.freeBytes !== pool.stats.pooledBytes) await new Promise((r) => setImmediate(r));
    const answered = await engine.rangeQuery(queryable, 'sum(a)', 0, T, 60_000);
    expect(answered.value.resultType).toBe('matrix');
    expect(pool.stats.freeBytes).toBe(pool.stats.pooledBytes);
    expect(pool.stats.pooledBytes).toBeGreaterThan(0);
  });
});
