import { describe, expect, it } from 'vitest';
import { columnarBatch, seriesOfColumns, type FloatColumns } from './float-columns.js';

const columns: FloatColumns = {
  labels: [{ __name__: 'a' }, { __name__: 'b' }, { __name__: 'c' }],
  offsets: [0, 1, 1, 3],
  timestamps: [10, 20, 30],
  values: [1, 2, 3],
};

describe('float columns', () => {
  it('give each series its own samples, none stale', () => {
    expect(seriesOfColumns(columns)).toEqual([
      { labels: { __name__: 'a' }, timestamps: [10], values: [1], stale: [] },
      { labels: { __name__: 'b' }, timestamps: [], values: [], stale: [] },
      { labels: { __name__: 'c' }, timestamps: [20, 30], values: [2, 3], stale: [] },
    ]);
  });

  it('make a batch whose series are built once, when first read, and that spreads as a plain batch', () => {
    const batch = columnarBatch(columns, { source: 's' });
    expect(batch.floatColumns).toBe(columns);
    const series = batch.series;
    expect(series.map((s) => s.timestamps)).toEqual([[10], [], [20, 30]]);
    expect(batch.series).toBe(series);
    expect({ ...batch }).toEqual({ source: 's', series });
    expect(Object.keys(batch).sort()).toEqual(['series', 'source']);
  });
});
