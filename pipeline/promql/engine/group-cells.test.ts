import { describe, expect, it } from 'vitest';
import type { Labels } from '../../../schemas/labels.js';
import type { AggregateExpr } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { jobContext } from './eval-job.js';
import { mergeGroupParts, type GroupCells } from './group-cells.js';
import type { RowSource } from './row-source.js';
import { groupRows } from './series-major.js';

const STEPS = 12;

/** Rows of values per step (null: no sample), hard on merging: NaN, ±Inf, ±0, ties, gaps. */
function randomRows(seed: number, rows: number): (number | null)[][] {
  let a = seed;
  const r = () => ((a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const odd = [NaN, Infinity, -Infinity, 0, -0, 1, 1, 2];
  return Array.from({ length: rows }, () => Array.from({ length: STEPS }, () => (r() < 0.2 ? null : odd[Math.floor(r() * odd.length)])));
}

function source(cells: (number | null)[][], metrics: Labels[], dropName: boolean[]): RowSource {
  return {
    metrics, dropName, samples: new Float64Array(STEPS),
    fill(r, values, present) {
      for (let k = 0; k < STEPS; k++) {
        const v = cells[r][k];
        present[k] = v === null ? 0 : 1;
        values[k] = v ?? 0;
      }
    },
  };
}

/** The groups of `query` over `cells`, in one pass (cuts [0, n]) or part by part, merged. */
function groupsOf(query: string, cells: (number | null)[][], cuts: number[]): GroupCells[] {
  const e = parseExpr(query) as AggregateExpr;
  const metrics = cells.map((_, i) => ({ __name__: 'x', g: `g${i % 3}`, i: String(i) }));
  const dropName = cells.map((_, i) => i === 4);
  const job = {
    query, expr: e, start: 0, end: (STEPS - 1) * 60_000, interval: 60_000, selections: new Map(), infoSeries: new Map(), warnings: [], deadline: Infinity,
    settings: { lookbackDelta: 300_000, defaultSubqueryStep: 60_000, maxSamples: 1e9, seriesMajor: true },
  };
  const parts = cuts.slice(0, -1).map((at, p) => {
    const end = cuts[p + 1];
    const groups = groupRows(e, source(cells.slice(at, end), metrics.slice(at, end), dropName.slice(at, end)), jobContext(job), at);
    if (groups === null) throw new Error('no groups');
    return groups;
  });
  return parts.length === 1 ? parts[0] : mergeGroupParts(e.op, parts, STEPS);
}

/** What a group's cells say, -0 told apart from 0. */
function seen(groups: GroupCells[]): unknown[] {
  const exact = (a: ArrayLike<number>) => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));
  return groups.map((g) => ({ key: g.key, labels: g.labels, dropName: g.dropName, count: exact(g.count), value: exact(g.value), first: exact(g.first) }));
}

describe('mergeGroupParts', () => {
  it.each(['count', 'group', 'min', 'max'])('merges %s groups computed over runs of the rows into those of one pass', (op) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const cells = randomRows(seed, 40);
      const whole = groupsOf(`${op} by (g) (x)`, cells, [0, 40]);
      for (const cuts of [[0, 20, 40], [0, 1, 39, 40], [0, 13, 13, 27, 40]]) {
        expect(seen(groupsOf(`${op} by (g) (x)`, cells, cuts))).toEqual(seen(whole));
      }
    }
  });

  it('keeps the first of equal extremes, and NaN only where every value is NaN', () => {
    const cells = [[0, NaN, NaN], [-0, 3, NaN], [0, NaN, NaN]].map((row) => [...row, ...Array<null>(STEPS - 3).fill(null)]);
    const max = groupsOf('max(x)', cells, [0, 1, 3]);
    expect(Object.is(max[0].value[0], 0)).toBe(true);
    expect(max[0].value[1]).toBe(3);
    expect(max[0].value[2]).toBeNaN();
    const min = groupsOf('min(x)', [cells[1], cells[0]], [0, 1, 2]);
    expect(Object.is(min[0].value[0], -0)).toBe(true);
  });

  it('refuses an aggregation whose runs do not merge exactly', () => {
    expect(() => mergeGroupParts('sum', [], STEPS)).toThrow(/sum groups do not merge exactly/);
  });
});
