import { describe, expect, it } from 'vitest';
import { appliedMetadata, computeLag, parseAppliedMetadata } from './partition-lag.js';

describe('computeLag', () => {
  it('counts from the committed offset, or from the retention start where nothing is committed', () => {
    expect(
      computeLag(
        [
          { partition: 1, low: 5, high: 20 },
          { partition: 0, low: 0, high: 10 },
        ],
        [{ partition: 0, offset: 4 }, { partition: 1, offset: -1 }],
      ),
    ).toEqual([
      { partition: 0, committed: 4, high: 10, lag: 6, applied: 4, appliedLag: 6 },
      { partition: 1, committed: -1, high: 20, lag: 15, applied: -1, appliedLag: 15 },
    ]);
  });

  it('treats a partition missing from the committed list as uncommitted', () => {
    expect(computeLag([{ partition: 0, low: 2, high: 2 }], [])).toEqual([
      { partition: 0, committed: -1, high: 2, lag: 0, applied: -1, appliedLag: 0 },
    ]);
  });

  it('counts applied lag from the applied offset a commit reported, never below the committed one', () => {
    expect(
      computeLag(
        [{ partition: 0, low: 0, high: 10 }, { partition: 1, low: 0, high: 10 }],
        [{ partition: 0, offset: 4, applied: 9 }, { partition: 1, offset: 4, applied: 2 }],
      ),
    ).toEqual([
      { partition: 0, committed: 4, high: 10, lag: 6, applied: 9, appliedLag: 1 },
      { partition: 1, committed: 4, high: 10, lag: 6, applied: 4, appliedLag: 6 },
    ]);
  });

  it('reads the applied offset back from the commit metadata it wrote, and nothing from other metadata', () => {
    expect(parseAppliedMetadata(appliedMetadata(1234))).toBe(1234);
    expect(parseAppliedMetadata('')).toBeUndefined();
    expect(parseAppliedMetadata(null)).toBeUndefined();
    expect(parseAppliedMetadata('consumer-x')).toBeUndefined();
  });
});
