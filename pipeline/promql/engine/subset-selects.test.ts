import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SelectWrappingQuerier, Tsdb, type LabelMatcher, type Querier, type SelectHints, type SeriesSet } from '../../tsdb/index.js';
import type { VectorSelector } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { walk } from '../parser/walk.js';
import { loadSelections, queryNeeds } from './prepare.js';
import { planRollups } from './rollup-plan.js';
import { SampleLimit } from './sample-limit.js';
import { Engine } from './engine.js';

/** Counts the selects that reach the storage. */
class CountingQuerier extends SelectWrappingQuerier {
  selects = 0;

  select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    this.selects++;
    return this.inner.select(matchers, hints);
  }
}

const LOOKBACK = 300_000;
const START = 3_600_000;
const END = 7_200_000;
let dir: string;
let db: Tsdb;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'subset-selects-'));
  db = await Tsdb.open(dir, { retentionMs: 0 });
  for (let i = 0; i <= 480; i++) {
    for (const code of ['200', '404', '500', '503']) {
      for (const handler of ['/a', '/b']) db.append({ __name__: 'http_requests_total', code, handler }, i * 15_000, i * Number(code) + handler.length);
    }
    db.append({ __name__: 'other_total', code: '500' }, i * 15_000, i);
  }
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every selector's selection of `query` over [START, END] at 60 s, and how many selects reached the storage. */
async function selected(query: string, expr = parseExpr(query), limit = new SampleLimit(Number.MAX_SAFE_INTEGER)): Promise<{ bySelector: unknown[]; selects: number; loaded: number }> {
  const needs = queryNeeds(expr, { start: START, end: END, interval: 60_000, lookback: LOOKBACK, defaultSubqueryStep: 60_000 });
  const querier = new CountingQuerier(db.querier(needs.mint, needs.maxt) as Querier);
  const s = await loadSelections(expr, querier, needs, START, END, LOOKBACK, limit);
  await querier.close();
  const bySelector: unknown[] = [];
  walk(expr, (e) => {
    if (e.type === 'vector_selector') bySelector.push((s.selections.get(e as VectorSelector) ?? []).map((x) => ({ labels: x.labels, ts: Array.from(x.ts), vs: Array.from(x.vs) })));
  });
  return { bySelector, selects: querier.selects, loaded: limit.loaded };
}

/** The selections of each of `selectors` selected in a query of its own. */
async function apart(...selectors: string[]): Promise<unknown[]> {
  return (await Promise.all(selectors.map(async (q) => (await selected(q)).bySelector))).flat();
}

describe('a selector whose series a broader selector of the same query selects', () => {
  it('is answered from the broader select with the same series and samples as its own select', async () => {
    const r = await selected('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))');
    expect(r.selects).toBe(1);
    expect(r.bySelector).toEqual(await apart('rate(http_requests_total{code=~"5.."}[5m])', 'rate(http_requests_total[5m])'));
    expect((r.bySelector[0] as unknown[]).length).toBe(4);
  });

  it('is answered so for several extra matchers, an identical selector and a matcher on a label some series lack', async () => {
    const r = await selected('http_requests_total{code!="200",handler="/b"} + on() group_left http_requests_total + on() group_left http_requests_total + on() group_left {__name__=~".+_total",nolabel=""}');
    expect(r.selects).toBe(2);
    expect(r.bySelector).toEqual(await apart('http_requests_total{code!="200",handler="/b"}', 'http_requests_total', 'http_requests_total', '{__name__=~".+_total",nolabel=""}'));
  });

  it('is selected on its own when its range, offset or @ differs, or one of the two reads timestamps only', async () => {
    const queries = [
      ['rate(http_requests_total{code="500"}[10m]) / on() group_left rate(http_requests_total[5m])', 'rate(http_requests_total{code="500"}[10m])', 'rate(http_requests_total[5m])'],
      ['rate(http_requests_total{code="500"}[5m] offset 10m) / on() group_left rate(http_requests_total[5m])', 'rate(http_requests_total{code="500"}[5m] offset 10m)', 'rate(http_requests_total[5m])'],
      ['http_requests_total{code="500"} @ 3600 / on() group_left http_requests_total', 'http_requests_total{code="500"} @ 3600', 'http_requests_total'],
      ['count(http_requests_total{code="500"}) / sum(http_requests_total)', 'count(http_requests_total{code="500"})', 'sum(http_requests_total)'],
    ];
    for (const [both, ...each] of queries) {
      const r = await selected(both);
      expect(r.selects, both).toBe(2);
      expect(r.bySelector, both).toEqual(await apart(...each));
    }
  });

  it('is charged to the sample limit for the samples it holds, as a select that settles its charge is', async () => {
    const both = await selected('sum(http_requests_total{code="500"}) / sum(http_requests_total)');
    const broad = await selected('sum(http_requests_total)');
    const held = (both.bySelector[0] as { ts: number[] }[]).reduce((a, s) => a + s.ts.length, 0);
    expect(both.selects).toBe(1);
    expect(held).toBeGreaterThan(0);
    expect(both.loaded).toBe(broad.loaded + held);
    await expect(selected('sum(http_requests_total{code="500"}) / sum(http_requests_total)', undefined, new SampleLimit(both.loaded - 1))).rejects.toThrow(/sample/);
  });

  it('is never answered from a select of rollup windows', async () => {
    const expr = parseExpr('sum_over_time(http_requests_total{code="500"}[1h]) / on() group_left count_over_time(http_requests_total[1h])');
    const plan = planRollups(expr, { start: START, end: END, interval: 3_600_000 }, [3_600_000], 3_600_000);
    expect(plan.hints.size).toBe(2);
    expect((await selected('', plan.expr)).selects).toBe(2);
  });

  it('gives the query the answer of separate selects', async () => {
    const e = new Engine();
    const q = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';
    const got = await e.rangeQuery(db, q, START, END, 60_000);
    const num = await e.rangeQuery(db, 'sum(rate(http_requests_total{code=~"5.."}[5m]))', START, END, 60_000);
    const den = await e.rangeQuery(db, 'sum(rate(http_requests_total[5m]))', START, END, 60_000);
    if (got.value.resultType !== 'matrix' || num.value.resultType !== 'matrix' || den.value.resultType !== 'matrix') throw new Error('matrix expected');
    const n = num.value.result[0];
    const d = den.value.result[0];
    expect(got.value.result[0].values).toEqual(n.values.map((v, i) => v / d.values[i]));
    expect(got.value.result[0].values.length).toBe(61);
  });
});
