import { describe, expect, it } from 'vitest';
import type { SelectedSeries } from '../engine/eval-context.js';
import type { EvalJob } from '../engine/eval-job.js';
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

  it('packs columns in shared memory whose times and values sit at different offsets', () => {
    const ts = sharedColumn([0, 15_000], 8, 1);
    const vs = sharedColumn([7, 8], 8, 2);
    const s: SelectedSeries = { labels: { __name__: 'x' }, ts, vs, stale: null, rts: ts, rvs: vs };
    const { wire } = packJob(jobOf([s]));
    expect(wire.ts.length).toBe(2);
    expect(wire.shared).toEqual([]);
    expect([...unpackJob(wire).selections.values()][0].map(plain)).toEqual([plain(s)]);
  });
});
