import { describe, expect, it } from 'vitest';
import type { SelectedSeries } from '../engine/eval-context.js';
import { evalJob, type EvalJob } from '../engine/eval-job.js';
import { parseExpr } from '../parser/parser.js';
import type { VectorSelector } from '../parser/ast.js';
import { packJob, unpackJob } from './job-wire.js';

function sharedColumn(values: readonly number[], room: number, at: number): Float64Array {
  const all = new Float64Array(new SharedArrayBuffer(room * 8));
  all.set(values, at);
  return all.subarray(at, at + values.length);
}

function jobOf(series: SelectedSeries[]): EvalJob {
  const expr = parseExpr('x');
  return {
    query: 'x', expr, start: 0, end: 60_000, interval: 15_000,
    selections: new Map([[expr as VectorSelector, series]]), infoSeries: new Map(), warnings: [], deadline: Date.now() + 60_000,
    settings: { lookbackDelta: 300_000, defaultSubqueryStep: 60_000, maxSamples: 1e6, seriesMajor: true },
  };
}

const plain = (s: SelectedSeries) => ({ labels: s.labels, ts: Array.from(s.ts), vs: Array.from(s.vs), stale: s.stale && Array.from(s.stale), rts: Array.from(s.rts), rvs: Array.from(s.rvs) });

describe('job wire', () => {
  it('refers to columns in shared memory instead of packing them, and reads them back as they were', () => {
    const ts = sharedColumn([0, 15_000, 30_000], 16, 5);
    const vs = sharedColumn([1, 2, 3], 16, 5);
    const inShared: SelectedSeries = { labels: { __name__: 'x', i: '0' }, ts, vs, stale: null, rts: ts, rvs: vs };
    const copied: SelectedSeries = { labels: { __name__: 'x', i: '1' }, ts: [0, 30_000], vs: [4, 5], stale: null, rts: [0, 30_000], rvs: [4, 5] };
    const marked: SelectedSeries = { labels: { __name__: 'x', i: '2' }, ts: [0, 15_000], vs: [6, NaN], stale: [0, 1], rts: [0], rvs: [6] };
    const job = jobOf([inShared, copied, marked]);
    const { wire, transfer } = packJob(job);
    // Only the copied and the marked series' points are packed: 2 + 2 + 1 range point.
    expect(wire.ts.length).toBe(5);
    expect(wire.shared).toEqual([ts.buffer, vs.buffer]);
    expect(transfer).not.toContain(ts.buffer);
    const back = unpackJob(structuredClone(wire));
    const [list] = [...back.selections.values()];
    expect(list.map(plain)).toEqual([inShared, copied, marked].map(plain));
  });

  it('carries presence summaries as their first and last timestamps and sample count, with no points, beside series with points', () => {
    const none = new Float64Array(0);
    const summed: SelectedSeries = { labels: { __name__: 'x', i: '0' }, ts: none, vs: none, stale: null, rts: none, rvs: none, presence: { first: 15_000, last: 1_800_000, samples: 120 } };
    const copied: SelectedSeries = { labels: { __name__: 'x', i: '1' }, ts: [0, 30_000], vs: [4, 5], stale: null, rts: [0, 30_000], rvs: [4, 5] };
    const { wire } = packJob(jobOf([summed, copied]));
    expect(wire.ts.length).toBe(2);
    const [list] = [...unpackJob(structuredClone(wire)).selections.values()];
    expect(list.map((s) => s.presence ?? null)).toEqual([{ first: 15_000, last: 1_800_000, samples: 120 }, null]);
    expect(list.map(plain)).toEqual([summed, copied].map(plain));
  });

  it('packs columns in shared memory whose times and values sit at different offsets', () => {
    const ts = sharedColumn([0, 15_000], 8, 1);
    const vs = sharedColumn([7, 8], 8, 2);
    const s: SelectedSeries = { labels: { __name__: 'x' }, ts, vs, stale: null, rts: ts, rvs: vs };
    const { wire } = packJob(jobOf([s]));
    expect(wire.ts.length).toBe(2);
    expect(wire.shared).toEqual([]);
    expect([...unpackJob(wire).selections.values()][0].map(plain)).toEqual([plain(s)]);
  });

  it('reads back the labels of series of many families, whatever way their lists were built, in each set\'s name order', () => {
    const one = (labels: Record<string, string>, v: number): SelectedSeries => ({ labels, ts: [0], vs: [v], stale: null, rts: [0], rvs: [v] });
    const sets = Array.from({ length: 40 }, (_, i) => {
      const l: Record<string, string> = i % 2 === 0 ? { __name__: `m${i % 7}` } : {};
      for (let j = 0; j < 1 + (i % 6); j++) l[`l${(i + j * 5) % 13}`] = `v${i}`;
      if (i % 2 === 1) l.__name__ = `m${i % 7}`;
      return l;
    });
    // A list from map (holey or packed, as V8 makes it), one by push, one preallocated, an empty one.
    const mapped = sets.slice(0, 15).map((l, i) => one(l, i));
    const pushed: SelectedSeries[] = [];
    for (let i = 15; i < 30; i++) pushed.push(one(sets[i], i));
    const preallocated = new Array<SelectedSeries>(10);
    for (let i = 0; i < 10; i++) preallocated[i] = one(sets[30 + i], 30 + i);
    const lists = [mapped, [], pushed, preallocated];
    const expr = parseExpr('a + b * c / d');
    const selectors: VectorSelector[] = [];
    const walk = (e: { type: string; lhs?: unknown; rhs?: unknown }): void => {
      if (e.type === 'vector_selector') selectors.push(e as unknown as VectorSelector);
      if (e.lhs !== undefined) walk(e.lhs as typeof e);
      if (e.rhs !== undefined) walk(e.rhs as typeof e);
    };
    walk(expr as unknown as { type: string });
    const job: EvalJob = { ...jobOf([]), expr, selections: new Map(selectors.map((vs, i) => [vs, lists[i]])) };
    const back = [...unpackJob(structuredClone(packJob(job).wire)).selections.values()];
    expect(back.map((list) => list.map(plain))).toEqual(lists.map((list) => list.map(plain)));
    expect(back.flatMap((list) => list.map((s) => Object.keys(s.labels)))).toEqual(lists.flatMap((list) => list.map((s) => Object.keys(s.labels))));
  });

  it('unpacks a job with the fields of any other job, in the same order', () => {
    const made = evalJob(jobOf([]));
    const back = unpackJob(structuredClone(packJob(made).wire));
    expect(Object.keys(back)).toEqual(Object.keys(made));
    const full: EvalJob = { ...made, rowMatrices: new Map(), groupParts: new Map() };
    expect(evalJob(full)).toEqual(full);
    expect(Object.keys(evalJob(full))).toEqual(Object.keys(made));
  });
});
