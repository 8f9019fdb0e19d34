import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Querier, Queryable } from '../../tsdb/index.js';
import { Tsdb } from '../../tsdb/index.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { PromqlTimeoutError, PromqlTooManySamplesError } from '../errors.js';
import { MAX_EXPRESSION_DEPTH } from '../parser/parser.js';
import { Engine } from './engine.js';

function store(): MemoryQueryable {
  const s = new MemoryQueryable();
  for (let i = 0; i <= 20; i++) {
    s.append({ __name__: 'req_total', job: 'a' }, i * 15_000, i * 10);
    s.append({ __name__: 'req_total', job: 'b' }, i * 15_000, i * 20);
  }
  s.append({ __name__: 'gone', job: 'a' }, 0, 1);
  s.append({ __name__: 'gone', job: 'a' }, 15_000, NaN, true);
  return s;
}

describe('Engine', () => {
  it('evaluates the deepest expression the parser accepts without overflowing the stack', async () => {
    const n = MAX_EXPRESSION_DEPTH - 2;
    const nested = '('.repeat(n) + 'req_total{job="a"}' + ')'.repeat(n);
    const chain = Array.from({ length: n }, () => 'req_total{job="a"}').join(' + ');
    const unary = '-'.repeat(n) + 'req_total{job="a"}';
    const e = new Engine();
    expect((await e.instantQuery(store(), nested, 300_000)).value).toMatchObject({ result: [{ v: 200 }] });
    expect((await e.rangeQuery(store(), chain, 0, 300_000, 60_000)).value).toMatchObject({ result: [{ values: [0, 40 * n, 80 * n, 120 * n, 160 * n, 200 * n] }] });
    expect((await e.instantQuery(store(), unary, 300_000)).value).toMatchObject({ result: [{ v: n % 2 === 0 ? 200 : -200 }] });
  });

  it('answers an instant rate with the metric name dropped', async () => {
    const r = await new Engine().instantQuery(store(), 'rate(req_total{job="a"}[1m])', 300_000);
    expect(r.value).toEqual({ resultType: 'vector', result: [{ metric: { job: 'a' }, t: 300_000, v: 10 / 15 }] });
  });

  it('answers a range query as a label-sorted matrix with one point per step', async () => {
    const r = await new Engine().rangeQuery(store(), 'sum by (job) (req_total)', 0, 60_000, 30_000);
    expect(r.value.resultType).toBe('matrix');
    if (r.value.resultType !== 'matrix') return;
    expect(r.value.result.map((s) => s.metric)).toEqual([{ job: 'a' }, { job: 'b' }]);
    expect(r.value.result[1]).toMatchObject({ timestamps: [0, 30_000, 60_000], values: [0, 40, 80] });
  });

  it('ends a series at its staleness marker instead of looking back', async () => {
    const e = new Engine();
    expect((await e.instantQuery(store(), 'gone', 10_000)).value).toMatchObject({ result: [{ v: 1 }] });
    expect((await e.instantQuery(store(), 'gone', 20_000)).value).toMatchObject({ result: [] });
  });

  it('honours a configured lookback delta', async () => {
    const e = new Engine({ lookbackDelta: 60_000 });
    expect((await e.instantQuery(store(), 'req_total', 300_000 + 60_000)).value).toMatchObject({ result: [] });
    expect((await e.instantQuery(store(), 'req_total', 300_000 + 59_000)).value).toMatchObject({ result: [{}, {}] });
  });

  it('reports a possible non-counter as an info annotation with its position', async () => {
    const s = store();
    s.append({ __name__: 'temp' }, 0, 1);
    s.append({ __name__: 'temp' }, 15_000, 2);
    const r = await new Engine().instantQuery(s, 'rate(temp[1m])', 30_000);
    expect(r.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temp" (1:6)']);
  });

  it('fails with a Prometheus-style error when the sample limit is exceeded', async () => {
    await expect(new Engine({ maxSamples: 10 }).instantQuery(store(), 'req_total[10m]', 300_000)).rejects.toBeInstanceOf(PromqlTooManySamplesError);
  });

  it('holds the sample limit inside a subquery of millions of steps, not only after it', async () => {
    // 86.4 M inner steps: counted only at the end they would exhaust memory first.
    await expect(new Engine({ maxSamples: 100_000 }).instantQuery(store(), 'max_over_time(vector(1)[1d:1ms])', 300_000)).rejects.toBeInstanceOf(PromqlTooManySamplesError);
  });

  it('holds the deadline inside a subquery of millions of steps', async () => {
    await expect(new Engine({ timeoutMs: 200 }).instantQuery(store(), 'max_over_time(vector(1)[1d:1ms])', 300_000)).rejects.toBeInstanceOf(PromqlTimeoutError);
  });

  it('stops when its AbortSignal fires', async () => {
    const ac = new AbortController();
    ac.abort(new Error('client went away'));
    await expect(new Engine().rangeQuery(store(), 'req_total', 0, 300_000, 15_000, { signal: ac.signal })).rejects.toBeInstanceOf(PromqlTimeoutError);
  });

  it('rejects a range vector as the result of a range query', async () => {
    await expect(new Engine().rangeQuery(store(), 'req_total[1m]', 0, 60_000, 15_000)).rejects.toThrow('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
  });
});

describe('the querier range', () => {
  /** Records the [mint, maxt] every querier was opened with. */
  function recording(inner: Queryable): { q: Queryable; ranges: [number, number][] } {
    const ranges: [number, number][] = [];
    return { ranges, q: { querier: (mint: number, maxt: number): Querier => (ranges.push([mint, maxt]), inner.querier(mint, maxt)) } };
  }

  it('covers the selectors ranges shifted by offsets and pinned by @ (FindMinMaxTime)', async () => {
    const cases: [string, [number, number]][] = [
      ['req_total', [600_000 - 300_000, 900_000]],
      ['rate(req_total[10m] offset -5m)', [600_000 - 600_000 + 300_000, 900_000 + 300_000]],
      ['req_total @ 2000', [2_000_000 - 300_000, 2_000_000]],
      ['max_over_time(req_total[1h:5m])', [600_000 - 3_600_000 - 300_000 - 300_000, 900_000]],
    ];
    for (const [query, want] of cases) {
      const r = recording(store());
      await new Engine().rangeQuery(r.q, query, 600_000, 900_000, 60_000);
      expect(r.ranges, query).toEqual([want]);
    }
  });

  it('finds samples after the query end for a negative offset or a later @ on a Tsdb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-tsdb-'));
    const db = await Tsdb.open(dir, { retentionMs: 0 });
    try {
      for (let i = 0; i <= 40; i++) db.append({ __name__: 'req_total', job: 'a' }, i * 15_000, i);
      const e = new Engine();
      expect((await e.instantQuery(db, 'req_total offset -5m', 60_000)).value).toMatchObject({ result: [{ v: 24 }] });
      expect((await e.instantQuery(db, 'req_total @ 600', 60_000)).value).toMatchObject({ result: [{ v: 40 }] });
      const r = await e.rangeQuery(db, 'increase(req_total[1m] offset -5m)', 0, 60_000, 60_000);
      expect(r.value).toMatchObject({ result: [{ timestamps: [0, 60_000], values: [4, 4] }] });
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fused range aggregation', () => {
  it('gives the same answers as aggregating materialized samples', async () => {
    const s = new MemoryQueryable();
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let h = 0; h < 12; h++) {
      for (const mode of ['a', 'b', 'c']) {
        let v = rnd() * 100;
        for (let i = 0; i < 80; i++) {
          v = rnd() < 0.05 ? rnd() * 10 : v + rnd() * 5;
          if (rnd() < 0.1) continue;
          s.append({ __name__: 'c_total', host: `h${h}`, mode }, i * 15_000, v);
        }
      }
    }
    const e = new Engine();
    for (const op of ['sum', 'avg', 'count', 'min', 'max', 'group']) {
      for (const fn of ['rate', 'increase', 'delta']) {
        for (const grouping of ['by (mode)', 'without (host)', '']) {
          const fused = await e.rangeQuery(s, `${op} ${grouping} (${fn}(c_total[2m]))`, 0, 1_200_000, 30_000);
          const plain = await e.rangeQuery(s, `${op} ${grouping} (${fn}(c_total[2m]) * 1)`, 0, 1_200_000, 30_000);
          expect(fused.value, `${op} ${grouping} ${fn}`).toEqual(plain.value);
        }
      }
    }
  });
});
