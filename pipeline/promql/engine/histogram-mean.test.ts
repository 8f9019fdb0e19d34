import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { HistogramMean } from './histogram-mean.js';

const h = (count: number, sum: number) => new FloatHistogram({ count, sum, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [count] });

describe('HistogramMean', () => {
  it('divides the compensated sum by the count while the sum stays finite', () => {
    const m = new HistogramMean();
    for (const x of [h(1, 1), h(3, 1e100), h(5, 1), h(7, -1e100)]) m.add(x);
    const r = m.result()!;
    expect(r.count).toBe(4);
    expect(r.sum).toBe(0.5);
    expect(r.positiveBuckets).toEqual([4]);
  });

  it('switches to an incremental mean when the sum of counts would overflow, keeping the compensation', () => {
    const m = new HistogramMean();
    for (const x of [h(1.7976931348623157e308, 1), h(1e308, 1e100), h(1e-6, 1), h(1e-6, -1e100)]) m.add(x);
    const r = m.result()!;
    expect(r.count / 6.99423283715579e307).toBeCloseTo(1, 12);
    expect(r.sum).toBeCloseTo(0.5, 12);
  });

  it('has no result before the first histogram', () => {
    expect(new HistogramMean().result()).toBeUndefined();
  });
});
