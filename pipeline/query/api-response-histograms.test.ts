import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { histogramJson, queryDataJson } from './api-response.js';

// Prometheus 3's JSON for native histograms (HTTP API docs, "Native histograms"): buckets as
// [boundaries, lower, upper, count] with 0 = (l,u], 1 = [l,u), 2 = (l,u), 3 = [l,u].
const h = new FloatHistogram({
  schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 7, sum: 12.5,
  positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [2, 0, 3],
  negativeSpans: [{ offset: 1, length: 1 }], negativeBuckets: [1],
});

describe('native histograms in query API answers', () => {
  it('writes count and sum as strings and the populated buckets in ascending order with their boundary rules', () => {
    expect(JSON.parse(histogramJson(h))).toEqual({
      count: '7',
      sum: '12.5',
      buckets: [[1, '-2', '-1', '1'], [3, '-0.001', '0.001', '1'], [0, '0.5', '1', '2'], [0, '2', '4', '3']],
    });
  });

  it('writes the first custom bucket as closed on both sides, from -Inf', () => {
    const nhcb = new FloatHistogram({ schema: -53, count: 3, sum: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 2], customValues: [0.5] });
    expect(JSON.parse(histogramJson(nhcb)).buckets).toEqual([[3, '-Inf', '0.5', '1'], [0, '0.5', '+Inf', '2']]);
  });

  it('answers a vector sample holding a histogram with "histogram" instead of "value"', () => {
    const data = JSON.parse(queryDataJson({ resultType: 'vector', result: [{ metric: { job: 'a' }, t: 1500, v: 0, h }, { metric: { job: 'b' }, t: 1500, v: 2 }] }));
    expect(data.result[0]).toEqual({ metric: { job: 'a' }, histogram: [1.5, JSON.parse(histogramJson(h))] });
    expect(data.result[1]).toEqual({ metric: { job: 'b' }, value: [1.5, '2'] });
  });

  it('answers a matrix series with its float points in "values" and its histogram points in "histograms"', () => {
    const data = JSON.parse(queryDataJson({ resultType: 'matrix', result: [
      { metric: { job: 'a' }, timestamps: [1000, 2000, 3000], values: [1, 0, 0], histograms: [null, h, h] },
      { metric: { job: 'b' }, timestamps: [1000], values: [0], histograms: [h] },
      { metric: { job: 'c' }, timestamps: [1000], values: [4] },
    ] }));
    expect(data.result[0]).toEqual({ metric: { job: 'a' }, values: [[1, '1']], histograms: [[2, JSON.parse(histogramJson(h))], [3, JSON.parse(histogramJson(h))]] });
    expect(data.result[1]).toEqual({ metric: { job: 'b' }, histograms: [[1, JSON.parse(histogramJson(h))]] });
    expect(data.result[2]).toEqual({ metric: { job: 'c' }, values: [[1, '4']] });
  });
});
