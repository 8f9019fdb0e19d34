import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { SeriesSet } from '../tsdb/index.js';
import { decodeSeriesSet, encodeSeriesSet } from './series-wire.js';

describe('series wire encoding', () => {
  it('round-trips timestamps, special float values and staleness markers exactly', () => {
    const set: SeriesSet = {
      series: [
        { labels: { __name__: 'a', x: '1' }, timestamps: [1, 2, 3, 2 ** 52], values: [0.1, Infinity, -Infinity, -0], stale: null },
        { labels: { __name__: 'b' }, timestamps: [10, 20], values: [Number.NaN, 5e-324], stale: [1, 0] },
      ],
      warnings: ['shard 3 unreachable'],
    };
    const back = decodeSeriesSet(JSON.parse(JSON.stringify(encodeSeriesSet(set))));
    expect(back.warnings).toEqual(['shard 3 unreachable']);
    expect(back.series.map((s) => ({ labels: s.labels, t: Array.from(s.timestamps), v: Array.from(s.values), stale: s.stale && Array.from(s.stale) }))).toEqual([
      { labels: { __name__: 'a', x: '1' }, t: [1, 2, 3, 2 ** 52], v: [0.1, Infinity, -Infinity, -0], stale: null },
      { labels: { __name__: 'b' }, t: [10, 20], v: [Number.NaN, 5e-324], stale: [1, 0] },
    ]);
  });

  it('round-trips native-histogram samples beside the floats of a series', () => {
    const h = new FloatHistogram({ schema: 1, count: 5, sum: 2.5, zeroCount: 1, zeroThreshold: 0.01, positiveSpans: [{ offset: -1, length: 2 }], positiveBuckets: [3, 1], counterResetHint: 'gauge' });
    const set: SeriesSet = { series: [{ labels: { __name__: 'h' }, timestamps: [1, 2, 3], values: [7, 0, 0], stale: [0, 0, 1], histograms: [null, h, null] }], warnings: [] };
    const back = decodeSeriesSet(JSON.parse(JSON.stringify(encodeSeriesSet(set)))).series[0];
    expect(back.values[0]).toBe(7);
    expect(back.stale && Array.from(back.stale)).toEqual([0, 0, 1]);
    expect(back.histograms![0]).toBeNull();
    expect(back.histograms![1]!.equals(h)).toBe(true);
    expect(back.histograms![1]!.counterResetHint).toBe('gauge');
  });

  it('round-trips start timestamps beside the samples, and sends none for a series without them', () => {
    const set: SeriesSet = {
      series: [
        { labels: { __name__: 'c' }, timestamps: [1000, 2000], values: [1, 2], stale: null, startTimestamps: [0, 1500] },
        { labels: { __name__: 'd' }, timestamps: [1000], values: [1], stale: null },
      ],
      warnings: [],
    };
    const wire = JSON.parse(JSON.stringify(encodeSeriesSet(set))) as { series: { st?: string }[] };
    expect(wire.series[1].st).toBeUndefined();
    const back = decodeSeriesSet(wire).series;
    expect(Array.from(back[0].startTimestamps!)).toEqual([0, 1500]);
    expect(back[1].startTimestamps).toBeUndefined();
  });

  it('rejects start timestamps that do not match the samples in number', () => {
    const wire = JSON.parse(JSON.stringify(encodeSeriesSet({ series: [{ labels: { __name__: 'c' }, timestamps: [1, 2], values: [1, 2], stale: null, startTimestamps: [0, 1] }], warnings: [] }))) as { series: { st?: string }[] };
    wire.series[0].st = Buffer.from(new Float64Array([1]).buffer).toString('base64');
    expect(() => decodeSeriesSet(wire)).toThrow(/start timestamps do not match its 2 samples/);
  });

  it('rejects an answer whose columns disagree in length', () => {
    const wire = { series: [{ labels: {}, t: Buffer.alloc(16).toString('base64'), v: Buffer.alloc(8).toString('base64'), s: [] }], warnings: [] };
    expect(() => decodeSeriesSet(wire)).toThrow(/2 timestamps but 1 values/);
    expect(() => decodeSeriesSet({ nope: 1 })).toThrow(/no series array/);
  });
});
