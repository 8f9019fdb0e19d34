import { describe, expect, it } from 'vitest';
import { decodeRollupChunk, encodeRollupChunk } from './rollup-chunk.js';
import { gaps } from './rollup-querier.js';
import { coarsen, columnSeries, emptyWindows, fieldsOf, rollupSamples, ROLLUP_FIELDS } from './rollup-windows.js';

/** PromQL's counter increase without extrapolation: last - first plus the value before each reset. */
function rawIncrease(vs: readonly number[]): number {
  let inc = 0;
  for (let i = 1; i < vs.length; i++) inc += vs[i] < vs[i - 1] ? vs[i] : vs[i] - vs[i - 1];
  return inc;
}

describe('rollup windows', () => {
  const ts = [1, 5, 10, 11, 15, 20, 21, 29];
  const vs = [5, 7, 9, 2, 100, 103, 1, 4];

  it('put a sample at a window end in the window it ends (ranges are left-open)', () => {
    const w = emptyWindows();
    rollupSamples(ts, vs, null, 10, w);
    expect(w.toArray('ends')).toEqual([10, 20, 30]);
    expect(w.toArray('count')).toEqual([3, 3, 2]);
    expect(w.toArray('sum')).toEqual([21, 205, 5]);
    expect(w.toArray('min')).toEqual([5, 2, 1]);
    expect(w.toArray('max')).toEqual([9, 103, 4]);
    expect(w.toArray('firstT')).toEqual([1, 11, 21]);
    expect(w.toArray('lastV')).toEqual([9, 103, 4]);
  });

  it('skip staleness markers', () => {
    const w = emptyWindows();
    rollupSamples([1, 2, 3], [1, NaN, 3], [0, 1, 0], 10, w);
    expect(w.toArray('count')).toEqual([2]);
    expect(w.toArray('sum')).toEqual([4]);
  });

  it('give a counter series whose increase over whole windows is the raw increase, resets inside windows included', () => {
    const w = emptyWindows();
    rollupSamples(ts, vs, null, 10, w);
    // Window 2 resets (9 -> 2) and ends above its first value (2 ... 103 from 2): the case that
    // needs the two samples between first and last.
    const c = columnSeries(w, 'counter', 0, 30);
    expect(rawIncrease(Array.from(c.values))).toBe(rawIncrease(vs));
    for (const [lo, hi] of [[10, 20], [20, 30], [10, 30]]) {
      const part = columnSeries(w, 'counter', lo, hi);
      const raw = vs.filter((_, i) => ts[i] > lo - 10 && ts[i] <= hi);
      expect(rawIncrease(Array.from(part.values)), `(${lo - 10}, ${hi}]`).toBe(rawIncrease(raw));
      expect(part.values[0]).toBe(raw[0]);
      expect(part.values[part.values.length - 1]).toBe(raw[raw.length - 1]);
    }
  });

  it('survive a rollup chunk round trip, window ends outside the asked range left out', () => {
    const w = emptyWindows();
    rollupSamples(ts, vs, null, 10, w);
    const back = emptyWindows();
    decodeRollupChunk(encodeRollupChunk(w, 0, w.length), back, 0, 1000);
    expect(back.length).toBe(w.length);
    for (const f of ['ends', ...ROLLUP_FIELDS] as const) expect(back.toArray(f), f).toEqual(w.toArray(f));
    const part = emptyWindows();
    decodeRollupChunk(encodeRollupChunk(w, 0, w.length), part, 15, 25);
    expect(part.toArray('ends')).toEqual([20]);
    expect(part.toArray('increase')).toEqual([w.increase[1]]);
  });

  it('decode only the fields the windows keep, and coarsen those as the full windows would', () => {
    const w = emptyWindows();
    rollupSamples(ts, vs, null, 10, w);
    const counter = emptyWindows(fieldsOf('counter'));
    decodeRollupChunk(encodeRollupChunk(w, 0, w.length), counter, 0, 1000);
    expect(counter.has('sum')).toBe(false);
    expect(counter.sum.length).toBe(0);
    const full = coarsen(w, 20);
    const part = coarsen(counter, 20);
    expect(part.toArray('ends')).toEqual([20, 40]);
    for (const f of fieldsOf('counter')) expect(part.toArray(f), f).toEqual(full.toArray(f));
    expect(full.toArray('count')).toEqual([6, 2]);
  });
});

describe('gaps', () => {
  it('are the window ends no tier block covers', () => {
    expect(gaps([], 10, 50, 10)).toEqual([[10, 50]]);
    expect(gaps([[10, 30]], 10, 50, 10)).toEqual([[40, 50]]);
    expect(gaps([[20, 30]], 10, 50, 10)).toEqual([[10, 10], [40, 50]]);
    expect(gaps([[10, 20], [40, 50]], 10, 50, 10)).toEqual([[30, 30]]);
    expect(gaps([[0, 60]], 10, 50, 10)).toEqual([]);
  });
});
