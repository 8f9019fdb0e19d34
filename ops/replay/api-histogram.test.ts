import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { histogramJson } from '../../pipeline/query/api-response.js';
import { histogramFromApi, type ApiHistogram } from './api-histogram.js';

const roundTrip = (h: FloatHistogram) => histogramFromApi(JSON.parse(histogramJson(h)) as ApiHistogram);

describe('native histograms read back from the query API', () => {
  it('finds the exponential schema of the bucket bounds and gives back the same histogram', () => {
    for (const h of [
      new FloatHistogram({ schema: 0, zeroThreshold: 0.001, zeroCount: 2, count: 12.5, sum: 7.25, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [1, 2.5, 3] }),
      new FloatHistogram({ schema: 3, count: 9, sum: -1, positiveSpans: [{ offset: -5, length: 2 }, { offset: 4, length: 1 }], positiveBuckets: [1, 2, 3], negativeSpans: [{ offset: 2, length: 1 }], negativeBuckets: [3] }),
      new FloatHistogram({ schema: -2, count: 4, sum: 1e6, positiveSpans: [{ offset: 3, length: 1 }], positiveBuckets: [4] }),
      new FloatHistogram({ schema: 8, zeroThreshold: 2 ** -128, zeroCount: 1, count: 2, sum: 0.5, negativeSpans: [{ offset: -100, length: 1 }], negativeBuckets: [1] }),
    ]) {
      const back = roundTrip(h);
      expect(back.schema, h.toString()).toBe(h.schema);
      expect(back.equals(h), `${h.toString()} came back as ${back.toString()}`).toBe(true);
    }
  });

  it('reads bounds that fit no exponential schema as custom buckets, and empty buckets as absent', () => {
    const nhcb = new FloatHistogram({ schema: -53, customValues: [0.1, 0.25, 1, 2.5], count: 6, sum: 3, positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 2 }], positiveBuckets: [1, 2, 0, 3] });
    const back = roundTrip(nhcb);
    expect(back.schema).toBe(-53);
    expect(back.toString()).toBe(nhcb.toString());
    expect(back.count).toBe(6);
    // The empty bucket (1, 2.5] is not in the answer: its bound 1 is lost, (0.25, 2.5] is one empty bucket.
    expect(back.customValues).toEqual([0.1, 0.25, 2.5]);
    expect(back.positiveBuckets).toEqual([1, 2, 3]);
  });

  it('reads the +Inf and -Inf bounds and sums the API writes as infinities, not NaN', () => {
    const nhcb = new FloatHistogram({ schema: -53, customValues: [0.1, 1], count: 6, sum: Infinity, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [1, 2, 3] });
    const answer = JSON.parse(histogramJson(nhcb)) as ApiHistogram;
    expect(answer.buckets?.at(-1)?.[2]).toBe('+Inf');
    const back = histogramFromApi(answer);
    expect(back.sum).toBe(Infinity);
    expect(back.customValues).toEqual([0.1, 1]);
    expect(back.positiveBuckets).toEqual([1, 2, 3]);
    expect(back.equals(nhcb), back.toString()).toBe(true);
  });

  it('reads a histogram whose only bucket spans -Inf to +Inf as one custom bucket, not a zero bucket', () => {
    const one = new FloatHistogram({ schema: -53, customValues: [], count: 4, sum: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [4] });
    const back = roundTrip(one);
    expect(back.zeroCount).toBe(0);
    expect(back.positiveBuckets).toEqual([4]);
    expect(back.equals(one), back.toString()).toBe(true);
  });
});
