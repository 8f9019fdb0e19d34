import { describe, expect, it } from 'vitest';
import { CountRuns } from './count-runs.js';
import { newGroupCells, type GroupCells } from './group-cells.js';

const STEPS = 40;

/** What adding the row step by step does (series-major.ts' countPresent). */
function addSteps(g: GroupCells, r: number, present: readonly number[]): void {
  for (let k = 0; k < STEPS; k++) {
    if (present[k] === 0) continue;
    if (g.count[k] === 0) g.first[k] = r;
    g.count[k]++;
  }
}

type Row = { run: [number, number] } | { steps: number[] };

function runPresence(k0: number, k1: number): number[] {
  return Array.from({ length: STEPS }, (_, k) => (k >= k0 && k < k1 ? 1 : 0));
}

/** The rows added the way groupRows adds them, and one step by step, for comparison. */
function both(rows: readonly Row[]): { runs: GroupCells; steps: GroupCells } {
  const runs = newGroupCells('', {}, STEPS);
  const steps = newGroupCells('', {}, STEPS);
  const acc = new CountRuns(runs, STEPS);
  rows.forEach((row, r) => {
    const present = 'run' in row ? runPresence(...row.run) : row.steps;
    addSteps(steps, r, present);
    if ('run' in row) {
      if (!acc.add(r, row.run[0], row.run[1])) addSteps(runs, r, present);
    } else {
      acc.flush();
      addSteps(runs, r, present);
    }
  });
  acc.flush();
  return { runs, steps };
}

function expectSame(rows: readonly Row[]): void {
  const { runs, steps } = both(rows);
  expect([...runs.count]).toEqual([...steps.count]);
  // `first` matters only where a step has a row.
  expect([...runs.first].map((f, k) => (steps.count[k] > 0 ? f : -1))).toEqual([...steps.first].map((f, k) => (steps.count[k] > 0 ? f : -1)));
}

describe('CountRuns', () => {
  it('counts rows and their first row at each step as adding them step by step does, for runs that overlap, touch or nest', () => {
    expectSame([{ run: [5, 20] }, { run: [10, 30] }, { run: [0, 5] }, { run: [30, 35] }, { run: [12, 14] }, { run: [0, 40] }]);
  });

  it('takes a run apart from the ones before, and every row after it, the step-by-step way', () => {
    expectSame([{ run: [0, 10] }, { run: [20, 30] }, { run: [5, 25] }, { run: [25, 40] }]);
    expectSame([{ run: [20, 30] }, { run: [0, 10] }, { run: [0, 40] }]);
  });

  it('ignores empty runs and counts rows added step by step among them', () => {
    expectSame([{ run: [3, 3] }, { run: [0, 0] }, { run: [10, 12] }, { steps: runPresence(0, 40).map((p, k) => (k % 3 === 0 ? 0 : p)) }, { run: [0, 40] }]);
    expectSame([{ steps: runPresence(4, 8) }, { run: [0, 10] }, { run: [6, 20] }]);
  });

  it('matches step-by-step counting over random rows', () => {
    let seed = 3;
    const rnd = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    for (let round = 0; round < 200; round++) {
      const rows: Row[] = [];
      for (let i = 0, n = 1 + rnd(8); i < n; i++) {
        if (rnd(6) === 0) rows.push({ steps: Array.from({ length: STEPS }, () => rnd(2)) });
        else {
          const a = rnd(STEPS + 1);
          rows.push({ run: [a, a + rnd(STEPS + 1 - a)] });
        }
      }
      expectSame(rows);
    }
  });
});
