import { describe, expect, it } from 'vitest';
import { mergeSeriesCopies } from './series-merge.js';

describe('merging copies of a series from several shards', () => {
  it('interleaves samples by time, keeps the first copy at a shared timestamp, and carries start timestamps with their samples', () => {
    const labels = { __name__: 'c' };
    const merged = mergeSeriesCopies(labels, [
      { labels, timestamps: [1000, 3000], values: [1, 3], stale: null, startTimestamps: [500, 2500] },
      { labels, timestamps: [2000, 3000], values: [2, 30], stale: null },
    ]);
    expect(Array.from(merged.timestamps)).toEqual([1000, 2000, 3000]);
    expect(Array.from(merged.values)).toEqual([1, 2, 3]);
    expect(Array.from(merged.startTimestamps!)).toEqual([500, 0, 2500]);
  });

  it('gives a merge of copies without start timestamps none', () => {
    const labels = { __name__: 'c' };
    const merged = mergeSeriesCopies(labels, [
      { labels, timestamps: [1000], values: [1], stale: null },
      { labels, timestamps: [2000], values: [2], stale: null },
    ]);
    expect(merged.startTimestamps).toBeUndefined();
  });
});
