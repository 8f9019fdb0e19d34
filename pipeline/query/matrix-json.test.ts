import { describe, expect, it } from 'vitest';
import type { ResultSeries } from '../promql/index.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { matrixJson } from './matrix-json.js';
import { formatTimestamp, formatValue, labelsJson, seriesWithHistogramsJson } from './value-json.js';

/** The series list as text, one formatValue and formatTimestamp a point. */
function expected(result: readonly ResultSeries[]): string {
  return result
    .map((s) => (s.histograms !== undefined
      ? seriesWithHistogramsJson(s.metric, s.timestamps, s.values, s.histograms)
      : `{"metric":${labelsJson(s.metric)},"values":[${s.timestamps.map((t, i) => `[${formatTimestamp(t)},"${formatValue(s.values[i])}"]`).join(',')}]}`))
    .join(',');
}

describe('matrixJson', () => {
  it('writes each point as formatTimestamp and formatValue do, whatever timestamps a series skips or adds', () => {
    const steps = [1000, 61_000, 121_000, 181_000, 241_000];
    const result: ResultSeries[] = [
      { metric: { a: '1' }, timestamps: steps, values: [0.1, 0.2, 1 / 3, 5, 6] },
      // Gaps, then times no series before had, then the first series' times again.
      { metric: { a: '2' }, timestamps: [61_000, 241_000], values: [1, 2] },
      { metric: { a: '3' }, timestamps: [1500, 61_000, 90_007, 241_000], values: [3, 4, 5, 6] },
      { metric: { a: '4' }, timestamps: [-1500, 1000], values: [7, 8] },
      { metric: { a: '5' }, timestamps: [], values: [] },
      { metric: { a: '6' }, timestamps: steps, values: [NaN, Infinity, -Infinity, -0, 1e-7] },
      { metric: { a: '7' }, timestamps: steps.slice(0, 3), values: [1e21, -1.5e-300, 5e-324] },
    ];
    const text = matrixJson('[', result, ']').toString('utf8');
    expect(text).toBe(`[${expected(result)}]`);
  });

  it('sizes the bytes of non-ASCII label values, and writes series of native histograms whole', () => {
    const h = new FloatHistogram({ schema: 0, count: 3, sum: 4.5, zeroThreshold: 0.001, zeroCount: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [2] });
    const result: ResultSeries[] = [
      { metric: { city: 'Zürich ✓', emoji: '🌊' }, timestamps: [1000, 2000], values: [1, 2] },
      { metric: { __name__: 'h', s: 'ü' }, timestamps: [1000, 2000, 3000], values: [1, NaN, 2], histograms: [null, h, null] },
      { metric: { s: '"q"\\' }, timestamps: [3000], values: [3] },
    ];
    const bytes = matrixJson('{"r":[', result, '],"stats":"ö"}');
    expect(bytes.toString('utf8')).toBe(`{"r":[${expected(result)}],"stats":"ö"}`);
    expect(JSON.parse(bytes.toString('utf8')).r[0].metric).toEqual({ city: 'Zürich ✓', emoji: '🌊' });
  });

  it('writes long series between short ones, over thousands of distinct timestamps', () => {
    const n = 6000;
    const times = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 15_000 + (i % 7));
    const long: ResultSeries = { metric: { a: 'long' }, timestamps: times, values: times.map((_, i) => i / 7) };
    const short: ResultSeries = { metric: { a: 'short' }, timestamps: times.slice(0, 3), values: [1, 2, 3] };
    const result = [short, long, short, long];
    expect(matrixJson('[', result, ']').toString('utf8')).toBe(`[${expected(result)}]`);
  });
});
