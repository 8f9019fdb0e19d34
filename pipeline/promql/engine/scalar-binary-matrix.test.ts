import { describe, expect, it } from 'vitest';
import { parseExpr } from '../parser/parser.js';
import type { BinaryExpr, Expr } from '../parser/ast.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { Engine } from './engine.js';
import { scalarBinaryMatrix } from './scalar-binary-matrix.js';
import { StepMatrix } from './step-matrix.js';

/** Counters per host and mode with gaps and a reset, and gauges with NaN and infinities. */
function dataSet(): MemoryQueryable {
  const s = new MemoryQueryable();
  let seed = 5;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let h = 0; h < 5; h++) {
    for (const mode of ['idle', 'user']) {
      let v = 0;
      for (let i = 0; i < 120; i++) {
        v = h === 1 && i === 70 ? 3 : v + rnd() * 4;
        if (rnd() < 0.1) continue;
        s.append({ __name__: 'c_total', host: `h${h}`, mode }, i * 15_000 + h * 500, v);
      }
    }
    for (let i = 0; i < 120; i += 1 + (h % 2)) {
      const r = rnd();
      s.append({ __name__: 'temp', host: `h${h}` }, i * 15_000, r < 0.04 ? NaN : r < 0.06 ? -Infinity : Math.round((r - 0.5) * 400) / 4);
    }
  }
  return s;
}

describe('scalarBinaryMatrix', () => {
  const binary = (q: string) => parseExpr(q) as BinaryExpr;
  /** A two-row, two-step matrix for `node`, row 1 absent at step 0. */
  const matrixOf = (node: Expr): Map<Expr, StepMatrix> => new Map([[node, new StepMatrix(
    [{ host: 'a' }, { host: 'b' }], [false, false], Float64Array.of(8, 2, 0, 4), Uint8Array.of(1, 1, 0, 1), 2, Float64Array.of(1, 2), null,
  )]]);

  it('applies the operator to every present cell, the number on either side', () => {
    const left = binary('1 - x');
    expect([...scalarBinaryMatrix(left, matrixOf(left.rhs))!.values]).toEqual([-7, -1, 0, -3]);
    const right = binary('(x) / 2');
    const m = scalarBinaryMatrix(right, matrixOf((right.lhs as Expr & { type: 'paren' }).expr))!;
    expect([...m.values]).toEqual([4, 1, 0, 2]);
    expect([...m.present]).toEqual([1, 1, 0, 1]);
    expect(m.dropName).toEqual([true, true]);
    expect([...m.samples]).toEqual([1, 2]);
    const cmp = binary('x > bool 3');
    expect([...scalarBinaryMatrix(cmp, matrixOf(cmp.lhs))!.values]).toEqual([1, 0, 0, 1]);
  });

  it('declines filtering comparisons, operands computed step by step, and two vectors', () => {
    const filter = binary('x > 3');
    expect(scalarBinaryMatrix(filter, matrixOf(filter.lhs))).toBeNull();
    const stepwise = binary('1 - x');
    expect(scalarBinaryMatrix(stepwise, new Map())).toBeNull();
    const vectors = binary('x - y');
    expect(scalarBinaryMatrix(vectors, matrixOf(vectors.lhs))).toBeNull();
  });
});

describe('series-major operators between a number and a computed node', () => {
  const store = dataSet();
  const seriesMajor = new Engine();
  const stepByStep = new Engine({ seriesMajor: false });

  it.each([
    '1 - max by (host) (rate(c_total[2m]))',
    'sum by (mode) (rate(c_total[2m])) / 2',
    '2 ^ avg(temp)',
    '-1 % min_over_time(temp[1m])',
    'last_over_time(temp[2m]) * 3',
    'topk(2, rate(c_total[1m])) - 1',
    '(sum by (host) (c_total)) >= bool 100',
    'sum by (host) (c_total) > 100',
    '5 < bool count by (mode) (temp > 0)',
    '1 - sum(rate(c_total[2m])) + 1',
  ])('answers %s as step-by-step evaluation does', async (q) => {
    for (const [start, end, step] of [[0, 1_800_000, 30_000], [37_000, 1_700_000, 61_000], [600_000, 600_000, 15_000]]) {
      const a = await seriesMajor.rangeQuery(store, q, start, end, step).catch((e: Error) => e);
      const b = await stepByStep.rangeQuery(store, q, start, end, step).catch((e: Error) => e);
      expect(a, `${q} ${start}..${end}/${step}`).toEqual(b);
    }
  });
});
