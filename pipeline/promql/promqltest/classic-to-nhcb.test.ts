import { describe, expect, it } from 'vitest';
import { classicHistogramsAsNhcb } from './classic-to-nhcb.js';

describe('classicHistogramsAsNhcb', () => {
  it('turns cumulative bucket series into custom-bucket histograms per timestamp, named without _bucket', () => {
    const out = classicHistogramsAsNhcb([
      { labels: { __name__: 'x_bucket', le: '0.1', id: '1' }, values: [0, 5] },
      { labels: { __name__: 'x_bucket', le: '+Inf', id: '1' }, values: [0, 12] },
      { labels: { __name__: 'x_bucket', le: '0.2', id: '1' }, values: [0, 7] },
      { labels: { __name__: 'x_sum', id: '1' }, values: [null, 3] },
      { labels: { __name__: 'other', id: '1' }, values: [1, 1] },
    ], 60_000);
    expect(out).toHaveLength(1);
    expect(out[0].labels).toEqual({ __name__: 'x', id: '1' });
    expect(out[0].points.map((p) => [p.t, p.h.testExpression()])).toEqual([
      [0, '{{schema:-53 custom_values:[0.1 0.2]}}'],
      [60_000, '{{schema:-53 count:12 sum:3 custom_values:[0.1 0.2] buckets:[5 2 5]}}'],
    ]);
  });

  it('leaves out buckets whose le is not a number', () => {
    expect(classicHistogramsAsNhcb([{ labels: { __name__: 'x_bucket', le: 'abc' }, values: [1] }], 60_000)).toEqual([]);
  });
});
