import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { WindowColumns } from './window-columns.js';

const labels = { __name__: 'x' };

describe('WindowColumns', () => {
  it('reset gives an empty window at the new end: no slot open, opened slots start from nothing', () => {
    const win = new WindowColumns(60_000, 2, { values: true, buckets: true });
    win.open(3);
    win.add(3, 10_000, 5, true);
    win.add(3, 20_000, 7, true);
    win.addHistogram(3, 30_000, new FloatHistogram());
    win.open(0);
    win.add(0, 15_000, 1, true);

    win.reset(120_000);
    expect(win.end).toBe(120_000);
    expect([...win.order]).toEqual([]);
    expect(win.present[3]).toBe(0);
    expect(win.present[0]).toBe(0);

    win.open(3);
    win.add(3, 70_000, 2, true);
    const fresh = new WindowColumns(120_000, 4, { values: true, buckets: true });
    fresh.open(3);
    fresh.add(3, 70_000, 2, true);
    expect([...win.order]).toEqual([3]);
    expect(win.accumulator(3, labels, true)).toEqual(fresh.accumulator(3, labels, true));
  });
});
