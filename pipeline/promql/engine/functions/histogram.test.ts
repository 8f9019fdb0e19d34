import { describe, expect, it } from 'vitest';
import { MemoryQueryable } from '../../promqltest/memory-storage.js';
import { Engine } from '../engine.js';
import { bucketFraction } from './histogram.js';

/** One classic histogram, req_seconds_bucket{job="a"}: 1 observation <= 1, 2 <= 2, 4 in all. */
function store(): MemoryQueryable {
  const s = new MemoryQueryable();
  for (const [le, count] of [['1', 1], ['2', 2], ['+Inf', 4]] as const) s.append({ __name__: 'req_seconds_bucket', job: 'a', le }, 0, count);
  s.append({ __name__: 'temperature', job: 'a' }, 0, 20);
  return s;
}

async function instant(query: string): Promise<{ result: unknown; warnings: string[]; infos: string[] }> {
  const r = await new Engine().instantQuery(store(), query, 0);
  return { result: r.value.resultType === 'vector' ? r.value.result : r.value, warnings: r.warnings, infos: r.infos };
}

describe('bucketFraction (classic histograms)', () => {
  const buckets = () => [{ upper: 1, count: 1 }, { upper: 2, count: 2 }, { upper: Infinity, count: 4 }];

  it('interpolates linearly inside a bucket, the lowest starting at 0 for positive bounds', () => {
    expect(bucketFraction(0, 1, buckets())).toBe(0.25);
    expect(bucketFraction(0, 1.5, buckets())).toBe(0.375);
    expect(bucketFraction(0.5, 1, buckets())).toBe(0.125);
    expect(bucketFraction(-Infinity, Infinity, buckets())).toBe(1);
  });

  it('gives 0 for an empty interval and NaN without a +Inf bucket, observations or bounds', () => {
    expect(bucketFraction(2, 1, buckets())).toBe(0);
    expect(bucketFraction(0, 1, [{ upper: 1, count: 1 }])).toBeNaN();
    expect(bucketFraction(0, 1, [{ upper: Infinity, count: 0 }])).toBeNaN();
    expect(bucketFraction(NaN, 1, buckets())).toBeNaN();
    expect(bucketFraction(0, 1, [])).toBeNaN();
  });

  it('counts a lowest bucket with a bound at or below zero from -Inf', () => {
    expect(bucketFraction(-Infinity, -1, [{ upper: -1, count: 3 }, { upper: Infinity, count: 4 }])).toBe(0.75);
  });
});

describe('classic-histogram functions', () => {
  it('histogram_fraction answers over _bucket series per histogram, the name removed', async () => {
    expect((await instant('histogram_fraction(0, 1.5, req_seconds_bucket)')).result).toEqual([{ metric: { job: 'a' }, t: 0, v: 0.375 }]);
  });

  it('histogram_quantiles writes each quantile into the given label as OpenMetrics floats', async () => {
    const r = await instant('histogram_quantiles(req_seconds_bucket, "q", 0.25, 0.5, 1)');
    expect(r.result).toEqual([
      { metric: { job: 'a', q: '0.25' }, t: 0, v: 1 },
      { metric: { job: 'a', q: '0.5' }, t: 0, v: 2 },
      { metric: { job: 'a', q: '1.0' }, t: 0, v: 2 },
    ]);
  });

  it('histogram_quantiles takes at most ten quantiles', async () => {
    const qs = Array.from({ length: 11 }, () => '0.5').join(', ');
    await expect(instant(`histogram_quantiles(req_seconds_bucket, "q", ${qs})`)).rejects.toThrow('expected at most 12 argument(s) in call to "histogram_quantiles", got 13');
  });

  it('keeps the metric name until the end of evaluation, so label_replace can still read it', async () => {
    const r = await instant('label_replace(histogram_quantile(0.5, req_seconds_bucket), "from", "$1", "__name__", "(.*)")');
    expect(r.result).toEqual([{ metric: { job: 'a', from: 'req_seconds_bucket' }, t: 0, v: 2 }]);
  });

  it('warns with %g about a quantile outside [0, 1], at the argument', async () => {
    expect((await instant('histogram_quantile(1e-7 - 1, req_seconds_bucket)')).warnings).toEqual(['PromQL warning: quantile value should be between 0 and 1, got -0.9999999 (1:20)']);
    expect((await instant('histogram_quantiles(req_seconds_bucket, "q", 0.5, 1e7)')).warnings).toEqual(['PromQL warning: quantile value should be between 0 and 1, got 1e+07 (1:51)']);
  });

  it('names the metric in a bad-le warning only when there is one', async () => {
    expect((await instant('histogram_quantile(0.5, temperature)')).warnings).toEqual(['PromQL warning: bucket label "le" is missing or has a malformed value of "" for metric name "temperature" (1:25)']);
    expect((await instant('histogram_quantile(0.5, label_replace(vector(1), "le", "x", "", ""))')).warnings).toEqual(['PromQL warning: bucket label "le" is missing or has a malformed value of "x" (1:25)']);
  });
});
