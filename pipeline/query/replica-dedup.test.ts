import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { Series } from '../tsdb/index.js';
import { dedupReplicas } from './replica-dedup.js';

const h = (count: number): FloatHistogram => new FloatHistogram({ count, sum: count, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [count] });

describe('dedupReplicas', () => {
  it('keeps the start timestamps of the samples it takes, from whichever replica they come', () => {
    // Replica a stops after 20 s; b covers the rest (from 25 s) with its own start timestamps.
    const a: Series = { labels: { replica: 'a' }, timestamps: [0, 10_000, 20_000], values: [1, 2, 3], stale: null, startTimestamps: [-5000, -5000, -5000] };
    const b: Series = { labels: { replica: 'b' }, timestamps: [5000, 15_000, 25_000, 95_000, 105_000], values: [9, 9, 9, 11, 12], stale: null, startTimestamps: [-1000, -1000, -1000, 90_000, 90_000] };
    const out = dedupReplicas({ job: 'api' }, [a, b]);
    expect(Array.from(out.timestamps)).toEqual([0, 10_000, 20_000, 25_000, 95_000, 105_000]);
    expect(Array.from(out.values)).toEqual([1, 2, 3, 9, 11, 12]);
    expect(Array.from(out.startTimestamps!)).toEqual([-5000, -5000, -5000, -1000, 90_000, 90_000]);
    expect(out.labels).toEqual({ job: 'api' });
  });

  it('writes 0 (no start timestamp) for samples of a replica without any', () => {
    const a: Series = { labels: { replica: 'a' }, timestamps: [0, 10_000], values: [1, 2], stale: null };
    const b: Series = { labels: { replica: 'b' }, timestamps: [5000, 15_000, 95_000], values: [9, 9, 11], stale: null, startTimestamps: [1, 1, 90_000] };
    const out = dedupReplicas({ job: 'api' }, [a, b]);
    expect(Array.from(out.timestamps)).toEqual([0, 10_000, 15_000, 95_000]);
    expect(Array.from(out.startTimestamps!)).toEqual([0, 0, 1, 90_000]);
  });

  it('keeps the native histograms of the samples it takes', () => {
    const a: Series = { labels: { replica: 'a' }, timestamps: [0, 10_000, 20_000], values: [0, 0, 0], stale: null, histograms: [h(1), h(2), h(3)] };
    const b: Series = { labels: { replica: 'b' }, timestamps: [5000, 95_000], values: [7, 0], stale: null, histograms: [null, h(40)] };
    const out = dedupReplicas({ job: 'api' }, [a, b]);
    expect(Array.from(out.timestamps)).toEqual([0, 10_000, 20_000, 95_000]);
    expect(Array.from(out.histograms!).map((x) => x?.count ?? null)).toEqual([1, 2, 3, 40]);
    expect(out.startTimestamps).toBeUndefined();
  });
});
