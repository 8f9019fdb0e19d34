import { describe, expect, it } from 'vitest';
import { BatchSeriesCursor, columnarBatch, seriesOfColumns, type FloatColumns } from './float-columns.js';

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

  it('are walked by a cursor the same way as the series they stand for, without building them', () => {
    const view = (cur: BatchSeriesCursor, k: number) => {
      cur.at(k);
      return { labels: cur.labels, timestamps: cur.timestamps.slice(cur.from, cur.to), values: cur.values.slice(cur.from, cur.to), stale: cur.stale };
    };
    const columnar = columnarBatch(columns, {});
    const fromColumns = new BatchSeriesCursor(columnar);
    const plain = { series: seriesOfColumns(columns).map((s, i) => (i === 2 ? { ...s, stale: [1] } : s)) };
    const fromSeries = new BatchSeriesCursor(plain);
    expect(fromColumns.count).toBe(3);
    expect(fromSeries.count).toBe(3);
    expect([0, 1, 2].map((k) => view(fromColumns, k))).toEqual(seriesOfColumns(columns));
    expect([0, 1, 2].map((k) => view(fromSeries, k))).toEqual(plain.series);
    expect(fromColumns.labelsAt(2)).toBe(columns.labels[2]);
    fromColumns.at(2);
    expect(fromColumns.timestamps).toBe(columns.timestamps);
    const unbuilt = {
      floatColumns: columns,
      get series(): never {
        throw new Error('series built');
      },
    };
    const cur = new BatchSeriesCursor(unbuilt);
    expect(() => [0, 1, 2].forEach((k) => cur.at(k))).not.toThrow();
  });
});
